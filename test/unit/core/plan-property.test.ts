import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planChanges } from '../../../src/core/plan.js';
import type {
  DesiredAttachment,
  DesiredContainer,
  DesiredIpamPool,
  DesiredNetwork,
  DesiredState,
} from '../../../src/model/desired.js';
import type { ObservedContainer, ObservedNetwork, ObservedState } from '../../../src/model/observed.js';
import { simulateApply } from './simulate-apply.js';

const NETWORK_NAMES = ['a', 'b', 'foo', 'foobar', 'db'];
const CONTAINER_NAMES = ['c1', 'c2', 'c3', 'web'];
const ENGINE = {
  version: '28.3.2',
  apiVersion: '1.51',
  engineApiVersion: '1.51',
  os: 'linux',
  arch: 'amd64',
  swarmState: 'inactive',
  swarmControl: false,
};

const stringMap = fc.dictionary(fc.constantFrom('tier', 'team', 'x.y'), fc.constantFrom('1', 'true', 'a'), {
  maxKeys: 2,
});
const aliases = fc.uniqueArray(fc.constantFrom('x', 'y', 'api'), { maxLength: 2 }).map((a) => a.sort());

/** Pools on a small grid of subnets, so desired and observed often agree and often do not. */
const pools = (index: number): fc.Arbitrary<DesiredIpamPool[]> =>
  fc
    .record({
      v4: fc.option(fc.record({ gateway: fc.boolean(), range: fc.boolean(), aux: fc.boolean() }), {
        nil: undefined,
      }),
      v6: fc.option(fc.boolean(), { nil: undefined }),
    })
    .map(({ v4, v6 }) => {
      const out: DesiredIpamPool[] = [];
      if (v4) {
        out.push({
          subnet: `10.${index}.0.0/24`,
          ...(v4.gateway && { gateway: `10.${index}.0.254` }),
          ...(v4.range && { ipRange: `10.${index}.0.128/25` }),
          auxAddresses: v4.aux ? { router: `10.${index}.0.2` } : {},
        });
      }
      if (v6 !== undefined) out.push({ subnet: `fd00:${index}::/64`, auxAddresses: {} });
      return out;
    });

const desiredNetwork = (name: string, index: number): fc.Arbitrary<DesiredNetwork> =>
  fc
    .record({
      external: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      exclusive: fc.boolean(),
      attachable: fc.boolean(),
      internal: fc.boolean(),
      pools: pools(index),
      labels: stringMap,
      driverOpts: fc.dictionary(
        fc.constantFrom('com.docker.network.driver.mtu'),
        fc.constantFrom('1400', '1500'),
        {
          maxKeys: 1,
        },
      ),
    })
    .map((r) => ({
      name,
      driver: 'bridge',
      external: r.external,
      exclusive: r.exclusive,
      attachable: r.attachable,
      internal: r.internal,
      enableIPv4: true,
      enableIPv6: r.pools.some((p) => p.subnet.includes(':')),
      ingress: false,
      ipam: { driver: 'default', options: {}, config: r.pools },
      labels: r.labels,
      driverOpts: r.driverOpts,
    }));

const desiredState: fc.Arbitrary<DesiredState> = fc
  .subarray(NETWORK_NAMES)
  .chain((names) =>
    fc.record({
      networks: fc.tuple(...names.map((name) => desiredNetwork(name, NETWORK_NAMES.indexOf(name)))),
      containers: fc.subarray(CONTAINER_NAMES).chain((containerNames) =>
        fc.tuple(
          ...containerNames.map((container) =>
            fc.record({
              name: fc.constant(container),
              on: fc.subarray(names),
              aliases,
              static: fc.boolean(),
            }),
          ),
        ),
      ),
    }),
  )
  .map(({ networks, containers }) => {
    const state: DesiredState = { project: 'shop', networks: {}, containers: {} };
    for (const network of networks) state.networks[network.name] = network;
    for (const spec of containers) {
      const container: DesiredContainer = { name: spec.name, attachments: {} };
      for (const networkName of spec.on) {
        const network = state.networks[networkName] as DesiredNetwork;
        const v4 = network.ipam.config.find((p) => !p.subnet.includes(':'));
        const attachment: DesiredAttachment = {
          container: spec.name,
          network: networkName,
          aliases: spec.aliases,
          linkLocalIps: [],
          driverOpts: {},
        };
        if (spec.static && v4 && !network.external) {
          attachment.ipv4Address = v4.subnet.replace('0/24', `${10 + CONTAINER_NAMES.indexOf(spec.name)}`);
        }
        container.attachments[networkName] = attachment;
      }
      state.containers[spec.name] = container;
    }
    return state;
  });

