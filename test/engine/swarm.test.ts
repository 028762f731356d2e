import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { apply, destroy } from '../../src/apply/session.js';
import { observeAndPlan } from '../../src/apply/plan-engine.js';
import type { DesiredState } from '../../src/model/desired.js';
import { renderAction } from '../../src/render/plan-text.js';
import { compileSpec } from '../../src/spec/index.js';
import { EngineError, ServiceVersionConflictError } from '../../src/model/errors.js';
import type { ObservedTask } from '../../src/model/observed.js';
import type { DockerPort, NetworkCreateRequest } from '../../src/model/port.js';
import { TEST_IMAGE, run } from '../support/engine.js';
import {
  dockerOn,
  dockerOnOk,
  inspectOn,
  connectSwarm,
  SWARM,
  SWARM_TEST_TIMEOUT_MS,
  SwarmScope,
  waitFor,
} from '../support/swarm.js';
import type { ServiceInspect } from '../support/inspect.js';

/*
 * The Swarm side of src/docker on the real two-node swarm of scripts/swarm.sh (docs/swarm.md):
 * sw1 the manager, sw2 a worker, each its own engine. Everything is checked with the docker CLI
 * against the node concerned.
 */

// The swarm's waits are longer than the engine project's 120 s (test/support/swarm.ts).
vi.setConfig({ testTimeout: SWARM_TEST_TIMEOUT_MS, hookTimeout: SWARM_TEST_TIMEOUT_MS });

// The swarm's own range (subnet indexes 0-3; test/support/swarm.ts), not a block of blocks.ts.
const scope = new SwarmScope(inject('runId'), 's');
let manager: DockerPort;
let worker: DockerPort;
let nodes: { managerNodeId: string; workerNodeId: string };

beforeAll(async () => {
  ({ manager, worker, nodes } = await connectSwarm());
});

afterAll(async () => {
  await manager?.close();
  await worker?.close();
  await scope.cleanup();
});

function overlay(local: string, index: number, attachable = true): NetworkCreateRequest {
  return {
    name: scope.name(local),
    driver: 'overlay',
    scope: 'swarm',
    attachable,
    internal: false,
    enableIPv6: false,
    ipam: { driver: 'default', options: {}, config: [{ subnet: scope.subnet(index).v4, auxAddresses: {} }] },
    options: {},
    labels: { 'io.netform.test': scope.runId },
  };
}

/** The tasks that should run now (desired state running), once they all do. */
function runningTasks(service: string, count: number): () => Promise<ObservedTask[] | undefined> {
  return async () => {
    const tasks = (await manager.listServiceTasks!(service)).filter((t) => t.desiredState === 'running');
    return tasks.length === count && tasks.every((t) => t.state === 'running') ? tasks : undefined;
  };
}

describe('swarm role', () => {
  it('reads both nodes: the manager with the cluster, the worker naming its manager, told apart by node ID', async () => {
    const m = await manager.swarmRole!();
    const w = await worker.swarmRole!();
    expect(m).toMatchObject({
      localNodeState: 'active',
      controlAvailable: true,
      nodeId: nodes.managerNodeId,
    });
    expect(w).toMatchObject({
      localNodeState: 'active',
      controlAvailable: false,
      nodeId: nodes.workerNodeId,
    });
    expect(m.clusterId).toBe(
      (await dockerOnOk(SWARM.manager, ['info', '--format', '{{.Swarm.Cluster.ID}}'])).trim(),
    );
    expect(w.clusterId).toBeUndefined();
    expect(w.remoteManagers.map((r) => r.nodeId)).toEqual([m.nodeId]);
    // Same hostname on both (one UTS namespace): only the node ID tells them apart.
    const hostnames = (await dockerOnOk(SWARM.manager, ['node', 'ls', '--format', '{{.Hostname}}']))
      .trim()
      .split('\n');
    expect(new Set(hostnames).size).toBe(1);
    expect(m.nodeId).not.toBe(w.nodeId);
  });

  it("services are a manager matter: the worker answers with the engine's own words", async () => {
    const error = await worker.listServices!().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as Error).message).toContain('not a swarm manager');
  });
});

