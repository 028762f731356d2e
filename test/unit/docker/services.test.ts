import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { networkCreateBody } from '../../../src/docker/requests.js';
import { isUpdateOutOfSequence, serviceNetworksUpdateSpec } from '../../../src/docker/services-request.js';
import type {
  ApiNode,
  ApiService,
  ApiServiceSpec,
  ApiSwarmInfo,
  ApiTask,
} from '../../../src/docker/swarm-api.js';
import { serviceFrom, swarmNodeFrom, swarmRoleFrom, taskFrom } from '../../../src/docker/swarm-convert.js';

/**
 * services-payloads.json was recorded from the two-node swarm of scripts/swarm.sh (Docker 28.5.2,
 * API 1.51); its `source` and `notes` say how. The conversions are pure, so they are checked
 * here against what a real manager and worker answered.
 */
interface Payloads {
  infoManager: ApiSwarmInfo;
  infoWorker: ApiSwarmInfo;
  services: ApiService[];
  networks: { Name: string; Id: string }[];
  tasks: ApiTask[];
}
const payloads = JSON.parse(
  readFileSync(new URL('./services-payloads.json', import.meta.url), 'utf8'),
) as Payloads;
const names = new Map(payloads.networks.map((n) => [n.Id, n.Name]));
const idOf = (name: string): string => payloads.networks.find((n) => n.Name === name)!.Id;
const service = (name: string): ApiService => payloads.services.find((s) => s.Spec?.Name === name)!;

describe('swarm role', () => {
  it('tells a manager from a worker of the same swarm by node ID', () => {
    const manager = swarmRoleFrom(payloads.infoManager);
    const worker = swarmRoleFrom(payloads.infoWorker);
    expect(manager.localNodeState).toBe('active');
    expect(manager.controlAvailable).toBe(true);
    expect(manager.clusterId).toMatch(/^[a-z0-9]{25}$/);
    expect(worker.controlAvailable).toBe(false);
    // Only managers know the cluster's ID; a worker names its managers.
    expect(worker.clusterId).toBeUndefined();
    expect(worker.remoteManagers.map((m) => m.nodeId)).toContain(manager.nodeId);
    expect(worker.nodeId).not.toBe(manager.nodeId);
    expect(worker.nodeAddr).toBe('10.213.251.2');
  });

  it('reads an engine outside a swarm as inactive with no node', () => {
    expect(
      swarmRoleFrom({ Swarm: { LocalNodeState: 'inactive', NodeID: '', ControlAvailable: false } }),
    ).toEqual({
      localNodeState: 'inactive',
      nodeId: '',
      controlAvailable: false,
      remoteManagers: [],
    });
    expect(swarmRoleFrom({})).toMatchObject({ localNodeState: 'inactive', nodeId: '' });
  });
});

describe('services', () => {
  it('reads networks from TaskTemplate.Networks, named from the network list, with aliases and driver options', () => {
    const web = serviceFrom(service('rec-web'), names);
    expect(web).toMatchObject({
      name: 'rec-web',
      mode: 'replicated',
      replicas: 2,
      stack: 'recstack',
      legacyNetworks: false,
      runningTasks: 2,
      desiredTasks: 2,
    });
    expect(web.version).toBeGreaterThan(0);
    expect(web.networks).toEqual(
      expect.arrayContaining([
        { networkId: idOf('rec-front'), networkName: 'rec-front', aliases: ['web', 'www'], driverOpts: {} },
        {
          networkId: idOf('rec-back'),
          networkName: 'rec-back',
          aliases: [],
          driverOpts: { 'x.netform.test': '1' },
        },
      ]),
    );
    expect(web.networks).toHaveLength(2);
  });

  it('falls back to the deprecated Spec.Networks of a service an old client made, and says so', () => {
    const legacy = serviceFrom(service('rec-legacy'), names);
    expect(service('rec-legacy').Spec?.TaskTemplate?.Networks ?? []).toEqual([]);
    expect(legacy.legacyNetworks).toBe(true);
    expect(legacy.networks).toEqual([
      { networkId: idOf('rec-front'), networkName: 'rec-front', aliases: ['old'], driverOpts: {} },
    ]);
    expect(legacy.stack).toBeUndefined();
  });

  it('reads a global service on no network', () => {
    const glob = serviceFrom(service('rec-glob'), names);
    expect(glob).toMatchObject({ mode: 'global', networks: [], legacyNetworks: false });
    expect(glob.replicas).toBeUndefined();
  });

  it('leaves the name out when no network has the Target ID', () => {
    const web = serviceFrom(service('rec-web'), new Map());
    expect(web.networks.every((n) => n.networkName === undefined)).toBe(true);
  });
});

describe('tasks', () => {
  it('keeps node, slot, states and the overlay addresses by network', () => {
    const web = service('rec-web');
    const tasks = payloads.tasks.filter((t) => t.ServiceID === web.ID).map(taskFrom);
    expect(tasks).toHaveLength(2);
    expect(new Set(tasks.map((t) => t.slot))).toEqual(new Set([1, 2]));
    for (const task of tasks) {
      expect(task.state).toBe('running');
      expect(task.nodeId).toMatch(/^[a-z0-9]{25}$/);
      expect(task.containerId).toMatch(/^[0-9a-f]{64}$/);
      expect(task.addresses['rec-front']?.[0]).toMatch(/^10\.213\.112\.\d+\/24$/);
      expect(task.addresses['rec-back']?.[0]).toMatch(/^10\.213\.113\.\d+\/24$/);
    }
    const glob = payloads.tasks.filter((t) => t.ServiceID === service('rec-glob').ID).map(taskFrom);
    expect(glob.every((t) => t.slot === undefined)).toBe(true);
    // Both nodes run one each: a global service's tasks are told apart by node ID.
    expect(new Set(glob.map((t) => t.nodeId)).size).toBe(2);
  });
});

