import { describe, expect, it } from 'vitest';
import { actionSubject } from '../../../src/core/order.js';
import { observeScope } from '../../../src/core/observe-scope.js';
import { fingerprintState, hashSpec, withoutSourcePositions } from '../../../src/core/fingerprint.js';
import { planChanges } from '../../../src/core/plan.js';
import { expandSelectors, selectorMatches } from '../../../src/core/selectors.js';
import { containersToInspect, observedStateFrom } from '../../../src/docker/convert.js';
import type { ApiContainerSummary } from '../../../src/docker/engine-api.js';
import type { DesiredSelector, DesiredState } from '../../../src/model/desired.js';
import type { ObservedContainer, ObservedState } from '../../../src/model/observed.js';
import { compileSpec } from '../../../src/spec/index.js';
import { withEngineChecks } from '../../../src/spec/online.js';
import { observedNetwork } from '../../support/builders.js';

function compile(text: string): DesiredState {
  const result = compileSpec([
    { file: '/srv/shop/netform.yaml', text: `version: 1\nproject: shop\n${text}` },
  ]);
  if (!result.ok) throw new Error(result.errors.map((d) => `${d.code} ${d.message}`).join('\n'));
  return result.spec;
}

const rule = (matchLabels: Record<string, string>): DesiredSelector => ({
  name: 'r',
  matchLabels,
  attachments: {},
});

const backend = observedNetwork({
  id: 'net-backend',
  name: 'backend',
  labels: { 'io.netform.managed': 'true', 'io.netform.project': 'shop' },
});
const metrics = observedNetwork({
  id: 'net-metrics',
  name: 'metrics',
  labels: { 'io.netform.managed': 'true', 'io.netform.project': 'shop' },
});

function container(name: string, labels: Record<string, string>, over: Partial<ObservedContainer> = {}) {
  return {
    id: `id-${name}`,
    name,
    state: 'running',
    labels,
    endpoints: {},
    ...over,
  } satisfies ObservedContainer;
}

function observed(containers: ObservedContainer[]): ObservedState {
  return {
    engine: {
      version: '20.10.24',
      apiVersion: '1.41',
      engineApiVersion: '1.41',
      os: 'linux',
      arch: 'amd64',
      swarmState: 'inactive',
      swarmControl: false,
    },
    networks: [backend, metrics],
    containers,
  };
}

const SPEC = `
networks:
  backend: {}
  metrics: {}
selectors:
  payments:
    match: { labels: { team: payments, tier: 2 } }
    networks:
      backend: { aliases: [payments] }
`;

describe('selectorMatches', () => {
  it.each([
    [{ team: 'payments' }, { team: 'payments' }, true],
    [{ team: 'payments' }, { team: 'payments', other: 'x' }, true],
    [{ team: 'payments', tier: '2' }, { team: 'payments' }, false],
    [{ team: 'payments' }, { team: 'Payments' }, false],
    [{ team: 'payments' }, { team: 'payments-old' }, false],
    [{ team: '' }, { team: '' }, true],
    [{ team: '' }, {}, false],
    [{ toString: 'x' }, {}, false],
  ])('%j against %j is %s', (match, labels, expected) => {
    expect(selectorMatches(rule(match), labels)).toBe(expected);
  });
});

describe('normalisation of selectors', () => {
  it('keeps match labels as YAML wrote them and keys attachments by Docker name', () => {
    const spec = compile(`
networks:
  back: { name: shop_back }
selectors:
  payments:
    match: { labels: { team: payments, tier: 02, canary: true } }
    engines: all
    networks:
      back: { aliases: [pay, pay, a] }
`);
    const { source, attachments, ...selector } = spec.selectors?.payments ?? ({} as DesiredSelector);
    expect(source).toEqual({ file: '/srv/shop/netform.yaml', line: 7, column: 3 });
    expect(selector).toEqual({
      name: 'payments',
      matchLabels: { team: 'payments', tier: '02', canary: 'true' },
      engines: 'all',
    });
    expect(attachments).toEqual({
      shop_back: {
        network: 'shop_back',
        aliases: ['a', 'pay'],
        linkLocalIps: [],
        driverOpts: {},
        source: { file: '/srv/shop/netform.yaml', line: 11, column: 7 },
      },
    });
  });

  it('is absent from a spec without selectors', () => {
    expect(compile('networks: { backend: {} }\n')).not.toHaveProperty('selectors');
  });

  it('survives a plan file: withoutSourcePositions keeps the rules, and they change the spec hash', () => {
    const spec = compile(SPEC);
    const stripped = withoutSourcePositions(spec);
    expect(stripped.selectors?.payments?.matchLabels).toEqual({ team: 'payments', tier: '2' });
    expect(JSON.stringify(stripped)).not.toContain('"line"');
    const { selectors: _dropped, ...without } = spec;
    expect(hashSpec(spec)).not.toBe(hashSpec(without));
  });
});

