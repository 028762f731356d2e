import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { executePlan } from '../../../src/apply/execute.js';
import { destroyEngines } from '../../../src/apply/fleet-session.js';
import { apply, destroy } from '../../../src/apply/session.js';
import { waitUntilIngressFree } from '../../../src/apply/network-removal.js';
import { planForEngine } from '../../../src/apply/plan-engine.js';
import type { ActionOutcome } from '../../../src/apply/result.js';
import type { DesiredState } from '../../../src/model/desired.js';
import type { ObservedSwarmNode, SwarmRole } from '../../../src/model/observed.js';
import type { NetworkEndpoint } from '../../../src/model/port.js';
import { callsOf, managed, spec } from './fixtures.js';
import { ENGINE_20_10, MemoryPort } from './memory-port.js';

/**
 * The wait before the swarm's ingress network is removed (src/apply/network-removal.ts;
 * docs/swarm.md, "The ingress network"), driven through in-memory ports that list what a test
 * puts on the network: when it waits, what it waits for on which engine, what it says when it
 * gives up, and a replace whose new network's name the swarm keeps. Only `Date` is faked (the
 * deadline): a test moves the clock on as the port is read. What Docker does is measured on the
 * real two-node swarm (test/engine/swarm-ingress.test.ts).
 */

const SANDBOX: NetworkEndpoint = { key: 'ingress-sbox', name: 'ingress-endpoint' };
const TASK: NetworkEndpoint = { key: 'c0ffee', name: 'web.2.abc' };

const ROLE = (nodeId: string, manager: boolean): SwarmRole => ({
  localNodeState: 'active',
  nodeId,
  controlAvailable: manager,
  ...(manager ? { clusterId: 'c1' } : {}),
  remoteManagers: [{ nodeId: 'm1', addr: '10.0.0.1:2377' }],
});
/** The swarm's two nodes as the manager lists them: one hostname, as on the test swarm. */
const NODES: ObservedSwarmNode[] = [
  { id: 'm1', hostname: 'host', addr: '10.0.0.1', role: 'manager', state: 'ready', self: true },
  { id: 'w1', hostname: 'host', addr: '10.0.0.2', role: 'worker', state: 'ready', self: false },
];

/**
 * The project's ingress network on a manager and, by the same ID, on a worker; each engine knows
 * its swarm role, and the manager lists both nodes.
 */
function swarmOfTwo(): { manager: MemoryPort; worker: MemoryPort } {
  const manager = new MemoryPort({ ...ENGINE_20_10, swarmState: 'active', swarmControl: true });
  manager.role = ROLE('m1', true);
  manager.swarmNodes = NODES;
  const ingress = manager.addNetwork({
    name: 'ingress',
    driver: 'overlay',
    scope: 'swarm',
    ingress: true,
    labels: managed(),
    ipam: { driver: 'default', options: {}, config: [{ subnet: '10.0.0.0/24', auxAddresses: {} }] },
  });
  const worker = new MemoryPort({ ...ENGINE_20_10, swarmState: 'active' });
  worker.role = ROLE('w1', false);
  worker.networks.set(ingress.id, structuredClone(ingress));
  manager.listed.set('ingress', [SANDBOX]);
  worker.listed.set('ingress', [SANDBOX]);
  return { manager, worker };
}

const REMOVED: DesiredState = spec('version: 1\nproject: shop\nnetworks: {}\n');
const RESUBNETTED: DesiredState = spec(`
version: 1
project: shop
networks:
  ingress: { driver: overlay, ingress: true, subnet: 10.0.1.0/24 }
`);

async function carryOut(
  desired: DesiredState,
  manager: MemoryPort,
  worker?: MemoryPort,
): Promise<{ outcome: ActionOutcome; status: string }> {
  const plan = planForEngine(desired, await manager.observe());
  expect(plan.actions.map((a) => `${a.kind} ${'network' in a ? a.network : a.service}`)).toEqual([
    `${desired.networks.ingress ? 'replace' : 'remove'} ingress`,
  ]);
  const result = await executePlan(plan, manager, {
    parallelism: 1,
    ...(worker
      ? {
          swarmNodes: new Map([
            ['manager', manager],
            ['worker', worker],
          ]),
        }
      : {}),
  });
  return { outcome: result.actions[0]!, status: result.status };
}

