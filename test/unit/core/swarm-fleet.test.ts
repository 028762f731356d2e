import { describe, expect, it } from 'vitest';
import {
  leavingClusterNetworks,
  nodeObserved,
  nodeProjection,
  swarmTopology,
  withConfigOnlyNetworks,
} from '../../../src/core/swarm-fleet.js';
import { planChanges } from '../../../src/core/plan.js';
import { withConfigOnlyOwnership } from '../../../src/model/docker-rules.js';
import type { DesiredState } from '../../../src/model/desired.js';
import { NetformError } from '../../../src/model/errors.js';
import type { ObservedNetwork, ObservedState, SwarmRole } from '../../../src/model/observed.js';
import { desiredNetwork as network } from './desired-network.js';

const manager = (nodeId: string, clusterId = 'c1'): SwarmRole => ({
  localNodeState: 'active',
  nodeId,
  controlAvailable: true,
  clusterId,
  remoteManagers: [{ nodeId, addr: '10.0.0.1:2377' }],
});
const worker = (nodeId: string, managerId: string): SwarmRole => ({
  localNodeState: 'active',
  nodeId,
  controlAvailable: false,
  remoteManagers: [{ nodeId: managerId, addr: '10.0.0.1:2377' }],
});
const inactive: SwarmRole = {
  localNodeState: 'inactive',
  nodeId: '',
  controlAvailable: false,
  remoteManagers: [],
};

const observedNetwork = (
  name: string,
  driver: string,
  labels: Record<string, string> = {},
): ObservedNetwork => ({
  id: `id-${name}`,
  name,
  driver,
  scope: driver === 'overlay' ? 'swarm' : 'local',
  attachable: true,
  internal: false,
  ingress: false,
  configOnly: false,
  enableIPv6: false,
  ipam: { driver: 'default', options: {}, config: [] },
  options: {},
  labels,
});

const ENGINE: ObservedState['engine'] = {
  version: '28.5.2',
  apiVersion: '1.51',
  engineApiVersion: '1.51',
  os: 'linux',
  arch: 'amd64',
  swarmState: 'active',
  swarmControl: true,
};

