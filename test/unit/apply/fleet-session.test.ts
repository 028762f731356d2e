import { describe, expect, it } from 'vitest';
import { applyEngines, planEngines, type FleetEvent } from '../../../src/apply/fleet-session.js';
import { buildFleetPlanFile, parseSavedPlanFile, serializePlanFile } from '../../../src/core/plan-file.js';
import type { FleetPlanFile } from '../../../src/model/fleet.js';
import type { PlanOptions } from '../../../src/model/plan.js';
import { LOCK_LABEL } from '../../../src/apply/lock.js';
import type { DesiredState, EndpointSettings } from '../../../src/model/desired.js';
import { EngineError, NetformError } from '../../../src/model/errors.js';
import type {
  ObservedContainer,
  ObservedNetwork,
  ObservedState,
  SwarmRole,
} from '../../../src/model/observed.js';
import type { DockerPort, NetworkCreateRequest } from '../../../src/model/port.js';
import { compileSpec } from '../../../src/spec/index.js';

/**
 * The session across engines' own control flow (lock order, one confirmation, the first failure
 * stopping every engine, blocked plans) driven by in-memory engines. It never stands in for
 * Docker's behaviour: the real engines are in test/engine/fleet.test.ts.
 */
class MemoryEngine implements DockerPort {
  networks: ObservedNetwork[] = [];
  containers: ObservedContainer[] = [];
  /** Runs before a network is created; may throw (the engine refuses) or wait. */
  beforeCreate: (request: NetworkCreateRequest) => Promise<void> = () => Promise.resolve();
  /** The node's swarm role (`swarmRole()`); undefined: not a swarm node. */
  role: SwarmRole | undefined;
  private ids = 0;

  constructor(
    readonly host: string,
    private readonly log: string[],
    containers: string[] = [],
  ) {
    this.containers = containers.map((name) => ({
      id: `${name}-id`.padEnd(64, '0'),
      name,
      state: 'running',
      labels: {},
      endpoints: {},
    }));
  }

  engineInfo(): Promise<ObservedState['engine']> {
    return Promise.resolve({
      version: '28.5.2',
      apiVersion: '1.51',
      engineApiVersion: '1.51',
      os: 'linux',
      arch: 'amd64',
      swarmState: this.role ? 'active' : 'inactive',
      swarmControl: this.role?.controlAvailable ?? false,
    });
  }

  swarmRole(): Promise<SwarmRole> {
    return Promise.resolve(
      this.role ?? { localNodeState: 'inactive', nodeId: '', controlAvailable: false, remoteManagers: [] },
    );
  }

  async observe(): Promise<ObservedState> {
    return structuredClone({
      engine: await this.engineInfo(),
      networks: this.networks,
      containers: this.containers,
    });
  }

  async createNetwork(request: NetworkCreateRequest): Promise<string> {
    const lock = LOCK_LABEL in request.labels;
    if (!lock) await this.beforeCreate(request);
    const id = `${this.host}-${this.ids++}`.padEnd(64, '0');
    this.log.push(`${this.host} ${lock ? 'lock' : 'create'} ${request.name}`);
    this.networks.push({
      id,
      name: request.name,
      driver: request.driver,
      scope: request.driver === 'overlay' ? 'swarm' : 'local',
      attachable: request.attachable,
      internal: request.internal,
      ingress: false,
      configOnly: request.configOnly === true,
      enableIPv6: request.enableIPv6,
      ipam: { driver: request.ipam.driver, options: request.ipam.options, config: request.ipam.config },
      options: request.options,
      labels: request.labels,
    });
    return id;
  }

  removeNetwork(networkId: string): Promise<void> {
    const network = this.networks.find((n) => n.id === networkId);
    this.log.push(
      `${this.host} ${network && LOCK_LABEL in network.labels ? 'unlock' : 'remove'} ${network?.name}`,
    );
    this.networks = this.networks.filter((n) => n.id !== networkId);
    return Promise.resolve();
  }

