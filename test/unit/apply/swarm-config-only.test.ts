import { describe, expect, it } from 'vitest';
import { applyEngines, destroyEngines } from '../../../src/apply/fleet-session.js';
import { LOCK_LABEL } from '../../../src/apply/lock.js';
import { RESTORE_LABEL } from '../../../src/apply/restore-point.js';
import { planEngines } from '../../../src/apply/fleet-session.js';
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

  /** Refuses the next create of a network of this name (once), as an engine would. */
  refuseCreate?: string;

  createNetwork(request: NetworkCreateRequest): Promise<string> {
    if (this.refuseCreate === request.name) {
      this.refuseCreate = undefined;
      this.log.push(`${this.host} refused create ${request.name}`);
      return Promise.reject(new Error(`refused create ${request.name}`));
    }
    const lock = LOCK_LABEL in request.labels || RESTORE_LABEL in request.labels;
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
    if (network && !(LOCK_LABEL in network.labels) && !(RESTORE_LABEL in network.labels))
      this.log.push(`${this.host} remove ${network.name}`);
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
    // The worker's progress counts on across its two stages (not 1/2, then 1/2 again).
    const progress: string[] = [];
    const applied = await applyEngines(spec(text), ports, {
      onEvent: (e) => {
        if (e.type !== 'planned-all' && e.engine === 'w' && e.event.type === 'action-end')
          progress.push(`${e.event.finished}/${e.event.total}`);
      },
    });
    expect(applied.status).toBe('applied');
    expect(progress).toEqual(['1/2', '2/2']);
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

  it("replaces a node's changed config-only network inside the manager's replace of the swarm network: swarm network off, config-only replaced on its node, swarm network made again", async () => {
    const log: string[] = [];
    const ports = swarm(log);
    expect((await applyEngines(spec(SPEC), ports)).status).toBe('applied');
    const changed = SPEC.replace('ip_range: 10.1.0.16/28', 'ip_range: 10.1.0.32/28');

    // One plan of the swarm: the manager replaces lan, forced by the worker's range; the worker's
    // own plan is empty.
    const { plan } = await planEngines(spec(changed), ports);
    const m = plan.engines.find((e) => e.engine === 'm')!.plan;
    const w = plan.engines.find((e) => e.engine === 'w')!.plan;
    expect(w.actions).toEqual([]);
    expect(m.actions).toHaveLength(1);
    const replace = m.actions[0]!;
    expect(replace).toMatchObject({ kind: 'replace', network: 'lan' });
    if (replace.kind !== 'replace') throw new Error('not a replace');
    expect(replace.forcedBy.map((f) => f.path)).toEqual(['engines.w.ipam.config[0].ip_range']);
    expect(replace.configOnly).toMatchObject([{ engine: 'w', network: 'lan-config' }]);
    expect(replace.configOnly![0]!.after.ipam.config[0]!.ipRange).toBe('10.1.0.32/28');

    log.length = 0;
    const applied = await applyEngines(spec(changed), ports);
    expect(applied.status).toBe('applied');
    expect(log).toEqual(['m remove lan', 'w remove lan-config', 'w create lan-config', 'm create lan']);
    const config = ports.get('w')!.networks.find((n) => n.name === 'lan-config')!;
    expect(config.ipam.config[0]!.ipRange).toBe('10.1.0.32/28');
    expect((await applyEngines(spec(changed), ports)).status).toBe('no-changes');
  });

  it("replaces the manager's own changed config-only network the same way, and rolls back to the old config-only networks and swarm network when the new swarm network is refused", async () => {
    const log: string[] = [];
    const ports = swarm(log);
    expect((await applyEngines(spec(SPEC), ports)).status).toBe('applied');
    const changed = SPEC.replace('ip_range: 10.1.0.0/28', 'ip_range: 10.1.0.64/28').replace(
      'ip_range: 10.1.0.16/28',
      'ip_range: 10.1.0.80/28',
    );
    log.length = 0;
    ports.get('m')!.refuseCreate = 'lan';
    const failed = await applyEngines(spec(changed), ports);
    expect(failed.status).toBe('failed');
    const outcome = failed.engines.find((e) => e.engine === 'm')!.result;
    if (outcome.status !== 'failed') throw new Error(outcome.status);
    expect(outcome.execution?.actions[0]?.status).toBe('rolled-back');
    expect(log[0]).toBe('m remove lan');
    // On each node: the old config-only network removed, the new one made; after the refusal,
    // the new one removed and the old one made again; then the swarm network made again.
    for (const node of ['m', 'w']) {
      expect(log.filter((line) => line.startsWith(`${node} `) && line.endsWith(' lan-config'))).toEqual([
        `${node} remove lan-config`,
        `${node} create lan-config`,
        `${node} remove lan-config`,
        `${node} create lan-config`,
      ]);
    }
    expect(log).toContain('m refused create lan');
    expect(log.at(-1)).toBe('m create lan');
    // The old ranges on both nodes, the swarm network made again from them.
    expect(ports.get('m')!.networks.find((n) => n.name === 'lan-config')!.ipam.config[0]!.ipRange).toBe(
      '10.1.0.0/28',
    );
    expect(ports.get('w')!.networks.find((n) => n.name === 'lan-config')!.ipam.config[0]!.ipRange).toBe(
      '10.1.0.16/28',
    );
    expect(ports.get('m')!.networks.filter((n) => n.name === 'lan')).toHaveLength(1);
    expect((await applyEngines(spec(SPEC), ports)).status).toBe('no-changes');
  });

  it('refuses a swarm network made from config-only networks when the manager is not among its engines', async () => {
    const text = SPEC.replace('      m: { parent: eth0, ip_range: 10.1.0.0/28 }\n', '');
    await expect(applyEngines(spec(text), swarm([]))).rejects.toThrow(
      /network lan is made from config-only networks .* manager m/,
    );
  });
});
