import { describe, expect, it } from 'vitest';
import { executePlan } from '../../../src/apply/execute.js';
import { planForEngine } from '../../../src/apply/plan-engine.js';
import { describeRestore, restoreInterruptedReplaces } from '../../../src/apply/restore-point.js';
import { renderPlanText } from '../../../src/render/plan-text.js';
import { EngineError, ServiceVersionConflictError } from '../../../src/model/errors.js';
import type { ObservedService, ObservedState, ObservedTask } from '../../../src/model/observed.js';
import type { Plan, ReplaceNetworkAction } from '../../../src/model/plan.js';
import type { ServiceNetworkAttachment, ServiceUpdateOutcome } from '../../../src/model/port.js';
import { callsOf, managed, spec } from './fixtures.js';
import { ENGINE_20_10, MemoryPort } from './memory-port.js';

/**
 * The control flow of a replace of a swarm network that services are on (src/apply/replace.ts,
 * docs/swarm.md): each service taken off with the plan's version, the network removed and
 * created, each service put back with its aliases after reading its version again; on a failure,
 * the services put back on the old network made again. The port keeps services as a manager's
 * version guard does (an update with another version is refused, each update moves it on); what
 * Docker does with them is tested on the two-node swarm (test/engine/swarm.test.ts).
 */
class SwarmPort extends MemoryPort {
  readonly services = new Map<string, ObservedService>();

  constructor() {
    super({ ...ENGINE_20_10, swarmState: 'active', swarmControl: true });
  }

  addService(name: string, networks: { network: string; aliases: string[] }[]): ObservedService {
    const service: ObservedService = {
      id: `svc-${name}`,
      name,
      version: 10,
      labels: {},
      mode: 'replicated',
      replicas: 2,
      runningTasks: 2,
      networks: networks.map(({ network, aliases }) => ({
        networkId: this.network(network)!.id,
        networkName: network,
        aliases,
        driverOpts: {},
      })),
      legacyNetworks: false,
    };
    this.services.set(service.id, service);
    return service;
  }

  override async observe(): Promise<ObservedState> {
    return { ...(await super.observe()), services: structuredClone([...this.services.values()]) };
  }

  inspectService(id: string): Promise<ObservedService | undefined> {
    return Promise.resolve(structuredClone(this.services.get(id)));
  }

  updateServiceNetworks(
    id: string,
    version: number,
    networks: ServiceNetworkAttachment[],
  ): Promise<ServiceUpdateOutcome> {
    const service = this.services.get(id)!;
    const names = networks.map(
      (n) =>
        `${this.networks.get(n.networkId)?.name ?? n.networkId}${n.aliases.length > 0 ? ` ${n.aliases.join(',')}` : ''}`,
    );
    const call = `update-service ${service.name} v${version} [${names.join('; ')}]`;
    // A process killed while it waits on this update (restore-point tests).
    if (this.hangsOn(call)) return new Promise(() => undefined);
    this.calls.push(call);
    if (version !== service.version) {
      return Promise.reject(
        new ServiceVersionConflictError('update out of sequence', service.name, version, service.version),
      );
    }
    service.version += 1;
    service.networks = networks.map((n) => ({
      ...n,
      networkName: this.networks.get(n.networkId)?.name ?? n.networkId,
    }));
    return Promise.resolve({ warnings: [] });
  }

  override removeNetwork(networkId: string): Promise<void> {
    const name = this.networks.get(networkId)?.name;
    const user = [...this.services.values()].find((s) => s.networks.some((n) => n.networkId === networkId));
    if (user) {
      this.calls.push(`remove-network ${name} -> in use`);
      return Promise.reject(
        new EngineError(`network ${name} is in use by service ${user.name}`, { kind: 'refused' }),
      );
    }
    return super.removeNetwork(networkId);
  }
}

