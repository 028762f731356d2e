import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { parse } from 'yaml';
import { canonicalAddress } from '../../src/core/cidr.js';
import { containsAddress, parseAddress, parseCidr } from '../../src/core/cidr.js';
import { EngineRequestError } from '../../src/docker/errors.js';
import { MANAGED_LABEL, PROJECT_LABEL } from '../../src/model/desired.js';
import { RESTORE_LABEL } from '../../src/apply/restore-point.js';
import type { DockerPort, NetworkCreateRequest } from '../../src/model/port.js';
import { runCli } from '../support/cli.js';
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
 * A macvlan network across the swarm (docs/swarm.md): a config-only network on each node holds
 * that node's parent and address range, and one swarm-scoped network is made from them on the
 * manager. The first test measures the engine's side through the port; the second declares such a
 * network in a spec (with a global service on it) and plans, applies and destroys it with the
 * built CLI. Parents are veth pairs made inside each node's namespace for this test.
 */

interface NetworkInspect {
  Id: string;
  Name: string;
  Driver: string;
  Scope: string;
  ConfigOnly: boolean;
  ConfigFrom: { Network: string };
  Attachable: boolean;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
  IPAM: { Config: { Subnet: string; IPRange?: string; Gateway?: string }[] | null };
}

// The swarm's waits are longer than the engine project's 120 s (test/support/swarm.ts).
vi.setConfig({ testTimeout: SWARM_TEST_TIMEOUT_MS, hookTimeout: SWARM_TEST_TIMEOUT_MS });

// The swarm's own range (subnet indexes 4-7; test/support/swarm.ts), not a block of blocks.ts.
const scope = new SwarmScope(inject('runId'), 'm');
let manager: DockerPort;
let worker: DockerPort;
let nodes: { managerNodeId: string; workerNodeId: string };
const dir = mkdtempSync(join(tmpdir(), 'netform-swarm-macvlan-'));

beforeAll(async () => {
  ({ manager, worker, nodes } = await connectSwarm());
});

afterAll(async () => {
  await manager?.close();
  await worker?.close();
  await scope.cleanup();
  rmSync(dir, { recursive: true, force: true });
}, 180_000);