describe('containers on both nodes on an overlay made through the manager', () => {
  it('reach each other by alias; the worker lists the network only while something of its own is on it', async () => {
    const id = await manager.createNetwork(overlay('mesh', 0));
    const name = scope.name('mesh');
    const inspected = await inspectOn<{ Id: string; Scope: string; Attachable: boolean }>(
      SWARM.manager,
      'network',
      name,
    );
    expect(inspected).toMatchObject({ Id: id, Scope: 'swarm', Attachable: true });

    const onWorker = async (): Promise<boolean> => (await worker.observe()).networks.some((n) => n.id === id);
    expect(await onWorker()).toBe(false);

    const a = await scope.runContainer(SWARM.manager, 'a');
    const b = await scope.runContainer(SWARM.worker, 'b');
    const aId = (await dockerOnOk(SWARM.manager, ['inspect', '--format', '{{.Id}}', a])).trim();
    const bId = (await dockerOnOk(SWARM.worker, ['inspect', '--format', '{{.Id}}', b])).trim();
    // Each through its own engine; the worker by the network's ID, which it does not list yet.
    await manager.connect(id, aId, { aliases: ['alpha'], linkLocalIps: [], driverOpts: {} });
    await worker.connect(id, bId, { aliases: ['beta'], linkLocalIps: [], driverOpts: {} });
    expect(await onWorker()).toBe(true);

    for (const [node, container, peer] of [
      [SWARM.worker, b, 'alpha'],
      [SWARM.manager, a, 'beta'],
    ] as const) {
      const ping = await dockerOn(node, ['exec', container, 'ping', '-c1', '-W2', peer]);
      expect(ping.stdout + ping.stderr).toContain('1 packets received');
      expect(ping.code).toBe(0);
    }
    const endpoint = await inspectOn<{
      NetworkSettings: { Networks: Record<string, { Aliases: string[] | null }> };
    }>(SWARM.worker, 'container', b);
    expect(endpoint.NetworkSettings.Networks[name]?.Aliases).toContain('beta');

    // Once nothing of its own is on it, the worker lets go of the swarm network.
    await worker.disconnect(id, bId);
    await waitFor(
      'the worker to stop listing the overlay',
      async () => ((await onWorker()) ? undefined : true),
      60,
    );
    expect(await onWorker()).toBe(false);
    expect((await manager.observe()).networks.some((n) => n.id === id)).toBe(true);
  });
});

