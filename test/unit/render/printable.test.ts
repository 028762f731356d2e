import { describe, expect, it } from 'vitest';
import { describeAction } from '../../../src/apply/describe.js';
import { describeHolder } from '../../../src/apply/lock.js';
import { ProgressDisplay } from '../../../src/apply/progress.js';
import { renderApplyText } from '../../../src/apply/report.js';
import type { ApplyResult } from '../../../src/apply/result.js';
import { printable } from '../../../src/core/printable.js';
import type { Diagnostic } from '../../../src/model/diagnostic.js';
import { formatDiagnostic, REPORTERS } from '../../../src/render/diagnostics.js';
import { runMain } from '../../support/run-main.js';

/*
 * Issue 15, finding 9: values from a spec or the engine holding terminal control sequences are
 * printed escaped by every human output, through the one function src/core/printable.ts.
 * (The plan text is pinned by the golden case control-characters-escaped.)
 */
const ERASE = '\u001b[2K\r';
// eslint-disable-next-line no-control-regex -- what must not be printed
const NO_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/;

describe('printable', () => {
  it.each([
    ['plain text', 'plain text'],
    [`${ERASE}fake`, '\\x1b[2K\\rfake'],
    ['a\nb\tc', 'a\\nb\\tc'],
    ['bell\u0007 del\u007f csi\u009b', 'bell\\x07 del\\x7f csi\\x9b'],
    ['rtl \u202eevil\u202c', 'rtl \\u202eevil\\u202c'],
    ['zero\u200bwidth \u2028line', 'zero\\u200bwidth \\u2028line'],
    ['café ✓ 日本', 'café ✓ 日本'],
  ])('%j -> %j', (input, expected) => {
    expect(printable(input)).toBe(expected);
  });
});

describe('every human output escapes', () => {
  const action = {
    kind: 'connect' as const,
    container: `web${ERASE}`,
    containerId: 'c',
    network: 'app',
    networkId: 'n',
    after: { aliases: [], linkLocalIps: [], driverOpts: {} },
    reason: 'r',
  };

  it('the apply report and progress lines', () => {
    const description = describeAction(action);
    expect(description).toBe('connect web\\x1b[2K\\r to app');
    const outcome = {
      index: 0,
      kind: 'connect' as const,
      description,
      status: 'failed' as const,
      error: `engine said ${ERASE}done`,
      rollbackError: `\u001b]0;title\u0007`,
      operations: [],
    };
    const result: ApplyResult = {
      status: 'failed',
      project: 'p',
      plan: {
        formatVersion: 1,
        project: 'p',
        actions: [action],
        diagnostics: [],
        notes: [],
        summary: { create: 0, replace: 0, remove: 0, connect: 1, disconnect: 0, reconnect: 0 },
      },
      execution: { status: 'failed', actions: [outcome], durationMs: 5, parallelism: {} as never },
    };
    const text = renderApplyText(result, { color: false });
    expect(text).not.toMatch(NO_CONTROL);
    expect(text).toContain('engine said \\x1b[2K\\rdone');
    let progress = '';
    const display = new ProgressDisplay((t) => (progress += t), false);
    display.onEvent({ type: 'action-start', outcome, total: 1 });
    display.onEvent({ type: 'action-end', outcome, total: 1, finished: 1 });
    expect(progress).not.toMatch(NO_CONTROL);
    expect(progress).toContain('connect web\\x1b[2K\\r to app');
  });

  it('diagnostics as text and as GitHub annotations', () => {
    const d: Diagnostic = {
      severity: 'error',
      code: 'NF202',
      path: 'networks.infra',
      message: `labels: {x=${ERASE}} → {x=plain}`,
      hint: `hint \u001b[31m`,
      position: { file: `spec${ERASE}.yaml`, line: 1, column: 1 },
    };
    expect(formatDiagnostic(d)).not.toMatch(NO_CONTROL);
    expect(formatDiagnostic(d)).toContain('labels: {x=\\x1b[2K\\r}');
    const github = REPORTERS.github({ valid: false, files: [], diagnostics: [d] }, { color: false });
    expect(github.replace(/\n/g, '')).not.toMatch(NO_CONTROL);
  });

  it('the lock holder read from the engine, and errors', async () => {
    const holder = describeHolder(
      { command: 'apply', user: `eve${ERASE}`, pid: 1, host: 'h', since: '2026-01-01T00:00:00Z' } as never,
      new Date('2026-01-01T00:01:00Z'),
    );
    expect(holder).not.toMatch(NO_CONTROL);
    const { code, stderr } = await runMain(['apply', `/nonexistent/${ERASE}.plan`], { cwd: '/' });
    expect(code).toBe(1);
    expect(stderr).toContain('cannot read the plan file /nonexistent/\\x1b[2K\\r.plan');
    expect(stderr.replace(/\n/g, '')).not.toMatch(NO_CONTROL);
  });
});