describe('swarm-scoped macvlan from per-node config-only networks', () => {
  it("gives a global service addresses from each node's own range, and is removed in the order the engine accepts", async () => {
    const subnet = scope.subnet(4).v4; // 10.213.244.0/24
    const prefix = scope.subnet(4).v4Prefix;
    const ranges = { manager: `${prefix}.0/28`, worker: `${prefix}.16/28` };
    const configName = scope.name('lan-config');
    const swarmName = scope.name('lan');
    const ownership = {
      [MANAGED_LABEL]: 'true',
      [PROJECT_LABEL]: scope.name('p'),
      'io.netform.test': scope.runId,
    };

    const configOnly = (parent: string, ipRange: string): NetworkCreateRequest => ({
      name: configName,
      driver: 'macvlan',
      configOnly: true,
      attachable: false,
      internal: false,
      enableIPv6: false,
      ipam: {
        driver: 'default',
        options: {},
        config: [{ subnet, ipRange, gateway: `${prefix}.254`, auxAddresses: {} }],
      },
      options: { parent },
      labels: ownership,
    });
    const managerConfig = await manager.createNetwork(
      configOnly(await scope.vethParent(SWARM.manager, 'm'), ranges.manager),
    );
    const workerConfig = await worker.createNetwork(
      configOnly(await scope.vethParent(SWARM.worker, 'w'), ranges.worker),
    );
    for (const [node, id, range] of [
      [SWARM.manager, managerConfig, ranges.manager],
      [SWARM.worker, workerConfig, ranges.worker],
    ] as const) {
      const inspected = await inspectOn<NetworkInspect>(node, 'network', configName);
      expect(inspected.Id).toBe(id);
      expect(inspected.ConfigOnly).toBe(true);
      expect(inspected.Scope).toBe('local');
      expect(inspected.IPAM.Config).toEqual([{ Subnet: subnet, IPRange: range, Gateway: `${prefix}.254` }]);
      // Ownership labels live here: the swarm network made from it cannot carry any.
      expect(inspected.Labels).toMatchObject(ownership);
    }

    const swarmId = await manager.createNetwork({
      name: swarmName,
      driver: 'macvlan',
      scope: 'swarm',
      configFrom: configName,
      attachable: true,
      internal: false,
      enableIPv6: false,
      ipam: { driver: 'default', options: {}, config: [] },
      options: {},
      labels: ownership,
    });
    // The manager lists a swarm network made from a config-only one with an empty Driver until it
    // has taken it in (seen once, read through the API a moment after the create): read it then.
    const made = await waitFor(`the manager to take in ${swarmName}`, async () => {
      const inspected = await inspectOn<NetworkInspect>(SWARM.manager, 'network', swarmName);
      return inspected.Driver === '' ? undefined : inspected;
    });
    expect(made).toMatchObject({
      Id: swarmId,
      Driver: 'macvlan',
      Scope: 'swarm',
      ConfigFrom: { Network: configName },
    });
    expect(made.Labels ?? {}).toEqual({});

    // Nothing of the worker's own is on it yet: the worker does not list it.
    const workerLists = async (): Promise<boolean> =>
      (await worker.observe()).networks.some((n) => n.id === swarmId);
    expect(await workerLists()).toBe(false);

    const service = scope.name('sensor');
    await scope.createService(service, ['--mode', 'global', '--network', swarmName]);
    const serviceId = (await manager.inspectService!(service))!.id;
    const tasks = await waitFor('a running task on each node', async () => {
      const running = (await manager.listServiceTasks!(serviceId)).filter(
        (t) => t.desiredState === 'running' && t.state === 'running',
      );
      return running.length === 2 ? running : undefined;
    });
    expect(new Set(tasks.map((t) => t.nodeId))).toEqual(new Set([nodes.managerNodeId, nodes.workerNodeId]));
    expect(await workerLists()).toBe(true);

    // Each task's address, read on its own node, comes from that node's range.
    for (const [node, nodeId, range] of [
      [SWARM.manager, nodes.managerNodeId, ranges.manager],
      [SWARM.worker, nodes.workerNodeId, ranges.worker],
    ] as const) {
      const task = tasks.find((t) => t.nodeId === nodeId)!;
      const container = await inspectOn<{
        NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
      }>(node, 'container', task.containerId!);
      const address = container.NetworkSettings.Networks[swarmName]?.IPAddress ?? '';
      expect(containsAddress(parseCidr(range)!, parseAddress(address)!)).toBe(true);
      console.info(
        `[measured] ${node.role}'s task of the global service got ${canonicalAddress(address)} from ${range}`,
      );
    }

    // The engine refuses to remove a config-only network while a swarm network uses it.
    const refused = await worker.removeNetwork(workerConfig).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(EngineRequestError);
    expect((refused as EngineRequestError).engineMessage).toMatch(/configuration network .* is in use/);
    expect((await dockerOn(SWARM.worker, ['network', 'inspect', configName])).code).toBe(0);

    // The order it accepts: the service, the swarm network, then (once each node has let go of
    // the swarm network) the config-only networks.
    await dockerOnOk(SWARM.manager, ['service', 'rm', service]);
    await waitFor('the worker to let go of the swarm network', async () =>
      (await workerLists()) ? undefined : true,
    );
    await manager.removeNetwork(swarmId);
    for (const [port, id, node] of [
      [worker, workerConfig, SWARM.worker],
      [manager, managerConfig, SWARM.manager],
    ] as const) {
      await waitFor(`the ${node.role}'s config-only network to be removable`, async () => {
        try {
          await port.removeNetwork(id);
          return true;
        } catch (error) {
          if (error instanceof EngineRequestError && /is in use/.test(error.engineMessage)) return undefined;
          throw error;
        }
      });
      expect((await dockerOn(node, ['network', 'inspect', configName])).code).not.toBe(0);
    }
    expect((await dockerOn(SWARM.manager, ['network', 'inspect', swarmName])).code).not.toBe(0);
  });
});