describe('service networks', () => {
  it('changes networks and aliases in one update sent with the version read, and counts the task restarts', async () => {
    const front = await manager.createNetwork(overlay('front', 1, false));
    const back = await manager.createNetwork(overlay('back', 2));
    const name = scope.name('web');
    await scope.createService(name, [
      '--replicas',
      '2',
      // Both replicas at once, so the rollout is quick; the restart count does not depend on it.
      '--update-parallelism',
      '2',
      '--update-monitor',
      '1s',
      '--network',
      `name=${scope.name('front')},alias=old`,
    ]);
    const observed = await manager.inspectService!(name);
    expect(observed).toBeDefined();
    const tasksBefore = await waitFor('both replicas to run', runningTasks(observed!.id, 2));
    const service = (await manager.inspectService!(name))!;
    expect(service.networks).toEqual([
      { networkId: front, networkName: scope.name('front'), aliases: ['old'], driverOpts: {} },
    ]);
    const before = await inspectOn<ServiceInspect>(SWARM.manager, 'service', name);
    expect(before.Version.Index).toBe(service.version);

    const calls = manager.stats!().byRoute['POST /services/{id}/update'] ?? 0;
    const outcome = await manager.updateServiceNetworks!(service.id, service.version, [
      { networkId: front, aliases: ['www', 'web'], driverOpts: {} },
      { networkId: back, aliases: ['api'], driverOpts: { 'x.netform.test': '1' } },
    ]);
    expect(outcome.warnings).toEqual([]);
    expect((manager.stats!().byRoute['POST /services/{id}/update'] ?? 0) - calls).toBe(1);

    const after = await inspectOn<ServiceInspect>(SWARM.manager, 'service', name);
    const byTarget = new Map((after.Spec.TaskTemplate.Networks ?? []).map((n) => [n.Target, n]));
    expect([...byTarget.keys()].sort()).toEqual([front, back].sort());
    expect(byTarget.get(front)?.Aliases).toEqual(['www', 'web']);
    expect(byTarget.get(back)).toEqual({
      Target: back,
      Aliases: ['api'],
      DriverOpts: { 'x.netform.test': '1' },
    });
    // One update: the spec before it is exactly the spec as it was created, and nothing else moved.
    expect(after.PreviousSpec?.TaskTemplate.Networks).toEqual(before.Spec.TaskTemplate.Networks);
    expect(after.Spec.TaskTemplate.ForceUpdate).toBe(before.Spec.TaskTemplate.ForceUpdate);
    expect(after.Version.Index).toBeGreaterThan(before.Version.Index);

    // The rollout: every task replaced once, each new one on both networks.
    const tasksAfter = await waitFor(
      'the rollout to finish',
      async () => {
        const state = (await inspectOn<ServiceInspect>(SWARM.manager, 'service', name)).UpdateStatus?.State;
        if (state !== 'completed') return undefined;
        return runningTasks(service.id, 2)();
      },
      120,
    );
    const oldIds = new Set(tasksBefore.map((t) => t.id));
    const all = await manager.listServiceTasks!(service.id);
    const restarted = tasksBefore.filter((t) => all.find((x) => x.id === t.id)?.desiredState === 'shutdown');
    expect(tasksAfter.every((t) => !oldIds.has(t.id))).toBe(true);
    expect(restarted).toHaveLength(tasksBefore.length);
    for (const task of tasksAfter) {
      expect(Object.keys(task.addresses).sort()).toEqual([scope.name('back'), scope.name('front')].sort());
    }
    console.info(
      `[measured] one update of ${name} (2 replicas, 2 network changes): ${restarted.length} of ${tasksBefore.length} tasks restarted, ` +
        `${all.length} tasks in the service's history after it`,
    );

    // The aliases answer on the new network: a container on the worker finds the service's
    // virtual IP under `api` and a task under `tasks.api`.
    const probe = await scope.runContainer(SWARM.worker, 'probe', ['--network', scope.name('back')]);
    const vip = (await inspectOn<ServiceInspect>(SWARM.manager, 'service', name)).Endpoint?.VirtualIPs?.find(
      (v) => v.NetworkID === back,
    )?.Addr.split('/')[0];
    expect(vip).toBeDefined();
    const lookup = await dockerOn(SWARM.worker, ['exec', probe, 'nslookup', 'api']);
    expect(lookup.stdout).toContain(`Address: ${vip}`);
    const ping = await dockerOn(SWARM.worker, ['exec', probe, 'ping', '-c1', '-W2', 'tasks.api']);
    expect(ping.stdout).toContain('1 packets received');

    // A second update with the version read before the first one is refused, and changes nothing.
    const stale = await manager.updateServiceNetworks!(service.id, service.version, [
      { networkId: front, aliases: [], driverOpts: {} },
    ]).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ServiceVersionConflictError);
    expect((stale as ServiceVersionConflictError).sentVersion).toBe(service.version);
    expect((stale as ServiceVersionConflictError).currentVersion).toBeGreaterThan(service.version);
    const unchanged = await inspectOn<ServiceInspect>(SWARM.manager, 'service', name);
    expect(unchanged.Spec.TaskTemplate.Networks).toEqual(after.Spec.TaskTemplate.Networks);
  });

  it('an update with a version the service no longer has: the engine refuses it, the port does not send it', async () => {
    const name = scope.name('solo');
    await scope.createService(name, ['--replicas', '0']);
    const service = (await manager.inspectService!(name))!;
    // Another client updates after netform's read. Sent raw with the old version, the engine
    // refuses it in the words the port maps to a version conflict (isUpdateOutOfSequence) ...
    await dockerOnOk(SWARM.manager, ['service', 'update', '--detach', '--label-add', 'touched=1', name]);
    const raw = await run('curl', [
      '-s',
      '--unix-socket',
      SWARM.manager.host.replace('unix://', ''),
      '-X',
      'POST',
      '-H',
      'Content-Type: application/json',
      '-d',
      JSON.stringify((await inspectOn<ServiceInspect>(SWARM.manager, 'service', name)).Spec),
      `http://engine/services/${service.id}/update?version=${service.version}`,
    ]);
    expect(raw.stdout).toContain('update out of sequence');
    // ... and through the port, the read before the write already sees the newer version.
    const error = await manager.updateServiceNetworks!(service.id, service.version, []).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServiceVersionConflictError);
  });

  it('moves a service an old client made (deprecated Spec.Networks) to TaskTemplate.Networks', async () => {
    const legacyNet = await manager.createNetwork(overlay('legacy', 3));
    const name = scope.name('old');
    // API 1.41, as a client of Docker 20.10's time would send it.
    const created = await run('curl', [
      '-s',
      '--unix-socket',
      SWARM.manager.host.replace('unix://', ''),
      '-X',
      'POST',
      '-H',
      'Content-Type: application/json',
      '-d',
      JSON.stringify({
        Name: name,
        Labels: { 'io.netform.test': scope.runId },
        TaskTemplate: { ContainerSpec: { Image: TEST_IMAGE } },
        Mode: { Replicated: { Replicas: 0 } },
        Networks: [{ Target: legacyNet, Aliases: ['old'] }],
      }),
      'http://engine/v1.41/services/create',
    ]);
    expect(created.stdout).toContain('"ID"');
    // Right after a create the manager writes the service once more (the endpoint's virtual IP),
    // which moves its version: read it once that has happened (docs/swarm.md).
    await waitFor('the virtual IP to be allocated', async () => {
      const inspected = await inspectOn<ServiceInspect>(SWARM.manager, 'service', name);
      return inspected.Endpoint?.VirtualIPs?.some((v) => v.NetworkID === legacyNet) ? true : undefined;
    });
    const service = (await manager.inspectService!(name))!;
    expect(service.legacyNetworks).toBe(true);
    expect(service.networks).toEqual([
      { networkId: legacyNet, networkName: scope.name('legacy'), aliases: ['old'], driverOpts: {} },
    ]);

    await manager.updateServiceNetworks!(service.id, service.version, [
      { networkId: legacyNet, aliases: ['new'], driverOpts: {} },
    ]);
    const after = await inspectOn<ServiceInspect>(SWARM.manager, 'service', name);
    expect(after.Spec.Networks ?? []).toEqual([]);
    expect(after.Spec.TaskTemplate.Networks).toEqual([{ Target: legacyNet, Aliases: ['new'] }]);
    expect((await manager.inspectService!(name))?.legacyNetworks).toBe(false);
  });
});