describe('the service update body', () => {
  const spec = (name: string): ApiServiceSpec => service(name).Spec!;

  it('is the spec as read with only TaskTemplate.Networks replaced, IDs in Target, sorted by ID', () => {
    const before = spec('rec-web');
    const body = serviceNetworksUpdateSpec(before, [
      { networkId: 'zzz', aliases: ['b', 'a'], driverOpts: {} },
      { networkId: 'aaa', aliases: [], driverOpts: { k: 'v' } },
    ]);
    expect(body.TaskTemplate?.Networks).toEqual([
      { Target: 'aaa', DriverOpts: { k: 'v' } },
      { Target: 'zzz', Aliases: ['b', 'a'] },
    ]);
    const { TaskTemplate: t1, ...rest1 } = body;
    const { TaskTemplate: t0, ...rest0 } = before;
    expect(rest1).toEqual(rest0);
    const { Networks: _n1, ...template1 } = t1!;
    const { Networks: _n0, ...template0 } = t0!;
    // ForceUpdate and every field netform does not name survive unchanged.
    expect(template1).toEqual(template0);
    expect(template1.ContainerSpec).toBeDefined();
  });

  it('does not change the spec it was given', () => {
    const before = spec('rec-web');
    const copy = structuredClone(before);
    serviceNetworksUpdateSpec(before, []);
    expect(before).toEqual(copy);
  });

  it('moves a legacy service off the deprecated Spec.Networks', () => {
    const body = serviceNetworksUpdateSpec(spec('rec-legacy'), [
      { networkId: idOf('rec-front'), aliases: ['new'], driverOpts: {} },
    ]);
    expect(body.Networks).toBeUndefined();
    expect(body.TaskTemplate?.Networks).toEqual([{ Target: idOf('rec-front'), Aliases: ['new'] }]);
  });

  it('recognises the engine refusing a stale version', () => {
    expect(isUpdateOutOfSequence('rpc error: code = Unknown desc = update out of sequence')).toBe(true);
    expect(isUpdateOutOfSequence('service rec-web not found')).toBe(false);
  });
});

describe('networks made from config-only networks', () => {
  it('carry no IPAM, options, IPv6 or labels, which the engine refuses beside ConfigFrom', () => {
    const body = networkCreateBody({
      name: 'lan',
      driver: 'macvlan',
      scope: 'swarm',
      configFrom: 'lan-config',
      attachable: true,
      internal: false,
      enableIPv6: false,
      ipam: { driver: 'default', options: {}, config: [] },
      options: {},
      labels: { 'io.netform.managed': 'true' },
    });
    expect(body).toEqual({
      Name: 'lan',
      CheckDuplicate: true,
      Driver: 'macvlan',
      Scope: 'swarm',
      Internal: false,
      Attachable: true,
      ConfigFrom: { Network: 'lan-config' },
    });
  });

  it('a config-only network keeps its labels, IPAM and parent', () => {
    const body = networkCreateBody({
      name: 'lan-config',
      driver: 'macvlan',
      configOnly: true,
      attachable: false,
      internal: false,
      enableIPv6: false,
      ipam: {
        driver: 'default',
        options: {},
        config: [{ subnet: '10.213.114.0/24', ipRange: '10.213.114.0/28', auxAddresses: {} }],
      },
      options: { parent: 'eth0' },
      labels: { 'io.netform.managed': 'true' },
    });
    expect(body).toMatchObject({
      ConfigOnly: true,
      Options: { parent: 'eth0' },
      Labels: { 'io.netform.managed': 'true' },
      IPAM: { Config: [{ Subnet: '10.213.114.0/24', IPRange: '10.213.114.0/28' }] },
    });
    expect(body.ConfigFrom).toBeUndefined();
  });
});

describe('swarmNodeFrom', () => {
  // GET /nodes on the manager of scripts/swarm.sh's swarm (Docker 28.5.2), the fields netform reads
  // (both nodes share one hostname: one UTS namespace).
  const nodes: ApiNode[] = [
    {
      ID: 'ijbg2jwilk631lnox7sdryq9a',
      Spec: { Role: 'manager' },
      Description: { Hostname: 'vm' },
      Status: { State: 'ready', Addr: '10.213.251.1' },
    },
    {
      ID: 'j368mw5rnymh4o8zl0bs1mkg7',
      Spec: { Role: 'worker' },
      Description: { Hostname: 'vm' },
      Status: { State: 'ready', Addr: '10.213.251.2' },
    },
  ];

  it("reads each node, marking the listing engine's own by its node ID", () => {
    expect(nodes.map((node) => swarmNodeFrom(node, 'ijbg2jwilk631lnox7sdryq9a'))).toEqual([
      {
        id: 'ijbg2jwilk631lnox7sdryq9a',
        hostname: 'vm',
        addr: '10.213.251.1',
        role: 'manager',
        state: 'ready',
        self: true,
      },
      {
        id: 'j368mw5rnymh4o8zl0bs1mkg7',
        hostname: 'vm',
        addr: '10.213.251.2',
        role: 'worker',
        state: 'ready',
        self: false,
      },
    ]);
    expect(swarmNodeFrom({}, '')).toEqual({
      id: '',
      hostname: '',
      addr: '',
      role: '',
      state: '',
      self: false,
    });
  });
});