describe('a swarm macvlan declared in a spec, through the several-engines session', () => {
  it("plans, applies and destroys the config-only network on each node and the swarm network from them; a global service gets each node's own range", async () => {
    const subnet = scope.subnet(5).v4; // 10.213.245.0/24
    const prefix = scope.subnet(5).v4Prefix;
    const ranges = { manager: `${prefix}.32/28`, worker: `${prefix}.48/28` };
    const gateway = `${prefix}.254`;
    const project = scope.name('q');
    const network = scope.name('vlan');
    const config = scope.name('vlan-cfg');
    const service = scope.name('probe');
    const parents = {
      manager: await scope.vethParent(SWARM.manager, 'a'),
      worker: await scope.vethParent(SWARM.worker, 'b'),
    };
    writeFileSync(
      join(dir, 'netform.yaml'),
      [
        'version: 1',
        `project: ${project}`,
        'engines:',
        `  manager: { host: ${SWARM.manager.host} }`,
        `  worker: { host: ${SWARM.worker.host} }`,
        'networks:',
        `  ${network}:`,
        '    driver: macvlan',
        '    scope: swarm',
        `    config_from: ${config}`,
        `    subnet: ${subnet}`,
        `    gateway: ${gateway}`,
        '    labels: { tier: sensors }',
        '    engines:',
        `      manager: { parent: ${parents.manager}, ip_range: ${ranges.manager} }`,
        `      worker: { parent: ${parents.worker}, ip_range: ${ranges.worker} }`,
        'services:',
        `  ${service}:`,
        `    networks: [${network}]`,
        '',
      ].join('\n'),
    );
    // The service exists before the spec attaches it (netform never creates services): global,
    // on no network yet.
    await scope.createService(service, [
      '--mode',
      'global',
      '--update-parallelism',
      '2',
      '--update-monitor',
      '1s',
    ]);
    const serviceId = (await manager.inspectService!(service))!.id;
    const cli = (args: string[]): ReturnType<typeof runCli> => runCli(args, { cwd: dir, timeoutMs: 240_000 });

    // Plan: a config-only network on each node, the swarm network once (on the manager), one update.
    const planned = await cli(['plan']);
    expect(planned.stderr).toBe('');
    expect(planned.code, planned.stdout).toBe(0);
    expect(planned.stdout.match(new RegExp(`\\+ create network ${config}$`, 'gm'))).toHaveLength(2);
    expect(planned.stdout.match(new RegExp(`\\+ create network ${network}$`, 'gm'))).toHaveLength(1);
    expect(planned.stdout).toContain(`config_from: ${config}`);
    expect(planned.stdout).toContain('config_only: true');
    expect(planned.stdout).toContain(`~ update service ${service}`);

    const applied = await cli(['apply', '--auto-approve']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);

    // Independent read: each node's config-only network holds that node's parent and range and
    // netform's ownership; the swarm network exists once, made from them, with no labels.
    for (const [node, range, parent] of [
      [SWARM.manager, ranges.manager, parents.manager],
      [SWARM.worker, ranges.worker, parents.worker],
    ] as const) {
      const inspected = await inspectOn<NetworkInspect>(node, 'network', config);
      expect(inspected).toMatchObject({ ConfigOnly: true, Scope: 'local', Options: { parent } });
      expect(inspected.IPAM.Config).toEqual([{ Subnet: subnet, IPRange: range, Gateway: gateway }]);
      expect(inspected.Labels).toEqual({
        tier: 'sensors',
        [MANAGED_LABEL]: 'true',
        [PROJECT_LABEL]: project,
      });
    }
    const made = await inspectOn<NetworkInspect>(SWARM.manager, 'network', network);
    expect(made).toMatchObject({ Driver: 'macvlan', Scope: 'swarm', ConfigFrom: { Network: config } });
    // It was created with no label (the engine refuses any). Once a task of it runs on the
    // manager, the manager's inspect shows the labels of the manager's config-only network.
    console.info(
      `[measured] the manager's inspect of the swarm network after apply: labels ${JSON.stringify(made.Labels)}`,
    );
    const swarmNetworks = await dockerOnOk(SWARM.manager, [
      'network',
      'ls',
      '--filter',
      'scope=swarm',
      '--format',
      '{{.Name}}',
    ]);
    expect(swarmNetworks.split('\n').filter((n) => n === network)).toHaveLength(1);

    // The service: on the swarm network, in one update.
    const inspected = await inspectOn<ServiceInspect>(SWARM.manager, 'service', service);
    expect(inspected.Spec.TaskTemplate.Networks).toEqual([{ Target: made.Id }]);
    expect(inspected.PreviousSpec?.TaskTemplate.Networks).toBeUndefined();

    // Each node's task of the global service, once the rollout is done, has an address on the
    // swarm network from that node's own range (read on its node).
    const addressOf = async (
      node: typeof SWARM.manager,
      containerId: string,
    ): Promise<string | undefined> => {
      const result = await dockerOn(node, [
        'container',
        'inspect',
        containerId,
        '--format',
        `{{with index .NetworkSettings.Networks "${network}"}}{{.IPAddress}}{{end}}`,
      ]);
      const address = result.stdout.trim();
      return result.code === 0 && address !== '' ? address : undefined;
    };
    const placed = await waitFor(
      'a running task on each node with an address on the swarm macvlan',
      async () => {
        const running = (await manager.listServiceTasks!(serviceId)).filter(
          (t) => t.desiredState === 'running' && t.state === 'running' && t.containerId !== undefined,
        );
        const out: { nodeId: string; address: string }[] = [];
        for (const task of running) {
          const node = task.nodeId === nodes.managerNodeId ? SWARM.manager : SWARM.worker;
          const address = await addressOf(node, task.containerId!);
          if (address !== undefined) out.push({ nodeId: task.nodeId, address });
        }
        return out.length === 2 ? out : undefined;
      },
      180,
    );
    for (const [nodeId, range, role] of [
      [nodes.managerNodeId, ranges.manager, 'manager'],
      [nodes.workerNodeId, ranges.worker, 'worker'],
    ] as const) {
      const task = placed.find((t) => t.nodeId === nodeId);
      expect(task, `a task on the ${role}`).toBeDefined();
      expect(containsAddress(parseCidr(range)!, parseAddress(task!.address)!)).toBe(true);
      console.info(
        `[measured] netform apply of a swarm macvlan: the ${role}'s task of the global service got ${canonicalAddress(task!.address)} from ${range}`,
      );
    }

    // Nothing left to do: the swarm network's ownership is read through its config-only networks.
    const again = await cli(['plan', '--detailed-exitcode']);
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain('No changes');
    expect(again.code).toBe(0);

    // Export from the manager: the swarm network written with the settings of the manager's own
    // config-only network (before, the export had no subnet, range, parent or config_from, and a
    // plan of it replaced the network); a plan of the export against the manager alone is empty.
    const exported = await cli(['--host', SWARM.manager.host, 'export', '--project', project]);
    expect(exported.code, exported.stderr).toBe(0);
    expect((parse(exported.stdout) as { networks: unknown }).networks).toEqual({
      [network]: {
        driver: 'macvlan',
        scope: 'swarm',
        config_from: config,
        subnet,
        ip_range: ranges.manager,
        gateway,
        labels: { tier: 'sensors' },
        driver_opts: { parent: parents.manager },
      },
    });
    writeFileSync(join(dir, 'exported.yaml'), exported.stdout);
    const replanned = await cli([
      '--host',
      SWARM.manager.host,
      'plan',
      '-f',
      'exported.yaml',
      '--detailed-exitcode',
    ]);
    expect(replanned.stdout + replanned.stderr).toContain('No changes');
    expect(replanned.code).toBe(0);

    // Destroy: the service taken off, the swarm network removed, then each node's config-only network.
    const destroyed = await cli(['destroy', '--auto-approve']);
    expect(destroyed.code, destroyed.stdout + destroyed.stderr).toBe(0);
    // The removals in the order the engine accepts, and how long each waited for it.
    const removals = destroyed.stderr
      .split('\n')
      .filter((line) => /done (remove network|update service)/.test(line));
    console.info(`[measured] netform destroy of a swarm macvlan:\n${removals.join('\n')}`);
    const removedAt = (engine: string, name: string): number =>
      removals.findIndex(
        (line) => line.startsWith(`engine ${engine}:`) && line.includes(`remove network ${name} (`),
      );
    expect(removedAt('manager', network)).toBeGreaterThanOrEqual(0);
    expect(removedAt('manager', network)).toBeLessThan(removedAt('manager', config));
    expect(removedAt('manager', network)).toBeLessThan(removedAt('worker', config));
    expect((await dockerOn(SWARM.manager, ['network', 'inspect', network])).code).not.toBe(0);
    for (const node of [SWARM.manager, SWARM.worker]) {
      expect((await dockerOn(node, ['network', 'inspect', config])).code).not.toBe(0);
      const left = await dockerOnOk(node, ['network', 'ls', '--format', '{{.Name}}']);
      expect(left.split('\n').filter((n) => n.startsWith(scope.prefix))).toEqual([]);
    }
    const after = await inspectOn<ServiceInspect>(SWARM.manager, 'service', service);
    expect(after.Spec.TaskTemplate.Networks ?? []).toEqual([]);
  }, 600_000);
});

