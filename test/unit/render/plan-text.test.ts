import { describe, expect, it } from 'vitest';
import { renderFieldChange, renderPlanText, renderSummary } from '../../../src/render/plan-text.js';
import type { Plan } from '../../../src/model/plan.js';
import pc from 'picocolors';
import { desiredNetwork } from '../../support/builders.js';

const empty: Plan = {
  formatVersion: 1,
  project: 'shop',
  actions: [],
  diagnostics: [],
  notes: [],
  summary: { create: 0, replace: 0, remove: 0, connect: 0, disconnect: 0, reconnect: 0 },
};

describe('renderPlanText', () => {
  it('says so when nothing changes', () => {
    expect(renderPlanText(empty, { color: false })).toBe('No changes. The engine matches the spec.\n');
  });

  it('prints the summary counts from the plan', () => {
    const plan: Plan = {
      ...empty,
      summary: { create: 2, replace: 1, remove: 0, connect: 3, disconnect: 1, reconnect: 0 },
    };
    plan.actions = [{ kind: 'create', network: 'x', after: {} as never, reason: '' }];
    expect(renderSummary(plan)).toBe(
      'Plan: 2 to create, 1 to replace, 0 to remove; 3 to connect, 1 to disconnect, 0 to reconnect.',
    );
  });

  it('colours only when asked', () => {
    const plan: Plan = {
      ...empty,
      actions: [
        {
          kind: 'create',
          network: 'web',
          after: desiredNetwork({ name: 'web' }),
          reason: 'declared',
        },
      ],
      summary: { ...empty.summary, create: 1 },
    };
    const plain = renderPlanText(plan, { color: false });
    const coloured = renderPlanText(plan, { color: true });
    // eslint-disable-next-line no-control-regex
    const ansi = /\u001b\[/;
    expect(plain).not.toMatch(ansi);
    expect(coloured).toMatch(ansi);
    // eslint-disable-next-line no-control-regex
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain);
  });

  it('shows a long map change member by member with the diff package', () => {
    const lines = renderFieldChange(
      { path: 'labels', before: { a: '1', b: '2', c: '3' }, after: { a: '1', b: '9', c: '3' } },
      pc.createColors(false),
      '',
    );
    expect(lines).toEqual(['~ labels:', '      a: 1', '    - b: 2', '    + b: 9', '      c: 3']);
  });

  it('shows an endpoint carried across a replace field by field, old → new only where it changes', () => {
    const settings = { aliases: ['www'], linkLocalIps: [], driverOpts: {} };
    const network = desiredNetwork();
    const plan: Plan = {
      ...empty,
      actions: [
        {
          kind: 'replace',
          network: 'app',
          networkId: 'n1',
          before: network,
          after: network,
          forcedBy: [{ path: 'internal', before: false, after: true }],
          adopt: false,
          reason: '',
          endpoints: [
            {
              container: 'web',
              containerId: 'c1',
              containerState: 'running',
              before: { ...settings, ipv4Address: '10.1.0.10' },
              after: { ...settings, aliases: ['api', 'www'], ipv4Address: '10.9.0.10' },
            },
            {
              container: 'batch',
              containerId: 'c2',
              containerState: 'exited',
              before: { ...settings, aliases: [] },
              after: { ...settings, aliases: [], ipv6Address: 'fd00::5' },
            },
            {
              container: 'sidecar',
              containerId: 'c3',
              containerState: 'created',
              before: settings,
              after: settings,
            },
            { container: 'old', containerId: 'c4', containerState: 'exited', before: settings, after: null },
          ],
        },
      ],
      summary: { ...empty.summary, replace: 1 },
    };
    expect(renderPlanText(plan, { color: false }).split('\n').slice(4, 9)).toEqual([
      '      endpoints (disconnected first, then reconnected to the new network):',
      '        web (running): aliases [www] → [api, www], ipv4_address 10.1.0.10 → 10.9.0.10',
      '        batch (exited): ipv6_address (none) → fd00::5',
      '        sidecar (created): aliases [www]',
      '        old (exited): aliases [www] → not reconnected',
    ]);
  });

  it('prints only the errors, without a line of zero counts, when a plan has errors and no actions', () => {
    const plan: Plan = {
      ...empty,
      diagnostics: [{ severity: 'error', code: 'NF205', path: '', message: '--target x names nothing' }],
    };
    const text = renderPlanText(plan, { color: false });
    expect(text).not.toContain('Plan:');
    expect(text).toContain('error NF205 --target x names nothing');
    expect(text.trimEnd().split('\n').at(-1)).toBe('The plan has 1 error: apply will not run it.');
  });
});
