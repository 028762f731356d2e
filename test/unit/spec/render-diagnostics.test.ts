import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/model/diagnostic.js';
import {
  REPORTERS,
  escapeGithubData,
  escapeGithubProperty,
  type DiagnosticReport,
} from '../../../src/render/diagnostics.js';

const error: Diagnostic = {
  severity: 'error',
  code: 'NF012',
  path: 'networks.user-network.ip_range',
  message: '10.0.43.128/25 is not inside subnet 10.0.42.0/24',
  hint: 'choose a range inside 10.0.42.0/24, or widen the subnet',
  position: { file: 'netform.yaml', line: 12, column: 15 },
};
const warning: Diagnostic = {
  severity: 'warning',
  code: 'NF045',
  path: '',
  message: 'a warning, with a comma: and 100% odd\r\nbytes',
  position: { file: 'dir,with:odd%chars.yaml', line: 1, column: 2 },
};
const unplaced: Diagnostic = { severity: 'error', code: 'NF073', path: '', message: 'the engine is too old' };
const report: DiagnosticReport = {
  valid: false,
  files: ['netform.yaml'],
  diagnostics: [error, warning, unplaced],
};

describe('diagnostics reporters', () => {
  it('text: file:line:column severity code path: message, an indented hint, a summary', () => {
    expect(REPORTERS.text(report, { color: false })).toBe(
      'netform.yaml:12:15 error NF012 networks.user-network.ip_range: 10.0.43.128/25 is not inside subnet 10.0.42.0/24\n' +
        '  choose a range inside 10.0.42.0/24, or widen the subnet\n' +
        // Control characters in a message are escaped (src/core/printable.ts), not printed.
        'dir,with:odd%chars.yaml:1:2 warning NF045 a warning, with a comma: and 100% odd\\r\\nbytes\n' +
        'error NF073 the engine is too old\n' +
        '2 errors, 1 warning\n',
    );
  });

  it('text: colour only when asked', () => {
    expect(REPORTERS.text(report, { color: true })).toContain('\u001b[');
    expect(REPORTERS.text(report, { color: false })).not.toContain('\u001b[');
  });

  it('text: a valid spec says so, with what it declares', () => {
    expect(
      REPORTERS.text(
        {
          valid: true,
          files: ['a.yaml'],
          diagnostics: [],
          spec: { project: 'p', networks: 2, containers: 1 },
        },
        { color: false },
      ),
    ).toBe('valid: project p, 2 networks, 1 container (no problems)\n');
  });

  it('github: annotations with escaped data and properties', () => {
    const lines = REPORTERS.github(report, { color: false }).split('\n');
    expect(lines[0]).toBe(
      '::error file=netform.yaml,line=12,col=15,title=NF012::networks.user-network.ip_range: 10.0.43.128/25 is not inside subnet 10.0.42.0/24%0Achoose a range inside 10.0.42.0/24, or widen the subnet',
    );
    expect(lines[1]).toBe(
      '::warning file=dir%2Cwith%3Aodd%25chars.yaml,line=1,col=2,title=NF045::a warning, with a comma: and 100%25 odd\\r\\nbytes',
    );
    expect(lines[2]).toBe('::error title=NF073::the engine is too old');
    expect(escapeGithubData('%\r\n')).toBe('%25%0D%0A');
    expect(escapeGithubProperty('a:b,c')).toBe('a%3Ab%2Cc');
  });

  it('json: the documented shape', () => {
    const parsed = JSON.parse(REPORTERS.json(report, { color: false })) as Record<string, unknown>;
    expect(parsed).toEqual({
      format: 'netform-diagnostics',
      formatVersion: 1,
      valid: false,
      files: ['netform.yaml'],
      errorCount: 2,
      warningCount: 1,
      diagnostics: [
        {
          severity: 'error',
          code: 'NF012',
          path: 'networks.user-network.ip_range',
          message: '10.0.43.128/25 is not inside subnet 10.0.42.0/24',
          hint: 'choose a range inside 10.0.42.0/24, or widen the subnet',
          file: 'netform.yaml',
          line: 12,
          column: 15,
        },
        {
          severity: 'warning',
          code: 'NF045',
          path: '',
          message: 'a warning, with a comma: and 100% odd\r\nbytes',
          file: 'dir,with:odd%chars.yaml',
          line: 1,
          column: 2,
        },
        { severity: 'error', code: 'NF073', path: '', message: 'the engine is too old' },
      ],
    });
  });
});
