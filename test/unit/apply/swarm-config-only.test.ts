import { describe, expect, it } from 'vitest';
import { applyEngines, destroyEngines } from '../../../src/apply/fleet-session.js';
import { LOCK_LABEL } from '../../../src/apply/lock.js';
import type { DesiredState, EndpointSettings } from '../../../src/model/desired.js';
import type {
  ObservedContainer,
  ObservedNetwork,
  ObservedState,
  SwarmRole,
} from '../../../src/model/observed.js';
import type { DockerPort, NetworkCreateRequest } from '../../../src/model/port.js';
import { compileSpec } from '../../../src/spec/index.js';

/**
 * The order the swarm session carries out a swarm macvlan made from config-only networks in
 * (docs/swarm.md), driven by in-memory engines that only record what they are asked, in order.
 * They stand in for no Docker behaviour: what the engine accepts is measured on the real two-node
 * swarm (test/engine/swarm-macvlan.test.ts).
 */
/** Network IDs to names across both nodes (a worker resolves a cluster network through the swarm). */
const NAMES = new Map<string, string>();

class MemoryNode implements DockerPort {
  networks: ObservedNetwork[] = [];
  containers: ObservedContainer[] = [];
  private ids = 0;

  constructor(
    readonly host: string,
    private readonly role: SwarmRole,
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
      swarmState: 'active',
      swarmControl: this.role.controlAvailable,
    });
  }

  swarmRole(): Promise<SwarmRole> {
    return Promise.resolve(this.role);
  }

  async observe(): Promise<ObservedState> {
    return structuredClone({
      engine: await this.engineInfo(),
      networks: this.networks,
      containers: this.containers,
    });
  }

  createNetwork(request: NetworkCreateRequest): Promise<string> {
    const lock = LOCK_LABEL in request.labels;
    const id = `${this.host}-${this.ids++}`.padEnd(64, '0');
    if (!lock) this.log.push(`${this.host} create ${request.name}`);
    NAMES.set(id, request.name);
    this.networks.push({
      id,
      name: request.name,
      driver: request.configOnly ? 'null' : request.driver,
      scope: request.scope ?? 'local',
      attachable: request.attachable,
      internal: request.internal,
      ingress: false,
      configOnly: request.configOnly === true,
      ...(request.configFrom !== undefined ? { configFrom: request.configFrom } : {}),
      enableIPv6: request.enableIPv6,
      ipam: { driver: request.ipam.driver, options: request.ipam.options, config: request.ipam.config },
      options: request.options,
      labels: request.labels,
    });
    return Promise.resolve(id);
  }

  removeNetwork(networkId: string): Promise<void> {
    const network = this.networks.find((n) => n.id === networkId);
    if (network && !(LOCK_LABEL in network.labels)) this.log.push(`${this.host} remove ${network.name}`);
    this.networks = this.networks.filter((n) => n.id !== networkId);
    return Promise.resolve();
  }

  connect(networkId: string, containerId: string, settings: EndpointSettings): Promise<void> {
    const container = this.containers.find((c) => c.id === containerId)!;
    // A network the manager made in this run is connected by name (docs/swarm.md).
    const id = NAMES.has(networkId)
      ? networkId
      : ([...NAMES].find(([, name]) => name === networkId)?.[0] ?? networkId);
    const name = NAMES.get(id) ?? networkId;
    this.log.push(`${this.host} connect ${container.name} ${name}`);
    container.endpoints[name] = {
      networkId: id,
      networkName: name,
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

const manager: SwarmRole = {
  localNodeState: 'active',
  nodeId: 'm1',
  controlAvailable: true,
  clusterId: 'c1',
  remoteManagers: [{ nodeId: 'm1', addr: '10.0.0.1:2377' }],
};
const worker: SwarmRole = {
  localNodeState: 'active',
  nodeId: 'w1',
  controlAvailable: false,
  remoteManagers: [{ nodeId: 'm1', addr: '10.0.0.1:2377' }],
};

const SPEC = `
version: 1
project: edge
engines:
  m: { host: unix:///m.sock }
  w: { host: unix:///w.sock }
networks:
  lan:
    driver: macvlan
    scope: swarm
    subnet: 10.1.0.0/24
    engines:
      m: { parent: eth0, ip_range: 10.1.0.0/28 }
      w: { parent: eth1, ip_range: 10.1.0.16/28 }
`;

function swarm(log: string[], workerContainers: string[] = []): Map<string, MemoryNode> {
  return new Map([
    ['m', new MemoryNode('m', manager, log)],
    ['w', new MemoryNode('w', worker, log, workerContainers)],
  ]);
}

describe('a swarm macvlan from config-only networks, in the swarm session', () => {
  it("creates each node's config-only network before the manager makes the swarm network from them, and removes them after it", async () => {
    const log: string[] = [];
    const ports = swarm(log);
    const applied = await applyEngines(spec(SPEC), ports);
    expect(applied.status).toBe('applied');
    expect(log).toEqual(['w create lan-config', 'm create lan-config', 'm create lan']);
    const m = ports.get('m')!.networks.find((n) => n.name === 'lan')!;
    expect(m).toMatchObject({ scope: 'swarm', configFrom: 'lan-config' });
    const w = ports.get('w')!.networks.find((n) => n.name === 'lan-config')!;
    expect(w).toMatchObject({ configOnly: true, options: { parent: 'eth1' } });
    expect(w.ipam.config).toEqual([{ subnet: '10.1.0.0/24', ipRange: '10.1.0.16/28', auxAddresses: {} }]);
    expect(ports.get('w')!.networks.some((n) => n.name === 'lan')).toBe(false);

    // Nothing left to do.
    expect((await applyEngines(spec(SPEC), ports)).status).toBe('no-changes');

    log.length = 0;
    const destroyed = await destroyEngines('edge', ports);
    expect(destroyed.status).toBe('applied');
    expect(log).toEqual(['m remove lan', 'm remove lan-config', 'w remove lan-config']);
  });

  it("runs a worker's plan in two stages when it also joins a cluster network the manager makes in the same run", async () => {
    const log: string[] = [];
    const ports = swarm(log, ['app']);
    const text = `${SPEC}  ov: { driver: overlay, attachable: true }
containers:
  app: { engines: [w], networks: [ov] }
`;
    const applied = await applyEngines(spec(text), ports);
    expect(applied.status).toBe('applied');
    const at = (entry: string): number =>
      log.findIndex((line) => line === entry || line.startsWith(`${entry} `));
    expect(at('w create lan-config')).toBeLessThan(at('m create lan'));
    expect(at('m create ov')).toBeLessThan(at('w connect app'));
    expect(at('m create lan-config')).toBeLessThan(at('m create lan'));
    // One result per engine, the worker's covering both of its stages.
    const w = applied.engines.find((e) => e.engine === 'w')!.result;
    expect(w.status).toBe('applied');
    if (w.status === 'applied') expect(w.execution.actions.map((a) => a.status)).toEqual(['done', 'done']);
  });

  it('refuses a swarm network made from config-only networks when the manager is not among its engines', async () => {
    const text = SPEC.replace('      m: { parent: eth0, ip_range: 10.1.0.0/28 }\n', '');
    await expect(applyEngines(spec(text), swarm([]))).rejects.toThrow(
      /network lan is made from config-only networks .* manager m/,
    );
  });
});