  connect(networkId: string, containerId: string, settings: EndpointSettings): Promise<void> {
    const network = this.networks.find((n) => n.id === networkId)!;
    const container = this.containers.find((c) => c.id === containerId)!;
    this.log.push(`${this.host} connect ${container.name} ${network.name}`);
    container.endpoints[network.name] = {
      networkId,
      networkName: network.name,
      aliases: settings.aliases,
      aliasesKnown: true,
      configuredLinkLocalIps: [],
      driverOpts: {},
    };
    return Promise.resolve();
  }

  disconnect(): Promise<void> {
    return Promise.reject(new Error('not used'));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function spec(text: string): DesiredState {
  const result = compileSpec([{ file: 'netform.yaml', text }]);
  if (!result.ok) throw new Error(result.errors.map((d) => d.message).join('\n'));
  return result.spec;
}

const FLEET = spec(`
version: 1
project: edge
engines:
  a: { host: unix:///a.sock }
  b: { host: unix:///b.sock }
  c: { host: unix:///c.sock }
networks:
  shared: { subnet: 10.1.0.0/24, engines: { a: { labels: { site: a } }, b: { labels: { site: b } }, c: {} } }
containers:
  app: { engines: all, networks: [shared] }
`);

function engines(log: string[]): Map<string, MemoryEngine> {
  // Inserted out of order: the session must take the locks in engine order whatever the map's.
  return new Map([
    ['c', new MemoryEngine('c', log, ['app'])],
    ['a', new MemoryEngine('a', log, ['app'])],
    ['b', new MemoryEngine('b', log, ['app'])],
  ]);
}

describe('the apply session across engines', () => {
  it('takes one lock per engine in engine order, applies each part, verifies, and releases in reverse', async () => {
    const log: string[] = [];
    const ports = engines(log);
    const confirmed: string[][] = [];
    const result = await applyEngines(FLEET, ports, {
      confirm: (plan) => {
        confirmed.push(plan.engines.map((e) => `${e.engine}:${e.plan.actions.length}`));
        return Promise.resolve(true);
      },
    });
    expect(result.status).toBe('applied');
    expect(result.engines.map((e) => [e.engine, e.result.status])).toEqual([
      ['a', 'applied'],
      ['b', 'applied'],
      ['c', 'applied'],
    ]);
    expect(confirmed).toEqual([['a:2', 'b:2', 'c:2']]);
    expect(log.filter((line) => line.includes('lock'))).toEqual([
      'a lock netform-lock-edge',
      'b lock netform-lock-edge',
      'c lock netform-lock-edge',
      'c unlock netform-lock-edge',
      'b unlock netform-lock-edge',
      'a unlock netform-lock-edge',
    ]);
    expect(ports.get('a')!.networks.map((n) => [n.name, n.labels.site])).toEqual([['shared', 'a']]);
    expect(ports.get('b')!.networks.map((n) => [n.name, n.labels.site])).toEqual([['shared', 'b']]);
  });

  it('stops new work on every engine at the first failure on any engine', async () => {
    const log: string[] = [];
    const ports = engines(log);
    let failed!: () => void;
    const bFailed = new Promise<void>((resolve) => (failed = resolve));
    // Engine b refuses its create; a's and c's creates are in flight until b's failure is
    // reported, so their connects are new work.
    ports.get('b')!.beforeCreate = () =>
      Promise.reject(new EngineError('invalid subinterface vlan name nf0', { kind: 'refused' }));
    ports.get('a')!.beforeCreate = () => bFailed;
    ports.get('c')!.beforeCreate = () => bFailed;
    const events: FleetEvent[] = [];
    const result = await applyEngines(FLEET, ports, {
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'engine' && e.event.type === 'action-end' && e.event.outcome.status === 'failed')
          failed();
      },
    });
    expect(result.status).toBe('failed');
    const outcomes = (engine: string): string[] => {
      const r = result.engines.find((e) => e.engine === engine)!.result;
      return r.status === 'failed'
        ? r.execution.actions.map((o) => `${o.status} ${o.description}`)
        : [r.status];
    };
    expect(outcomes('b')).toEqual(['failed create network shared', 'not-attempted connect app to shared']);
    expect(outcomes('a')).toEqual(['done create network shared', 'not-attempted connect app to shared']);
    expect(outcomes('c')).toEqual(['done create network shared', 'not-attempted connect app to shared']);
    expect(log.filter((line) => line.includes('connect'))).toEqual([]);
    // Every lock is released, also after a failure.
    for (const port of ports.values())
      expect(port.networks.filter((n) => LOCK_LABEL in n.labels)).toEqual([]);
  });

  it('sends nothing to any engine when one engine has a plan error, or the answer is no', async () => {
    const log: string[] = [];
    const ports = engines(log);
    // An unmanaged network on c that differs from the spec: c's plan has an error.
    ports.get('c')!.networks.push({
      id: 'x'.repeat(64),
      name: 'shared',
      driver: 'bridge',
      scope: 'local',
      attachable: false,
      internal: true,
      ingress: false,
      configOnly: false,
      enableIPv6: false,
      ipam: { driver: 'default', options: {}, config: [{ subnet: '10.1.0.0/24', auxAddresses: {} }] },
      options: {},
      labels: {},
    });
    const blocked = await applyEngines(FLEET, ports);
    expect(blocked.status).toBe('blocked');
    expect(blocked.engines.every((e) => e.result.status === 'blocked')).toBe(true);
    expect(log.filter((line) => !line.includes('lock'))).toEqual([]);

    const fresh = engines([]);
    const cancelled = await applyEngines(FLEET, fresh, { confirm: () => Promise.resolve(false) });
    expect(cancelled.status).toBe('cancelled');
    for (const port of fresh.values()) expect(port.networks).toEqual([]);
  });

  it('names the engine whose lock is held, and releases the locks it already took', async () => {
    const log: string[] = [];
    const ports = engines(log);
    await ports.get('b')!.createNetwork({
      name: 'netform-lock-edge',
      driver: 'bridge',
      configOnly: true,
      attachable: false,
      internal: false,
      enableIPv6: false,
      ipam: { driver: 'default', options: {}, config: [] },
      options: {},
      labels: {
        [LOCK_LABEL]: 'edge',
        'io.netform.lock.host': 'ci-7',
        'io.netform.lock.pid': '42',
        'io.netform.lock.user': 'alice',
        'io.netform.lock.command': 'apply',
        'io.netform.lock.since': '2026-01-01T00:00:00.000Z',
        'io.netform.lock.token': 'other',
      },
    });
    const attempt = applyEngines(FLEET, ports);
    await expect(attempt).rejects.toThrow(NetformError);
    await expect(attempt).rejects.toThrow(/^engine b: /);
    expect(ports.get('a')!.networks).toEqual([]);
    expect(ports.get('c')!.networks).toEqual([]);
  });
});