/** Moves the faked clock on by `ms` at each read of the network's endpoints on `port`. */
function clockMovesOnRead(port: MemoryPort, ms: number): void {
  port.onEndpointsRead = () => vi.setSystemTime(Date.now() + ms);
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the removal of the ingress network', () => {
  it('waits until no task is left on it on any node, then removes it', async () => {
    const { manager, worker } = swarmOfTwo();
    worker.listed.set('ingress', [SANDBOX, TASK]);
    let reads = 0;
    worker.onEndpointsRead = () => {
      reads += 1;
      // The task's container goes on the third read.
      if (reads === 3) worker.listed.set('ingress', [SANDBOX]);
    };
    let taskLeftAtRemoval: boolean | undefined;
    manager.onCall = (call) => {
      if (call === 'remove-network ingress') {
        taskLeftAtRemoval = worker.listed.get('ingress')!.some((e) => e.key === TASK.key);
      }
    };
    const { outcome, status } = await carryOut(REMOVED, manager, worker);
    expect(status).toBe('applied');
    expect(outcome.operations.map((o) => `${o.operation} ${o.target} ${o.ok}`)).toEqual([
      'wait-for-tasks network ingress true',
      'remove-network network ingress true',
    ]);
    expect(reads).toBe(3);
    expect(taskLeftAtRemoval).toBe(false);
    expect(manager.network('ingress')).toBeUndefined();
  });

  it('gives up after 90 s with nothing removed, naming the engine and the task and saying what to do', async () => {
    const { manager, worker } = swarmOfTwo();
    worker.listed.set('ingress', [SANDBOX, TASK]);
    clockMovesOnRead(worker, 100_000);
    const { outcome, status } = await carryOut(REMOVED, manager, worker);
    expect(status).toBe('failed');
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toContain(
      "network ingress is the swarm's ingress network, and after 90 s tasks are still on it (on engine worker: web.2.abc); nothing was removed.",
    );
    expect(outcome.error).toContain('docs/swarm.md, "The ingress network"');
    expect(outcome.error).toContain(
      'Run netform again once `docker network inspect ingress` on each node lists only ingress-endpoint',
    );
    expect(outcome.operations.map((o) => `${o.operation} ${o.ok}`)).toEqual(['wait-for-tasks false']);
    expect(manager.calls).toEqual([]);
    expect(manager.network('ingress')).toBeDefined();
  });

  it("without the other nodes' engines, waits for the tasks the swarm reports on them", async () => {
    const { manager } = swarmOfTwo();
    manager.listed.set('ingress', [SANDBOX, { key: 'ep-1', name: 'web.1.def', node: '10.0.0.2' }]);
    clockMovesOnRead(manager, 100_000);
    const { outcome } = await carryOut(REMOVED, manager);
    expect(outcome.error).toContain('after 90 s tasks are still on it (on node 10.0.0.2: web.1.def)');
    expect(manager.calls).toEqual([]);
  });

  it('names each task once: where its own engine lists it, else the node the swarm names', async () => {
    const { manager, worker } = swarmOfTwo();
    manager.listed.set('ingress', [
      SANDBOX,
      { key: 'ep-2', name: TASK.name, node: '10.0.0.2' },
      { key: 'ep-3', name: 'api.1.ghi', node: '10.0.0.3' },
    ]);
    worker.listed.set('ingress', [SANDBOX, TASK]);
    clockMovesOnRead(worker, 100_000);
    const id = manager.network('ingress')!.id;
    const nodes = new Map([
      ['manager', manager],
      ['worker', worker],
    ]);
    await expect(waitUntilIngressFree(nodes, 'ingress', id)).rejects.toThrow(
      '(on engine worker: web.2.abc; on node 10.0.0.3: api.1.ghi)',
    );
  });

  it('is not waited for on another overlay network', async () => {
    const manager = new MemoryPort();
    manager.addNetwork({ name: 'mesh', driver: 'overlay', scope: 'swarm', labels: managed() });
    let reads = 0;
    manager.onEndpointsRead = () => (reads += 1);
    const plan = planForEngine(REMOVED, await manager.observe());
    const result = await executePlan(plan, manager);
    expect(result.status).toBe('applied');
    expect(result.actions[0]!.operations.map((o) => o.operation)).toEqual(['remove-network']);
    expect(reads).toBe(0);
  });
});