describe('a replace of a netform-made overlay that a service uses', () => {
  // The tests above are done with their networks: their subnets (indexes 0-3) are taken again.
  beforeAll(() => scope.cleanup());

  it('takes the service off, replaces the network, puts it back with its alias; an empty second plan; destroy', async () => {
    const project = scope.name('rp');
    const net = scope.name('rnet');
    const svc = scope.name('rweb');
    const spec = (index: number, services: boolean): DesiredState => {
      const text = [
        'version: 1',
        `project: ${project}`,
        'networks:',
        `  ${net}: { driver: overlay, attachable: true, subnet: ${scope.subnet(index).v4} }`,
        ...(services ? ['services:', `  ${svc}:`, '    networks:', `      ${net}: { aliases: [www] }`] : []),
      ].join('\n');
      const compiled = compileSpec([{ file: 'netform.yaml', text }], { defaultProject: project });
      if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
      return compiled.spec;
    };

    // The overlay, made by netform; a service on it with an alias, made by the docker CLI.
    const first = await apply(manager, { desired: spec(0, false) });
    expect(first.status, JSON.stringify('residual' in first ? first.residual : first)).toBe('applied');
    const oldId = (await inspectOn<{ Id: string }>(SWARM.manager, 'network', net)).Id;
    await scope.createService(svc, [
      '--replicas',
      '2',
      '--update-parallelism',
      '2',
      '--update-monitor',
      '1s',
      '--stop-grace-period',
      '1s',
      '--network',
      `name=${net},alias=www`,
    ]);
    const serviceId = (await manager.inspectService!(svc))!.id;
    const tasksBefore = await waitFor('both replicas to run', runningTasks(serviceId, 2));
    await waitFor('the virtual IP to be allocated', async () => {
      const inspected = await inspectOn<ServiceInspect>(SWARM.manager, 'service', svc);
      return inspected.Endpoint?.VirtualIPs?.some((v) => v.NetworkID === oldId) ? true : undefined;
    });

    // The subnet changes: a replace, with the service taken off and put back in it.
    const desired = spec(1, true);
    const { plan } = await observeAndPlan(manager, desired, {});
    expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(plan.actions.map((a) => a.kind)).toEqual(['replace']);
    const text = plan.actions.flatMap((a) => renderAction(a)).join('\n');
    console.info(`[plan] ${text}`);
    expect(text).toContain(`replace network ${net}`);
    expect(text).toContain(
      `service ${svc} (2 tasks restart twice): taken off (aliases [www]), put back (aliases [www])`,
    );

    const started = performance.now();
    const result = await apply(manager, { desired });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const operations = 'execution' in result ? (result.execution?.actions[0]?.operations ?? []) : [];
    expect(result.status, JSON.stringify('execution' in result ? result.execution : result)).toBe('applied');
    console.info(
      `[measured] netform apply of the replace (${seconds} s): ${operations.map((o) => `${o.operation} ${o.target} ${o.durationMs} ms`).join('; ')}`,
    );

    // Independent reads: the new network, the service on it by ID with its alias.
    const newNet = await inspectOn<{ Id: string; IPAM: { Config: { Subnet: string }[] } }>(
      SWARM.manager,
      'network',
      net,
    );
    expect(newNet.Id).not.toBe(oldId);
    expect(newNet.IPAM.Config.map((c) => c.Subnet)).toEqual([scope.subnet(1).v4]);
    const inspected = await inspectOn<ServiceInspect>(SWARM.manager, 'service', svc);
    expect(inspected.Spec.TaskTemplate.Networks).toEqual([{ Target: newNet.Id, Aliases: ['www'] }]);

    // What it cost: every task replaced per update; counted once the rollout is over.
    await waitFor(
      'the rollout to finish',
      async () => {
        const state = (await inspectOn<ServiceInspect>(SWARM.manager, 'service', svc)).UpdateStatus?.State;
        return state === 'completed' ? runningTasks(serviceId, 2)() : undefined;
      },
      180,
    );
    const all = await manager.listServiceTasks!(serviceId);
    const oldIds = new Set(tasksBefore.map((t) => t.id));
    const running = all.filter((t) => t.desiredState === 'running');
    expect(running.every((t) => !oldIds.has(t.id))).toBe(true);
    for (const task of running) expect(Object.keys(task.addresses)).toEqual([net]);
    console.info(
      `[measured] replace of ${net} with ${svc} on it (2 replicas): ${all.length - tasksBefore.length} tasks started after the ${tasksBefore.length} it had ` +
        `(${all.length} in its history), ${running.length} running on the new network`,
    );

    // A second plan is empty.
    const again = await observeAndPlan(manager, desired, {});
    expect(again.plan.actions).toEqual([]);

    // Destroy takes the service off and removes the network; nothing of the project is left.
    expect((await destroy(manager, project)).status).toBe('applied');
    const left = await dockerOnOk(SWARM.manager, ['network', 'ls', '--format', '{{.Name}}']);
    expect(left.split('\n').filter((n) => n === net)).toEqual([]);
    const after = await inspectOn<ServiceInspect>(SWARM.manager, 'service', svc);
    expect(after.Spec.TaskTemplate.Networks ?? []).toEqual([]);
  });
});