/** `plan --out` across engines as the CLI makes it: planEngines, then the file, through its text. */
async function savePlan(
  spec: DesiredState,
  ports: ReadonlyMap<string, DockerPort>,
  options: PlanOptions = {},
): Promise<FleetPlanFile> {
  const { plan, parts } = await planEngines(spec, ports, options);
  const file = buildFleetPlanFile({
    plan,
    desired: spec,
    options,
    engines: parts,
    netformVersion: '0.1.0',
    createdAt: '2026-11-30T00:00:00.000Z',
  });
  const parsed = parseSavedPlanFile(serializePlanFile(file), 'fleet.plan');
  if (!('engines' in parsed)) throw new Error('not a plan across engines');
  return parsed;
}

const unmanaged = (name: string, subnet: string): ObservedNetwork => ({
  id: `${name}-id`.padEnd(64, '0'),
  name,
  driver: 'bridge',
  scope: 'local',
  attachable: false,
  internal: false,
  ingress: false,
  configOnly: false,
  enableIPv6: false,
  ipam: { driver: 'default', options: {}, config: [{ subnet, auxAddresses: {} }] },
  options: {},
  labels: {},
});

const failureOf = async (attempt: Promise<unknown>): Promise<NetformError> => {
  try {
    await attempt;
  } catch (error) {
    expect(error).toBeInstanceOf(NetformError);
    return error as NetformError;
  }
  throw new Error('it did not fail');
};