/**
 * A manager whose services' tasks a replace waits for (src/apply/network-removal.ts,
 * waitUntilTasksLeft): each service taken off keeps one task on the old network, desired
 * `shutdown` and still `running` (stopping on its node, as the manager reports it) for `reads`
 * reads of its tasks, then `shutdown`; a task of the new network is left out, as is one that was
 * never given to a node. Like the real manager, it accepts the old network's removal meanwhile:
 * only the order of the calls shows the wait.
 */
class StoppingTasksPort extends SwarmPort {
  reads = 2;
  oldNetworkId = '';

  listServiceTasks(id: string): Promise<ObservedTask[]> {
    const service = this.services.get(id)!;
    const running = this.reads-- > 0;
    this.calls.push(`list-tasks ${service.name}${running ? ' (one still stopping on the old network)' : ''}`);
    const task = (n: number, networkIds: string[], state: string, nodeId = 'node-1'): ObservedTask => ({
      id: `t${n}-${service.name}`,
      serviceId: id,
      nodeId,
      desiredState: state === 'running' ? 'shutdown' : state,
      state,
      addresses: {},
      networkIds,
    });
    return Promise.resolve([
      task(1, [this.oldNetworkId], running ? 'running' : 'shutdown'),
      task(2, [], 'running'),
      task(3, [this.oldNetworkId], 'pending', ''),
    ]);
  }
}

async function scenario(
  options: { sideAliases?: string[]; zed?: boolean; stoppingTasks?: boolean } = {},
): Promise<{ port: SwarmPort; plan: Plan; replace: ReplaceNetworkAction }> {
  const port = options.stoppingTasks ? new StoppingTasksPort() : new SwarmPort();
  const overlay = { driver: 'overlay', scope: 'swarm', attachable: true };
  port.addNetwork({
    name: 'mesh',
    ...overlay,
    labels: managed(),
    ipam: { driver: 'default', options: {}, config: [{ subnet: '10.1.0.0/24', auxAddresses: {} }] },
  });
  port.addNetwork({
    name: 'side',
    ...overlay,
    labels: managed(),
    ipam: { driver: 'default', options: {}, config: [{ subnet: '10.3.0.0/24', auxAddresses: {} }] },
  });
  // web is listed (its alias on mesh changes with the replace); api is not (put back as it was).
  port.addService('web', [
    { network: 'mesh', aliases: ['w'] },
    { network: 'side', aliases: [] },
  ]);
  port.addService('api', [{ network: 'mesh', aliases: ['a'] }]);
  if (options.zed) port.addService('zed', [{ network: 'mesh', aliases: ['z'] }]);
  const desired = spec(`
version: 1
project: shop
networks:
  mesh: { driver: overlay, attachable: true, subnet: 10.2.0.0/24 }
  side: { driver: overlay, attachable: true, subnet: 10.3.0.0/24 }
services:
  web:
    networks:
      mesh: { aliases: [www] }
      side: ${options.sideAliases ? `{ aliases: [${options.sideAliases.join(', ')}] }` : '{}'}
`);
  const plan = planForEngine(desired, await port.observe(), {});
  const replace = plan.actions.find((a): a is ReplaceNetworkAction => a.kind === 'replace');
  if (!replace) throw new Error(`no replace planned: ${JSON.stringify(plan, null, 1)}`);
  port.calls.length = 0;
  return { port, plan, replace };
}

const POINT = 'create-network netform-restore-*';
const DROP_POINT = 'remove-network netform-restore-*';