const owner = fc.constantFrom<'shop' | 'other' | 'none'>('shop', 'shop', 'shop', 'other', 'none');

const observedState: fc.Arbitrary<ObservedState> = fc
  .subarray(NETWORK_NAMES)
  .chain((names) =>
    fc.record({
      networks: fc.tuple(
        ...names.map((name) =>
          fc.record({
            name: fc.constant(name),
            owner,
            base: desiredNetwork(name, NETWORK_NAMES.indexOf(name)),
          }),
        ),
      ),
      containers: fc.subarray(CONTAINER_NAMES).chain((containerNames) =>
        fc.tuple(
          ...containerNames.map((name) =>
            fc.record({
              name: fc.constant(name),
              state: fc.constantFrom('running', 'exited', 'created'),
              on: fc.subarray(names),
              aliases,
            }),
          ),
        ),
      ),
    }),
  )
  .map(({ networks, containers }) => {
    const observedNetworks: ObservedNetwork[] = networks.map(({ name, owner: who, base }) => ({
      id: `id-${name}`.padEnd(64, '0'),
      name,
      driver: 'bridge',
      scope: 'local',
      attachable: base.attachable,
      internal: base.internal,
      ingress: false,
      configOnly: false,
      enableIPv6: base.enableIPv6,
      ipam: { driver: 'default', options: {}, config: base.ipam.config },
      options: base.driverOpts,
      labels: {
        ...base.labels,
        ...(who !== 'none' && { 'io.netform.managed': 'true', 'io.netform.project': who }),
      },
    }));
    const observedContainers: ObservedContainer[] = containers.map((spec) => {
      const id = `${spec.name}`.padEnd(64, 'f');
      const container: ObservedContainer = {
        id,
        name: spec.name,
        state: spec.state,
        labels: {},
        endpoints: {},
      };
      for (const networkName of spec.on) {
        const network = observedNetworks.find((n) => n.name === networkName) as ObservedNetwork;
        container.endpoints[networkName] = {
          networkId: network.id,
          networkName,
          aliases: [...spec.aliases, id.slice(0, 12)],
          aliasesKnown: true,
          configuredLinkLocalIps: [],
          driverOpts: {},
        };
      }
      return container;
    });
    return { engine: ENGINE, networks: observedNetworks, containers: observedContainers };
  });

describe('planChanges against the state its own plan produces', () => {
  it('is empty (the plan converges in one step)', () => {
    let checked = 0;
    fc.assert(
      fc.property(desiredState, observedState, (desired, observed) => {
        const plan = planChanges(desired, observed);
        if (plan.diagnostics.some((d) => d.severity === 'error')) return;
        checked++;
        const after = simulateApply(observed, plan);
        const again = planChanges(desired, after);
        expect(again.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        expect(again.actions).toEqual([]);
      }),
      { numRuns: 600, seed: 20261123 },
    );
    // Most random states must be plannable, or the property says little.
    expect(checked).toBeGreaterThan(200);
  });

  it('converges with --adopt of every declared network, and then owns them all', () => {
    fc.assert(
      fc.property(desiredState, observedState, (desired, observed) => {
        const adopt = Object.keys(desired.networks);
        const plan = planChanges(desired, observed, { adopt });
        if (plan.diagnostics.some((d) => d.severity === 'error')) return;
        const after = simulateApply(observed, plan);
        expect(planChanges(desired, after, { adopt }).actions).toEqual([]);
        for (const name of adopt) {
          const network = after.networks.find((n) => n.name === name);
          if (network && !desired.networks[name]?.external) {
            expect(network.labels['io.netform.project']).toBe('shop');
          }
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('never changes a network it does not own', () => {
    fc.assert(
      fc.property(desiredState, observedState, (desired, observed) => {
        const plan = planChanges(desired, observed);
        const byName = new Map(observed.networks.map((n) => [n.name, n]));
        for (const action of plan.actions) {
          if (action.kind === 'create') expect(byName.has(action.network)).toBe(false);
          if (action.kind === 'replace' || action.kind === 'remove') {
            const labels = byName.get(action.network)?.labels ?? {};
            expect(labels['io.netform.managed']).toBe('true');
            expect(labels['io.netform.project']).toBe('shop');
          }
          if (action.kind === 'replace') expect(desired.networks[action.network]?.external).toBe(false);
          if (action.kind === 'remove') expect(action.network in desired.networks).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(desiredState, observedState, (desired, observed) => {
        expect(JSON.stringify(planChanges(desired, observed))).toBe(
          JSON.stringify(planChanges(desired, observed)),
        );
      }),
      { numRuns: 100 },
    );
  });
});