describe('a plan across engines saved with plan --out, carried out by the same session', () => {
  it('carries out each engine its saved part, under the locks in engine order, and verifies it', async () => {
    const planned = engines([]);
    const file = await savePlan(FLEET, planned);
    expect(file.engines.map((e) => [e.name, e.engine.host])).toEqual([
      ['a', 'a'],
      ['b', 'b'],
      ['c', 'c'],
    ]);
    const log: string[] = [];
    const ports = engines(log);
    const confirmed: string[][] = [];
    const result = await applyEngines({ planFile: file, fileName: 'fleet.plan' }, ports, {
      confirm: (plan) => {
        confirmed.push(plan.engines.map((e) => `${e.engine}:${e.plan.actions.length}`));
        return Promise.resolve(true);
      },
    });
    expect(result.status).toBe('applied');
    expect(confirmed).toEqual([['a:2', 'b:2', 'c:2']]);
    expect(log.filter((line) => line.includes('lock'))).toEqual([
      'a lock netform-lock-edge',
      'b lock netform-lock-edge',
      'c lock netform-lock-edge',
      'c unlock netform-lock-edge',
      'b unlock netform-lock-edge',
      'a unlock netform-lock-edge',
    ]);
    // The saved plans, not new ones: the plan objects the file holds are the ones carried out.
    expect(result.engines.map((e) => e.result.plan)).toEqual(file.plan.engines.map((e) => e.plan));
    expect(ports.get('b')!.networks.map((n) => [n.name, n.labels.site])).toEqual([['shared', 'b']]);
  });

  it('refuses the whole plan when one engine changed, naming that engine and what changed; nothing is sent anywhere', async () => {
    const file = await savePlan(FLEET, engines([]));
    const log: string[] = [];
    const ports = engines(log);
    // Behind netform's back, on engine b only: a network in the way of the plan's create.
    ports.get('b')!.networks.push(unmanaged('shared', '10.1.0.0/24'));
    const error = await failureOf(applyEngines({ planFile: file, fileName: 'fleet.plan' }, ports));
    expect(error.message).toBe(
      'fleet.plan is stale on engine b: the engine changed since the plan was made (networks or endpoints the plan depends on differ): network shared now exists; no longer needed: create network shared',
    );
    expect(error.hint).toBe(
      'nothing was applied on any engine; make a new plan with `netform plan --out fleet.plan` and review it',
    );
    // Every engine was locked, checked and released; nothing else was sent to any engine.
    expect(log.filter((line) => !line.includes('lock'))).toEqual([]);
    expect(log.filter((line) => line.includes('unlock'))).toHaveLength(3);
    expect(ports.get('a')!.networks).toEqual([]);
    expect(ports.get('c')!.networks).toEqual([]);
  });

  it('names every stale engine, each with its changes', async () => {
    const file = await savePlan(FLEET, engines([]));
    const ports = engines([]);
    ports.get('a')!.networks.push(unmanaged('shared', '10.1.0.0/24'));
    ports.get('c')!.containers = [];
    const error = await failureOf(applyEngines({ planFile: file, fileName: 'fleet.plan' }, ports));
    expect(error.message).toMatch(
      /^fleet\.plan is stale on engines a, c\. Engine a: .*network shared now exists.*\. Engine c: .*container app \(app-id000000\) no longer exists.*\.$/,
    );
    expect(error.message).not.toContain('Engine b');
  });

  it('a change outside what the plan depends on leaves it fresh (as for one engine)', async () => {
    const file = await savePlan(FLEET, engines([]));
    const ports = engines([]);
    ports.get('b')!.networks.push(unmanaged('elsewhere', '10.9.0.0/24'));
    const result = await applyEngines({ planFile: file }, ports);
    expect(result.status).toBe('applied');
  });

  it("refuses, before any lock, engines that are not the file's or that are now reached elsewhere", async () => {
    const file = await savePlan(FLEET, engines([]));
    const log: string[] = [];
    const two = engines(log);
    two.delete('c');
    expect((await failureOf(applyEngines({ planFile: file, fileName: 'fleet.plan' }, two))).message).toBe(
      'fleet.plan was made for engines a, b, c; not connected: c',
    );
    const moved = new Map(
      [...engines(log)].map(([name, port]) => [
        name,
        name === 'b' ? new MemoryEngine('b2', log, ['app']) : port,
      ]),
    );
    const error = await failureOf(applyEngines({ planFile: file, fileName: 'fleet.plan' }, moved));
    expect(error.message).toBe('fleet.plan was made against engine b at b, which is now reached at b2');
    expect(error.hint).toMatch(/engines: entry or docker context/);
    expect(log).toEqual([]);
  });

  it('--engine at plan time: the file holds those engines, and is carried out on them only', async () => {
    const subset = new Map([...engines([])].filter(([name]) => name !== 'b'));
    const file = await savePlan(FLEET, subset);
    expect(file.engines.map((e) => e.name)).toEqual(['a', 'c']);
    const ports = new Map([...engines([])].filter(([name]) => name !== 'b'));
    expect((await applyEngines({ planFile: file }, ports)).status).toBe('applied');
  });
});