describe('swarmTopology', () => {
  it('picks the first manager by engine name and accepts workers that name it', () => {
    const roles = new Map([
      ['b', manager('m2')],
      ['a', worker('w1', 'm2')],
      ['c', inactive],
    ]);
    expect(swarmTopology(roles, true)).toEqual({ manager: 'b', others: ['a'] });
  });

  it('refuses nodes of another swarm, naming them', () => {
    const roles = new Map([
      ['m', manager('m1')],
      ['w', worker('w1', 'other-manager')],
      ['m2', manager('m9', 'c2')],
    ]);
    const error = (() => {
      try {
        swarmTopology(roles, false);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(NetformError);
    expect((error as Error).message).toBe(
      'engines m2, w are nodes of another swarm than engine m (a manager)',
    );
  });

  it('needs a manager among the engines only when the spec has cluster objects', () => {
    const workers = new Map([['w', worker('w1', 'm1')]]);
    expect(swarmTopology(workers, false)).toBeUndefined();
    expect(() => swarmTopology(workers, true)).toThrow(/no manager is among its engines \(w\)/);
    expect(swarmTopology(new Map([['x', undefined]]), false)).toBeUndefined();
  });
});

describe('a node that is not the manager', () => {
  const desired: DesiredState = {
    project: 'p',
    networks: { ov: network('ov', 'overlay'), br: network('br', 'bridge') },
    containers: {},
    services: {},
  };

  it('uses declared cluster networks as they are, makes leaving ones exclusive, and has no services', () => {
    const leaving = [
      observedNetwork('old', 'overlay', { 'io.netform.managed': 'true', 'io.netform.project': 'p' }),
    ];
    const projected = nodeProjection(desired, leaving);
    expect(projected.services).toBeUndefined();
    expect(projected.networks.ov?.external).toBe(true);
    expect(projected.networks.br?.external).toBe(false);
    expect(projected.networks.old).toMatchObject({ external: true, exclusive: true, driver: 'overlay' });
  });

  it("sees the manager's cluster networks, not its own list, and a stand-in for one the manager makes in this run", () => {
    const own: ObservedState = {
      engine: {
        version: '28.5',
        apiVersion: '1.51',
        swarmState: 'active',
        swarmControl: false,
      } as ObservedState['engine'],
      networks: [observedNetwork('br', 'bridge'), observedNetwork('stale', 'overlay')],
      containers: [],
    };
    const seen = nodeObserved(
      own,
      [observedNetwork('other', 'overlay'), observedNetwork('mbr', 'bridge')],
      desired,
    );
    expect(seen.networks.map((n) => `${n.name}=${n.id}`)).toEqual(['br=id-br', 'other=id-other', 'ov=ov']);
  });

  it("counts as leaving only the project's managed cluster networks the spec does not declare", () => {
    const managed = { 'io.netform.managed': 'true', 'io.netform.project': 'p' };
    const leaving = leavingClusterNetworks(
      [
        observedNetwork('ov', 'overlay', managed),
        observedNetwork('gone', 'overlay', managed),
        observedNetwork('theirs', 'overlay', { ...managed, 'io.netform.project': 'q' }),
        observedNetwork('local', 'bridge', managed),
      ],
      desired,
    );
    expect(leaving.map((n) => n.name)).toEqual(['gone']);
  });
});

describe('a swarm network made from config-only networks', () => {
  const lan = network('lan', 'macvlan', {
    scope: 'swarm',
    configFrom: 'lan-config',
    attachable: false,
    labels: { tier: 'sensors' },
    driverOpts: { parent: 'eth1' },
    ipam: {
      driver: 'default',
      options: {},
      config: [{ subnet: '10.1.0.0/24', ipRange: '10.1.0.16/28', auxAddresses: {} }],
    },
  });

  it("splits into the engine's config-only network (its settings there) and the swarm network (none of them)", () => {
    const split = withConfigOnlyNetworks({ project: 'p', networks: { lan }, containers: {} });
    expect(split.networks['lan-config']).toMatchObject({
      name: 'lan-config',
      driver: 'macvlan',
      configOnly: true,
      labels: { tier: 'sensors' },
      driverOpts: { parent: 'eth1' },
      ipam: lan.ipam,
    });
    expect(split.networks['lan-config']!.scope).toBeUndefined();
    expect(split.networks['lan-config']!.configFrom).toBeUndefined();
    expect(split.networks.lan).toMatchObject({
      scope: 'swarm',
      configFrom: 'lan-config',
      labels: {},
      driverOpts: {},
      ipam: { driver: 'default', options: {}, config: [] },
    });
  });

  it("takes its ownership from its config-only network, and shows no drift whether the manager shows that network's settings or none", () => {
    const owned = { 'io.netform.managed': 'true', 'io.netform.project': 'p' };
    const config: ObservedNetwork = {
      ...observedNetwork('lan-config', 'null', { ...owned, tier: 'sensors' }),
      attachable: false,
      configOnly: true,
    };
    const bare: ObservedNetwork = {
      ...observedNetwork('lan', 'macvlan'),
      scope: 'swarm',
      attachable: false,
      configFrom: 'lan-config',
    };
    const [withOwner] = withConfigOnlyOwnership([bare, config]);
    expect(withOwner!.labels).toEqual(owned);
    expect(withConfigOnlyOwnership([bare])[0]!.labels).toEqual({});

    const desired = withConfigOnlyNetworks({ project: 'p', networks: { lan }, containers: {} });
    // As seen once a task runs on the manager: the config-only network's labels, IPAM and options.
    const instantiated: ObservedNetwork = {
      ...bare,
      labels: { ...owned, tier: 'sensors' },
      options: { parent: 'eth0' },
      ipam: { driver: 'default', options: {}, config: [{ subnet: '10.1.0.0/24', auxAddresses: {} }] },
    };
    for (const seen of [withOwner!, instantiated]) {
      const plan = planChanges(desired, {
        engine: ENGINE,
        networks: [seen, { ...config, options: { parent: 'eth1' }, ipam: lan.ipam }],
        containers: [],
      });
      expect(plan.actions).toEqual([]);
    }
    // A different config_from is a replace.
    const moved = planChanges(
      {
        ...desired,
        networks: { ...desired.networks, lan: { ...desired.networks.lan!, configFrom: 'other' } },
      },
      {
        engine: ENGINE,
        networks: [withOwner!, { ...config, options: { parent: 'eth1' }, ipam: lan.ipam }],
        containers: [],
      },
    );
    expect(moved.actions.find((a) => a.kind === 'replace')).toMatchObject({
      network: 'lan',
      forcedBy: [{ path: 'config_from', before: 'lan-config', after: 'other' }],
    });
  });
});

describe('a spec without engines: on a manager', () => {
  it('plans the config-only network before the swarm network made from it, splitting only once', () => {
    const lan = network('lan', 'macvlan', {
      scope: 'swarm',
      configFrom: 'lan-config',
      attachable: false,
      driverOpts: { parent: 'eth0' },
      ipam: { driver: 'default', options: {}, config: [{ subnet: '10.1.0.0/24', auxAddresses: {} }] },
    });
    const desired: DesiredState = { project: 'p', networks: { lan }, containers: {} };
    const split = withConfigOnlyNetworks(desired);
    expect(withConfigOnlyNetworks(split)).toEqual(split);
    const plan = planChanges(desired, { engine: ENGINE, networks: [], containers: [] });
    expect(plan.actions.map((a) => [a.kind, 'network' in a ? a.network : ''])).toEqual([
      ['create', 'lan-config'],
      ['create', 'lan'],
    ]);
    expect(planChanges(split, { engine: ENGINE, networks: [], containers: [] }).actions).toEqual(
      plan.actions,
    );
  });
});
