import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { canonicalAddress } from '../../src/core/cidr.js';
import { containsAddress, parseAddress, parseCidr } from '../../src/core/cidr.js';
import { connectDocker } from '../../src/docker/connect.js';
import { EngineRequestError } from '../../src/docker/errors.js';
import { MANAGED_LABEL, PROJECT_LABEL } from '../../src/model/desired.js';
import type { DockerPort, NetworkCreateRequest } from '../../src/model/port.js';
import { TEST_IMAGE } from '../support/engine.js';
import {
  dockerOn,
  dockerOnOk,
  inspectOn,
  requireSwarm,
  SWARM,
  SwarmScope,
  waitFor,
} from '../support/swarm.js';

/*
 * A macvlan network across the swarm (docs/swarm.md): a config-only network on each node holds
 * that node's parent and address range, and one swarm-scoped network is made from them on the
 * manager. Parents are veth pairs made inside each node's namespace for this test.
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

// The swarm's own range (subnet indexes 4-7; test/support/swarm.ts), not a block of blocks.ts.
const scope = new SwarmScope(inject('runId'), 'm');
let manager: DockerPort;
let worker: DockerPort;
let nodes: { managerNodeId: string; workerNodeId: string };

beforeAll(async () => {
  nodes = await requireSwarm();
  manager = await connectDocker({ host: SWARM.manager.host, env: process.env, timeoutMs: 60_000 });
  worker = await connectDocker({ host: SWARM.worker.host, env: process.env, timeoutMs: 60_000 });
});

afterAll(async () => {
  await manager?.close();
  await worker?.close();
  await scope.cleanup();
});

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
    const made = await inspectOn<NetworkInspect>(SWARM.manager, 'network', swarmName);
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
    await dockerOnOk(SWARM.manager, [
      'service',
      'create',
      '--detach',
      '--no-resolve-image',
      '--name',
      service,
      '--label',
      scope.label,
      '--mode',
      'global',
      '--network',
      swarmName,
      TEST_IMAGE,
    ]);
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