describe('a replace of a swarm network that services are on', () => {
  it('is planned with each service taken off and put back, in the replace alone', async () => {
    const { plan, replace } = await scenario();
    expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(plan.actions.map((a) => a.kind)).toEqual(['replace']);
    expect(replace.services?.map((s) => [s.service, s.version, s.before.aliases, s.after?.aliases])).toEqual([
      ['api', 10, ['a'], ['a']],
      ['web', 10, ['w'], ['www']],
    ]);
    expect(replace.services?.[1]?.others.map((n) => n.network)).toEqual(['side']);
    expect(replace.services?.[1]?.tasksRestarting).toBe(2);
  });

  it('takes each service off with the plan version, replaces, puts each back with a version read again', async () => {
    const { port, plan } = await scenario();
    const result = await executePlan(plan, port, { parallelism: 1 });
    expect(result.status).toBe('applied');
    expect(callsOf(port)).toEqual([
      POINT,
      'update-service api v10 []',
      'update-service web v10 [side]',
      'remove-network mesh',
      'create-network mesh',
      'update-service api v11 [mesh a]',
      'update-service web v11 [side; mesh www]',
      DROP_POINT,
    ]);
    const newMesh = port.network('mesh')!;
    expect(newMesh.ipam.config[0]?.subnet).toBe('10.2.0.0/24');
    const web = port.services.get('svc-web')!;
    expect(web.networks.find((n) => n.networkName === 'mesh')).toMatchObject({
      networkId: newMesh.id,
      aliases: ['www'],
    });
    expect(web.version).toBe(12);
  });

  it('rolls back when the create fails: the old network made again, the services back on it as they were', async () => {
    const { port, plan } = await scenario();
    const oldId = port.network('mesh')!.id;
    port.failOn('create-network mesh');
    const result = await executePlan(plan, port, { parallelism: 1 });
    expect(result.status).toBe('failed');
    const outcome = result.actions[0]!;
    expect(outcome.status).toBe('rolled-back');
    expect(outcome.error).toMatch(/injected refused: create-network mesh/);
    expect(outcome.undone).toBe(
      'network mesh created again as it was, with a new ID; service api put back on it with aliases [a], ' +
        'service web put back on it with aliases [w] (taken off and put back: two updates, each restarting their tasks)',
    );
    expect(callsOf(port)).toEqual([
      POINT,
      'update-service api v10 []',
      'update-service web v10 [side]',
      'remove-network mesh',
      'create-network mesh -> refused',
      'create-network mesh',
      'update-service api v11 [mesh a]',
      'update-service web v11 [side; mesh w]',
      DROP_POINT,
    ]);
    const mesh = port.network('mesh')!;
    expect(mesh.id).not.toBe(oldId);
    expect(mesh.ipam.config[0]?.subnet).toBe('10.1.0.0/24');
    expect(port.services.get('svc-api')!.networks).toEqual([
      { networkId: mesh.id, networkName: 'mesh', aliases: ['a'], driverOpts: {} },
    ]);
    expect(outcome.operations.filter((o) => o.rollback).map((o) => o.operation)).toEqual([
      'create-network',
      'update-service',
      'update-service',
    ]);
  });

  it('puts the services back on the old network when the removal is refused', async () => {
    const { port, plan } = await scenario();
    port.failOn('remove-network mesh');
    const result = await executePlan(plan, port, { parallelism: 1 });
    expect(result.actions[0]?.status).toBe('rolled-back');
    expect(result.actions[0]?.undone).toMatch(
      /^network mesh left as it was; service api put back on it with aliases \[a\]/,
    );
    const oldId = port.network('mesh')!.id;
    expect(callsOf(port)).toEqual([
      POINT,
      'update-service api v10 []',
      'update-service web v10 [side]',
      'remove-network mesh -> refused',
      'update-service api v11 [mesh a]',
      'update-service web v11 [side; mesh w]',
      DROP_POINT,
    ]);
    expect(port.services.get('svc-web')!.networks.map((n) => n.networkId)).toContain(oldId);
  });

  it('removes the old network only once no task of the services taken off is left on it on any node', async () => {
    const { port, plan } = await scenario({ stoppingTasks: true });
    const stopping = port as StoppingTasksPort;
    stopping.oldNetworkId = port.network('mesh')!.id;
    const result = await executePlan(plan, port, { parallelism: 1 });
    expect(result.status).toBe('applied');
    // The tasks read again (500 ms later) while one is still stopping on the old network.
    expect(callsOf(port)).toEqual([
      POINT,
      'update-service api v10 []',
      'update-service web v10 [side]',
      'list-tasks api (one still stopping on the old network)',
      'list-tasks web (one still stopping on the old network)',
      'list-tasks api',
      'list-tasks web',
      'remove-network mesh',
      'create-network mesh',
      'update-service api v11 [mesh a]',
      'update-service web v11 [side; mesh www]',
      DROP_POINT,
    ]);
    expect(result.actions[0]!.operations.map((o) => o.operation)).toEqual([
      'create-network',
      'update-service',
      'update-service',
      'wait-for-tasks',
      'remove-network',
      'create-network',
      'update-service',
      'update-service',
      'remove-network',
    ]);
  });

  it('re-reads a service that moved on since the plan, once', async () => {
    const { port, plan } = await scenario();
    port.services.get('svc-api')!.version = 15;
    const result = await executePlan(plan, port, { parallelism: 1 });
    expect(result.status).toBe('applied');
    expect(callsOf(port).slice(1, 3)).toEqual(['update-service api v10 []', 'update-service api v15 []']);
  });
});