/** Each running task's address on `network`, read on its own node, once every task has one. */
async function taskAddresses(
  serviceId: string,
  network: string,
  expected: number,
  accept: (task: { nodeId: string; containerId: string; address: string }) => boolean = () => true,
): Promise<{ nodeId: string; containerId: string; address: string }[]> {
  return waitFor(
    `${expected} running tasks with an address on ${network}`,
    async () => {
      const running = (await manager.listServiceTasks!(serviceId)).filter(
        (t) => t.desiredState === 'running' && t.state === 'running' && t.containerId !== undefined,
      );
      const out: { nodeId: string; containerId: string; address: string }[] = [];
      for (const task of running) {
        const node = task.nodeId === nodes.managerNodeId ? SWARM.manager : SWARM.worker;
        const result = await dockerOn(node, [
          'container',
          'inspect',
          task.containerId!,
          '--format',
          `{{with index .NetworkSettings.Networks "${network}"}}{{.IPAddress}}{{end}}`,
        ]);
        const address = result.stdout.trim();
        const found = { nodeId: task.nodeId, containerId: task.containerId!, address };
        if (result.code === 0 && address !== '' && accept(found)) out.push(found);
      }
      return out.length === expected ? out : undefined;
    },
    180,
  );
}

describe("a change of one node's config-only network of a swarm macvlan with a service on it", () => {
  it("is one replace on the manager: the service taken off, the swarm network removed, the worker's config-only network replaced, the swarm network made again, the service put back", async () => {
    const subnet = scope.subnet(6).v4; // 10.213.246.0/24
    const prefix = scope.subnet(6).v4Prefix;
    const ranges = { manager: `${prefix}.0/28`, worker: `${prefix}.16/28`, workerNew: `${prefix}.64/28` };
    const gateway = `${prefix}.254`;
    const project = scope.name('r');
    const network = scope.name('rlan');
    const config = `${network}-config`;
    const service = scope.name('rprobe');
    const parents = {
      manager: await scope.vethParent(SWARM.manager, 'c'),
      worker: await scope.vethParent(SWARM.worker, 'd'),
    };
    const specText = (workerRange: string): string =>
      [
        'version: 1',
        `project: ${project}`,
        'engines:',
        `  manager: { host: ${SWARM.manager.host} }`,
        `  worker: { host: ${SWARM.worker.host} }`,
        'networks:',
        `  ${network}:`,
        '    driver: macvlan',
        '    scope: swarm',
        `    subnet: ${subnet}`,
        `    gateway: ${gateway}`,
        '    engines:',
        `      manager: { parent: ${parents.manager}, ip_range: ${ranges.manager} }`,
        `      worker: { parent: ${parents.worker}, ip_range: ${workerRange} }`,
        'services:',
        `  ${service}:`,
        `    networks: { ${network}: { aliases: [probe] } }`,
        '',
      ].join('\n');
    const cli = (args: string[]): ReturnType<typeof runCli> => runCli(args, { cwd: dir, timeoutMs: 300_000 });
    writeFileSync(join(dir, 'netform.yaml'), specText(ranges.worker));
    await scope.createService(service, [
      '--mode',
      'global',
      '--update-parallelism',
      '2',
      '--update-monitor',
      '1s',
    ]);
    const serviceId = (await manager.inspectService!(service))!.id;
    const first = await cli(['apply', '--auto-approve']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const before = await taskAddresses(serviceId, network, 2);
    const oldNetworkId = (await inspectOn<NetworkInspect>(SWARM.manager, 'network', network)).Id;
    const oldConfigIds = {
      manager: (await inspectOn<NetworkInspect>(SWARM.manager, 'network', config)).Id,
      worker: (await inspectOn<NetworkInspect>(SWARM.worker, 'network', config)).Id,
    };
    const tasksBefore = (await manager.listServiceTasks!(serviceId)).length;

    // The worker's range changes: one plan, the replace on the manager carrying the worker's
    // config-only network and the service, nothing of its own on the worker.
    writeFileSync(join(dir, 'netform.yaml'), specText(ranges.workerNew));
    const planned = await cli(['plan']);
    expect(planned.code, planned.stdout + planned.stderr).toBe(0);
    console.info(`[measured] plan of the worker's ip_range change:\n${planned.stdout}`);
    expect(planned.stdout).toContain(
      `-/+ replace network ${network} (forced by engines.worker.ipam.config[0].ip_range)`,
    );
    expect(planned.stdout).toContain(`-/+ ${config} on engine worker (forced by ipam.config[0].ip_range)`);
    expect(planned.stdout).toMatch(new RegExp(`~ service ${service} \\(2 tasks restart twice\\)`));
    expect(planned.stdout).not.toMatch(new RegExp(`replace network ${config}`));

    const applied = await cli(['apply', '--auto-approve', '--log-level', 'info']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    // Each engine request of the replace, in order, with its time (the pino log on stderr).
    const steps = applied.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map(
        (line) =>
          JSON.parse(line) as { msg?: string; operation?: string; target?: string; durationMs?: number },
      )
      .filter((entry) => entry.msg === 'done' && entry.operation !== undefined)
      .map((entry) => `${entry.operation} ${entry.target}: ${entry.durationMs} ms`);
    console.info(`[measured] netform apply of the worker's ip_range change:\n${steps.join('\n')}`);
    const at = (step: RegExp): number => steps.findIndex((line) => step.test(line));
    expect(at(/^update-service .* off /)).toBeLessThan(at(new RegExp(`^remove-network network ${network}:`)));
    expect(at(new RegExp(`^remove-network network ${network}:`))).toBeLessThan(
      at(new RegExp(`^remove-network network ${config} on engine worker`)),
    );
    expect(at(new RegExp(`^create-network network ${config} on engine worker`))).toBeLessThan(
      at(new RegExp(`^create-network network ${network}:`)),
    );
    expect(at(new RegExp(`^create-network network ${network}:`))).toBeLessThan(at(/^update-service .* on /));

    // Independent reads: the worker's config-only network has the new range (a new network), the
    // manager's is the same network as before, the swarm network was made again from them.
    const workerConfig = await inspectOn<NetworkInspect>(SWARM.worker, 'network', config);
    expect(workerConfig.Id).not.toBe(oldConfigIds.worker);
    expect(workerConfig).toMatchObject({ ConfigOnly: true, Options: { parent: parents.worker } });
    expect(workerConfig.IPAM.Config).toEqual([
      { Subnet: subnet, IPRange: ranges.workerNew, Gateway: gateway },
    ]);
    expect(workerConfig.Labels).toMatchObject({ [MANAGED_LABEL]: 'true', [PROJECT_LABEL]: project });
    const managerConfig = await inspectOn<NetworkInspect>(SWARM.manager, 'network', config);
    expect(managerConfig.Id).toBe(oldConfigIds.manager);
    expect(managerConfig.IPAM.Config).toEqual([
      { Subnet: subnet, IPRange: ranges.manager, Gateway: gateway },
    ]);
    const made = await inspectOn<NetworkInspect>(SWARM.manager, 'network', network);
    expect(made.Id).not.toBe(oldNetworkId);
    expect(made).toMatchObject({ Driver: 'macvlan', Scope: 'swarm', ConfigFrom: { Network: config } });

    // The service is back on the new network with its alias; the worker's task has an address
    // from the new range, the manager's from its own.
    const inspected = await inspectOn<{
      Spec: { TaskTemplate: { Networks?: { Target: string; Aliases?: string[] }[] } };
    }>(SWARM.manager, 'service', service);
    expect(inspected.Spec.TaskTemplate.Networks).toEqual([{ Target: made.Id, Aliases: ['probe'] }]);
    // Tasks started after the replace (not the ones running before it).
    const after = await taskAddresses(
      serviceId,
      network,
      2,
      (task) =>
        !before.some((t) => t.containerId === task.containerId) &&
        containsAddress(
          parseCidr(task.nodeId === nodes.workerNodeId ? ranges.workerNew : ranges.manager)!,
          parseAddress(task.address)!,
        ),
    );
    for (const task of after) {
      const role = task.nodeId === nodes.workerNodeId ? 'worker' : 'manager';
      const was = before.find((t) => t.nodeId === task.nodeId)!;
      expect(task.containerId).not.toBe(was.containerId);
      console.info(`[measured] the ${role}'s task: ${was.address} before, ${task.address} after the replace`);
    }
    const tasksAfter = (await manager.listServiceTasks!(serviceId)).length;
    console.info(
      `[measured] the replace's two service updates: ${tasksAfter - tasksBefore} tasks started after the ${before.length} running (global service on 2 nodes; ${tasksAfter} in its history)`,
    );
    expect(tasksAfter - tasksBefore).toBe(4);

    const again = await cli(['plan', '--detailed-exitcode']);
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain('No changes');
    expect(again.code).toBe(0);

    const destroyed = await cli(['destroy', '--auto-approve']);
    expect(destroyed.code, destroyed.stdout + destroyed.stderr).toBe(0);
    expect((await dockerOn(SWARM.manager, ['network', 'inspect', network])).code).not.toBe(0);
    for (const node of [SWARM.manager, SWARM.worker]) {
      expect((await dockerOn(node, ['network', 'inspect', config])).code).not.toBe(0);
      const left = await dockerOnOk(node, ['network', 'ls', '--format', '{{.Name}}']);
      // Nothing of this test's, and no restore point of this project's replace, is left (restore
      // points are named for their engine, so they are told apart by their label).
      expect(left.split('\n').filter((n) => n.startsWith(scope.prefix))).toEqual([]);
      const restorePoints = await dockerOnOk(node, [
        'network',
        'ls',
        '--filter',
        `label=${RESTORE_LABEL}=${project}`,
        '--format',
        '{{.Name}}',
      ]);
      expect(restorePoints.trim()).toBe('');
    }
  }, 900_000);
});