describe('the replace of the ingress network', () => {
  it('removes the old one once no task is left on it, then makes the new one', async () => {
    const { manager, worker } = swarmOfTwo();
    manager.listed.set('ingress', [SANDBOX, { key: 'c1', name: 'web.1.def' }]);
    let reads = 0;
    manager.onEndpointsRead = () => {
      reads += 1;
      if (reads === 2) manager.listed.set('ingress', [SANDBOX]);
    };
    const { outcome, status } = await carryOut(RESUBNETTED, manager, worker);
    expect(status).toBe('applied');
    expect(outcome.operations.map((o) => o.operation)).toEqual([
      'create-network', // the restore point
      'wait-for-tasks',
      'remove-network',
      'create-network',
      'remove-network', // the restore point
    ]);
    expect(manager.network('ingress')?.ipam.config.map((c) => c.subnet)).toEqual(['10.0.1.0/24']);
    expect(manager.network('ingress')?.ingress).toBe(true);
  });

  it('says what happened when the swarm keeps the removed one under its name, and does not try that name again', async () => {
    const { manager, worker } = swarmOfTwo();
    // Removed while a task was on it (as if the wait had been skipped), the swarm keeps listing it.
    manager.onCall = (call) => {
      if (call === 'create-network ingress' && !manager.network('ingress')) {
        manager.addNetwork({ name: 'ingress', driver: 'overlay', scope: 'swarm', ingress: true });
        vi.setSystemTime(Date.now() + 100_000);
      }
    };
    const { outcome, status } = await carryOut(RESUBNETTED, manager, worker);
    expect(status).toBe('failed');
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toContain(
      'the swarm still lists the removed ingress network ingress after 90 s, so no network of that name can be made ("network with name ingress already exists")',
    );
    expect(outcome.error).toContain('`docker swarm leave --force` on every node, `docker swarm init`');
    expect(outcome.rollbackError).toMatch(
      /^network ingress was not made again as it was: the swarm refuses its name the same way, so it has no ingress network it can use now \(what to restore is kept in netform-restore-[0-9a-f]+: the next `netform apply` restores it\)$/,
    );
    // One create of the name, refused; no second one by the undo.
    expect(callsOf(manager)).toEqual([
      'create-network netform-restore-*',
      'remove-network ingress',
      'create-network ingress -> conflict',
    ]);
  });
});

describe('the guard before a replace or removal of the ingress network (NF215)', () => {
  /** The calls that touched the ingress network (the locks are networks of their own). */
  const ingressCalls = (port: MemoryPort): string[] => port.calls.filter((c) => / ingress\b/.test(c));

  it('blocks a destroy whose engines reach the manager only, before anything is sent, naming the worker', async () => {
    const { manager, worker } = swarmOfTwo();
    worker.listed.set('ingress', [SANDBOX, TASK]);
    let reads = 0;
    for (const port of [manager, worker]) port.onEndpointsRead = () => (reads += 1);
    const result = await destroyEngines('shop', new Map([['manager', manager]]));
    expect(result.status).toBe('blocked');
    const plan = result.engines[0]!.result.plan;
    expect(plan.diagnostics.map((d) => `${d.severity} ${d.code} ${d.path}`)).toEqual([
      'error NF215 networks.ingress',
    ]);
    expect(plan.diagnostics[0]!.message).toContain(
      "the plan removes the swarm's ingress network ingress, but a node of the swarm is not among this run's engines: host (10.0.0.2, worker, ID w1)",
    );
    expect(plan.diagnostics[0]!.hint).toContain("list every node of the swarm under the spec's `engines:`");
    expect(ingressCalls(manager)).toEqual([]);
    expect(reads).toBe(0);
    expect(manager.network('ingress')).toBeDefined();
  });

  it('lets the destroy whose engines reach both nodes run: it waits on each, then removes it', async () => {
    const { manager, worker } = swarmOfTwo();
    const ports = new Map([
      ['manager', manager],
      ['worker', worker],
    ]);
    let workerReads = 0;
    worker.onEndpointsRead = () => (workerReads += 1);
    const result = await destroyEngines('shop', ports);
    expect(result.status).toBe('applied');
    expect(result.engines.flatMap((e) => e.result.plan?.diagnostics ?? [])).toEqual([]);
    expect(ingressCalls(manager)).toEqual(['remove-network ingress']);
    expect(workerReads).toBeGreaterThan(0);
    expect(manager.network('ingress')).toBeUndefined();
  });

  it("blocks a spec without engines: on the manager (its own node only), apply's replace and destroy alike", async () => {
    const { manager } = swarmOfTwo();
    const replaced = await apply(manager, { desired: RESUBNETTED });
    expect(replaced.status).toBe('blocked');
    expect(replaced.plan.diagnostics.map((d) => d.code)).toEqual(['NF215']);
    expect(replaced.plan.diagnostics[0]!.hint).toContain(
      'give the spec an `engines:` section with this manager and every other node of the swarm',
    );
    const destroyed = await destroy(manager, 'shop');
    expect(destroyed.status).toBe('blocked');
    expect(destroyed.plan.diagnostics.map((d) => d.code)).toEqual(['NF215']);
    expect(ingressCalls(manager)).toEqual([]);
    expect(manager.network('ingress')?.ipam.config.map((c) => c.subnet)).toEqual(['10.0.0.0/24']);
  });

  it('lets a spec without engines: run on a swarm of one node', async () => {
    const { manager } = swarmOfTwo();
    manager.swarmNodes = [NODES[0]!];
    const destroyed = await destroy(manager, 'shop');
    expect(destroyed.status).toBe('applied');
    expect(ingressCalls(manager)).toEqual(['remove-network ingress']);
  });
});