describe('a replace of a swarm network that services are on, whose process dies', () => {
  // The request the process was waiting on when it was killed, and where the next run puts the
  // services back: on the old network as it is (or made again), or on the new one as the spec says.
  it.each([
    {
      diesAt: 'update-service web v10',
      onto: 'before',
      recreated: false,
      off: ['api'],
      api: ['a'],
      web: ['w'],
      subnet: '10.1.0.0/24',
    },
    {
      diesAt: 'remove-network mesh',
      onto: 'before',
      recreated: false,
      off: ['api', 'web'],
      api: ['a'],
      web: ['w'],
      subnet: '10.1.0.0/24',
    },
    {
      diesAt: 'create-network mesh',
      onto: 'before',
      recreated: true,
      off: ['api', 'web'],
      api: ['a'],
      web: ['w'],
      subnet: '10.1.0.0/24',
    },
    // Between a service's two updates: api is back on the new network, web is not.
    {
      diesAt: 'update-service web v11',
      onto: 'after',
      recreated: false,
      off: ['web'],
      api: ['a'],
      web: ['www'],
      subnet: '10.2.0.0/24',
    },
  ] as const)('at $diesAt: the next run puts $off back onto the $onto network', async (c) => {
    const { port, plan } = await scenario();
    port.hangOn(c.diesAt);
    void executePlan(plan, port, { parallelism: 1 });
    await port.hung;
    const on = (id: string): string[] =>
      port.services
        .get(`svc-${id}`)!
        .networks.flatMap((n) => (port.networks.has(n.networkId) ? [n.networkName ?? n.networkId] : []));
    expect(['api', 'web'].filter((s) => !on(s).includes('mesh'))).toEqual(c.off);

    // A plan made now says a restore is pending, services included.
    const desired = spec(`
version: 1
project: shop
networks:
  mesh: { driver: overlay, attachable: true, subnet: 10.2.0.0/24 }
  side: { driver: overlay, attachable: true, subnet: 10.3.0.0/24 }
`);
    expect(planForEngine(desired, await port.observe(), {}).notes.map((n) => n.message)).toEqual([
      expect.stringMatching(
        /^a replace of network mesh with 0 endpoints and 2 services was interrupted at .*restores its endpoints and services first/,
      ),
    ]);

    port.calls.length = 0;
    const reports = await restoreInterruptedReplaces(port, 'shop');
    expect(reports).toMatchObject([{ network: 'mesh', onto: c.onto, recreated: c.recreated, failed: [] }]);
    expect(reports[0]!.restoredServices).toEqual(c.off);
    expect(describeRestore(reports[0]!)).toMatch(
      new RegExp(
        `^restored ${c.off.length} services? \\(${c.off.join(', ')}\\) of network mesh onto the ${c.onto === 'after' ? 'new' : 'old'} network`,
      ),
    );
    // One update per service put back, with the version read now.
    expect(callsOf(port).filter((call) => call.startsWith('update-service'))).toHaveLength(c.off.length);
    const mesh = port.network('mesh')!;
    expect(mesh.ipam.config[0]?.subnet).toBe(c.subnet);
    const attachment = (id: string) =>
      port.services.get(`svc-${id}`)!.networks.find((n) => n.networkId === mesh.id);
    expect(attachment('api')?.aliases).toEqual(c.api);
    expect(attachment('web')?.aliases).toEqual(c.web);
    // web keeps its other network.
    expect(
      port.services
        .get('svc-web')!
        .networks.map((n) => n.networkName)
        .sort(),
    ).toEqual(['mesh', 'side']);
    expect([...port.networks.values()].filter((n) => n.name.startsWith('netform-restore-'))).toEqual([]);
  });

  it('puts back a service that moved on meanwhile (re-read once), and skips one removed since', async () => {
    const { port, plan } = await scenario();
    port.hangOn('remove-network mesh');
    void executePlan(plan, port, { parallelism: 1 });
    await port.hung;
    port.services.delete('svc-api');
    // Someone else updates web between netform's read and its write.
    let bumped = false;
    const web = port.services.get('svc-web')!;
    const original = port.inspectService.bind(port);
    port.inspectService = async (id: string) => {
      const read = await original(id);
      if (!bumped && id === 'svc-web') {
        bumped = true;
        web.version += 5;
      }
      return read;
    };
    port.calls.length = 0;
    const [report] = await restoreInterruptedReplaces(port, 'shop');
    expect(report).toMatchObject({
      restoredServices: ['web'],
      skipped: [{ container: 'service api', why: 'no longer exists' }],
      failed: [],
    });
    expect(callsOf(port).filter((call) => call.startsWith('update-service'))).toEqual([
      'update-service web v11 [side; mesh w]',
      'update-service web v16 [side; mesh w]',
    ]);
  });
});