describe('a saved plan across the nodes of a swarm', () => {
  const SWARM = spec(`
version: 1
project: edge
engines:
  m: { host: unix:///m.sock }
  w: { host: unix:///w.sock }
networks:
  mesh: { driver: overlay, attachable: true }
  local: { subnet: 10.2.0.0/24 }
`);
  const role = (nodeId: string, manager: boolean): SwarmRole => ({
    localNodeState: 'active',
    nodeId,
    controlAvailable: manager,
    ...(manager ? { clusterId: 'c1' } : {}),
    remoteManagers: [{ nodeId: 'm1', addr: '10.0.0.1:2377' }],
  });
  const swarm = (log: string[]): Map<string, MemoryEngine> => {
    const m = new MemoryEngine('m', log);
    const w = new MemoryEngine('w', log);
    m.role = role('m1', true);
    w.role = role('w1', false);
    return new Map([
      ['m', m],
      ['w', w],
    ]);
  };

  it('checks the worker in the projection it was planned in (cluster networks through the manager)', async () => {
    const file = await savePlan(SWARM, swarm([]));
    expect(file.plan.engines.flatMap((e) => e.plan.diagnostics)).toEqual([]);
    const worker = file.engines.find((e) => e.name === 'w')!;
    // The worker's part: the overlay network is the manager's (external on the worker).
    expect(worker.spec.networks.mesh?.external).toBe(true);
    const log: string[] = [];
    const result = await applyEngines({ planFile: file }, swarm(log));
    expect(result.status).toBe('applied');
    // The manager first (it creates the cluster network), then the worker.
    const sent = log.filter((line) => !line.includes('lock'));
    expect(sent.slice(0, 2).sort()).toEqual(['m create local', 'm create mesh']);
    expect(sent.slice(2)).toEqual(['w create local']);
  });

  it("a cluster network the project manages, added on the manager, changes the worker's part: both are stale", async () => {
    const file = await savePlan(SWARM, swarm([]));
    const log: string[] = [];
    const ports = swarm(log);
    ports.get('m')!.networks.push({
      ...unmanaged('old-mesh', '10.3.0.0/24'),
      driver: 'overlay',
      scope: 'swarm',
      labels: { 'io.netform.managed': 'true', 'io.netform.project': 'edge' },
    });
    const error = await failureOf(applyEngines({ planFile: file, fileName: 's.plan' }, ports));
    expect(error.message).toMatch(
      /^s\.plan is stale on engines m, w\. Engine m: .*network old-mesh.*Engine w: its part of the spec is not what it was when the plan was made: the swarm's cluster networks \(on manager m\)/,
    );
    expect(log.filter((line) => !line.includes('lock'))).toEqual([]);
  });
});