describe('expandSelectors', () => {
  it('returns the very same desired state when the spec has no selectors', () => {
    const spec = compile('networks: { backend: {} }\n');
    const expansion = expandSelectors(spec, observed([container('a', { team: 'payments' })]));
    expect(expansion.desired).toBe(spec);
  });

  it('adds matched containers as listed ones, with where each attachment comes from', () => {
    const spec = compile(SPEC);
    const { desired, diagnostics } = expandSelectors(
      spec,
      observed([container('pay-1', { team: 'payments', tier: '2' }), container('web', { team: 'payments' })]),
    );
    expect(diagnostics).toEqual([]);
    expect(Object.keys(desired.containers)).toEqual(['pay-1']);
    expect(desired.containers['pay-1']?.origin).toEqual({ listed: false, selectors: ['payments'] });
    expect(desired.containers['pay-1']?.attachments.backend).toMatchObject({
      container: 'pay-1',
      network: 'backend',
      aliases: ['payments'],
      origin: { listed: false, selectors: ['payments'] },
      source: { line: 11, column: 7 },
    });
    expect(spec.containers).toEqual({});
  });

  it('gives a listed and matched container the union, and equal settings from several entries are no conflict', () => {
    const spec = compile(`${SPEC}  same:
    match: { labels: { team: payments } }
    networks:
      backend: { aliases: [payments] }
      metrics:
containers:
  pay-1:
    networks: { backend: { aliases: [payments] } }
`);
    const { desired, diagnostics } = expandSelectors(
      spec,
      observed([container('pay-1', { team: 'payments', tier: '2' })]),
    );
    expect(diagnostics).toEqual([]);
    const pay = desired.containers['pay-1'];
    expect(Object.keys(pay?.attachments ?? {})).toEqual(['backend', 'metrics']);
    expect(pay?.attachments.backend?.origin).toEqual({ listed: true, selectors: ['payments', 'same'] });
    expect(pay?.attachments.metrics?.origin).toEqual({ listed: false, selectors: ['same'] });
    // The container's own entry stands first: its position is the attachment's.
    expect(pay?.attachments.backend?.source?.line).toBe(19);
  });

  it('reports different settings from two entries (a MAC on one side only too), naming both with positions', () => {
    const spec = compile(`${SPEC}containers:
  pay-1:
    networks:
      backend: { aliases: [payments], mac_address: 02:42:ac:11:00:02 }
`);
    const { diagnostics } = expandSelectors(
      spec,
      observed([container('pay-1', { team: 'payments', tier: '2' })]),
    );
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      severity: 'error',
      code: 'NF220',
      path: 'selectors.payments.networks.backend',
      position: { file: '/srv/shop/netform.yaml', line: 11, column: 7 },
    });
    expect(diagnostics[0]?.message).toBe(
      'containers.pay-1 (/srv/shop/netform.yaml:15:7) and selectors.payments (/srv/shop/netform.yaml:11:7) ' +
        'give pay-1 different settings on backend: mac_address 02:42:ac:11:00:02 vs (none)',
    );
  });

  it('leaves a matched container in network mode host, none or container:X alone, with a note', () => {
    const spec = compile(SPEC);
    const labels = { team: 'payments', tier: '2' };
    const hostEndpoint = {
      networkId: 'h',
      networkName: 'host',
      aliases: [],
      aliasesKnown: true,
      configuredLinkLocalIps: [],
      driverOpts: {},
    };
    const { desired, notes } = expandSelectors(
      spec,
      observed([
        container('agent', labels, { endpoints: { host: hostEndpoint } }),
        container('sidecar', labels, { networkMode: `container:${'ab'.repeat(32)}` }),
      ]),
    );
    expect(desired.containers).toEqual({});
    expect(notes.map((n) => n.message)).toEqual([
      'agent matches selectors.payments but runs with --network host, which Docker cannot connect to other networks: left alone',
      'sidecar matches selectors.payments but runs with --network container:abababababab, which Docker cannot connect to other networks: left alone',
    ]);
  });
});