describe("a service with its own network changes besides the replace's", () => {
  it('gets them in the update that puts it back: two updates, and its own action sends nothing', async () => {
    const { port, plan } = await scenario({ sideAliases: ['s'] });
    expect(plan.actions.map((a) => a.kind)).toEqual(['replace', 'service-update']);
    expect(renderPlanText(plan, { color: false })).toContain(
      '~ update service web (in the update that puts it back on mesh: no restart of its own)',
    );
    const result = await executePlan(plan, port, { parallelism: 1 });
    expect(result.status).toBe('applied');
    expect(callsOf(port).filter((c) => c.startsWith('update-service web'))).toEqual([
      'update-service web v10 [side]',
      'update-service web v11 [side s; mesh www]',
    ]);
    expect(result.actions[1]).toMatchObject({ kind: 'service-update', status: 'done', operations: [] });
  });

  it('is rolled back to its networks at plan time when a later step of the replace fails', async () => {
    const { port, plan } = await scenario({ sideAliases: ['s'], zed: true });
    // The manager refuses to put zed back (after api and web are back).
    const update = port.updateServiceNetworks.bind(port);
    let refused = false;
    port.updateServiceNetworks = (id, version, networks) => {
      if (id !== 'svc-zed' || version !== 11 || refused) return update(id, version, networks);
      refused = true;
      return Promise.reject(new EngineError('injected refused: update zed', { kind: 'refused' }));
    };
    const result = await executePlan(plan, port, { parallelism: 1 });
    expect(result.actions.map((a) => a.status)).toEqual(['rolled-back', 'not-attempted']);
    const web = port.services.get('svc-web')!;
    expect(web.networks.map((n) => `${n.networkName} ${n.aliases.join(',')}`).sort()).toEqual([
      'mesh w',
      'side ',
    ]);
    expect(
      callsOf(port)
        .filter((c) => c.startsWith('update-service web'))
        .at(-1),
    ).toBe('update-service web v13 [side; mesh w]');
  });
});