describe('plans with selectors', () => {
  const endpoint = (network: string, aliases: string[]) => ({
    networkId: `net-${network}`,
    networkName: network,
    aliases,
    aliasesKnown: true,
    configuredLinkLocalIps: [],
    driverOpts: {},
  });

  it('leaves a container that no longer matches alone, except on an exclusive network', () => {
    const spec = compile(`
networks:
  backend: {}
  metrics: { exclusive: true }
selectors:
  payments:
    match: { labels: { team: payments } }
    networks: { backend: { aliases: [payments] }, metrics: {} }
`);
    const relabelled = container(
      'old-pay',
      { team: 'billing' },
      {
        endpoints: { backend: endpoint('backend', ['payments']), metrics: endpoint('metrics', []) },
      },
    );
    const plan = planChanges(spec, observed([relabelled]));
    expect(
      plan.actions.map((a) => `${a.kind} ${'container' in a ? a.container : ''} ${actionSubject(a)}`),
    ).toEqual(['disconnect old-pay metrics']);
  });

  it('makes a saved plan stale when a matching container appears after it was made', () => {
    const spec = compile(SPEC);
    const before = observed([container('web', { team: 'web' })]);
    const after = observed([
      container('web', { team: 'web' }),
      container('pay-9', { team: 'payments', tier: '2' }),
    ]);
    const unrelated = observed([container('web', { team: 'web' }), container('x', { team: 'x' })]);
    expect(fingerprintState(spec, after)).not.toBe(fingerprintState(spec, before));
    expect(fingerprintState(spec, unrelated)).toBe(fingerprintState(spec, before));
  });

  it('checks a matched container against the engine API as the rule it comes from (NF075)', () => {
    const spec = compile(`
networks:
  backend: {}
selectors:
  payments:
    match: { labels: { team: payments } }
    networks: { backend: { gw_priority: 5 } }
`);
    const state = observed([container('pay-1', { team: 'payments' })]);
    const plan = withEngineChecks(planChanges(spec, state), spec, state);
    expect(plan.diagnostics.map((d) => [d.code, d.path, d.message])).toEqual([
      [
        'NF075',
        'selectors.payments.networks.backend.gw_priority',
        'gw_priority 5 of container pay-1 (selectors.payments) on backend needs Engine API 1.48 (Docker 28); this engine speaks API 1.41 and would ignore it',
      ],
    ]);
  });
});

describe('what a plan with selectors observes', () => {
  it('inspects no container more: a matched container off the declared networks is planned from the list', () => {
    const spec = compile(SPEC);
    const summaries: ApiContainerSummary[] = [
      {
        Id: 'c1',
        Names: ['/pay-1'],
        Labels: { team: 'payments', tier: '2' },
        NetworkSettings: { Networks: {} },
      },
      {
        Id: 'c2',
        Names: ['/pay-2'],
        Labels: { team: 'payments', tier: '2' },
        NetworkSettings: { Networks: { backend: { NetworkID: 'net-backend' } } },
      },
      {
        Id: 'c3',
        Names: ['/web'],
        Labels: {},
        NetworkSettings: { Networks: { bridge: { NetworkID: 'b' } } },
      },
    ];
    const inspect = containersToInspect(summaries, observeScope(spec));
    expect(inspect).toEqual(['c2']);
    const state = observedStateFrom(observed([]).engine, {
      networks: [
        { Name: 'backend', Id: 'net-backend', Driver: 'bridge', Labels: backend.labels },
        { Name: 'metrics', Id: 'net-metrics', Driver: 'bridge', Labels: metrics.labels },
      ],
      containers: summaries,
      inspects: [
        {
          Id: 'c2',
          Name: '/pay-2',
          Config: { Labels: { team: 'payments', tier: '2' } },
          NetworkSettings: { Networks: { backend: { NetworkID: 'net-backend', Aliases: ['payments'] } } },
        },
      ],
    });
    expect(
      planChanges(spec, state).actions.map((a) => `${a.kind} ${'container' in a ? a.container : ''}`),
    ).toEqual(['connect pay-1']);
  });
});

describe('selectors in several files', () => {
  it('merge as containers do: list and map forms of networks combine', () => {
    const result = compileSpec([
      {
        file: 'base.yaml',
        text: 'version: 1\nproject: shop\nnetworks: { a: {}, b: {} }\nselectors:\n  r:\n    match: { labels: { team: x } }\n    networks: [a, b]\n',
      },
      { file: 'override.yaml', text: 'selectors:\n  r:\n    networks: { b: { aliases: [bee] } }\n' },
    ]);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const attachments = result.spec.selectors?.r?.attachments;
    expect(Object.keys(attachments ?? {})).toEqual(['a', 'b']);
    expect(attachments?.b?.aliases).toEqual(['bee']);
    expect(attachments?.b?.source?.file).toBe('override.yaml');
    expect(result.spec.selectors?.r?.matchLabels).toEqual({ team: 'x' });
  });
});
