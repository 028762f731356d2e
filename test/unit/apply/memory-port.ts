import type { EndpointSettings } from '../../../src/model/desired.js';
import { EngineError, type EngineErrorKind } from '../../../src/model/errors.js';
import type {
  EngineInfo,
  ObservedContainer,
  ObservedEndpoint,
  ObservedNetwork,
  ObservedState,
  ObservedSwarmNode,
  SwarmRole,
} from '../../../src/model/observed.js';
import type { DockerPort, NetworkCreateRequest, NetworkEndpoint } from '../../../src/model/port.js';

/**
 * An in-memory DockerPort for driving the apply session's and the executor's own control flow in
 * unit tests (what happens after a failure, an abort, a held lock). It is not a model of Docker:
 * it keeps networks and endpoints, refuses only what the control flow under test depends on (a
 * duplicate name, a missing object, removing a network that still has endpoints), and fails
 * wherever a test injects a failure. Everything Docker itself decides is tested against real
 * engines in test/engine/.
 *
 * Every call the port is asked to make is recorded in `calls` as one line, by network *name*, so
 * a test states exactly what was sent and in what order:
 * `create-network app`, `remove-network app`, `connect web to app [10.2.0.10 w]`,
 * `disconnect web from app`, with ` -> refused` appended when it failed. Observes are not recorded.
 */
export class MemoryPort implements DockerPort {
  readonly host = 'unix:///memory.sock';
  readonly calls: string[] = [];
  readonly networks = new Map<string, ObservedNetwork>();
  readonly containers = new Map<string, ObservedContainer>();
  /** Called before each recorded call is carried out (e.g. to abort a session mid-way). */
  onCall?: (call: string) => void;
  /**
   * What a network lists beside the containers attached to it (networkEndpoints), by network
   * name: a sandbox (`ingress-sbox`), a task the swarm reports on another node. Set by a test.
   */
  readonly listed = new Map<string, NetworkEndpoint[]>();
  /** Called on each networkEndpoints read, before it answers (not recorded in `calls`). */
  onEndpointsRead?: (network: string) => void;
  /** The swarm role `swarmRole()` answers, set by a test; absent: not a swarm node. */
  role?: SwarmRole;
  /** The swarm's nodes `observe()` reports (ObservedState.swarmNodes), set by a test; absent: not read. */
  swarmNodes?: ObservedSwarmNode[];
  private readonly faults: { match: (call: string) => boolean; skip: number; kind: EngineErrorKind }[] = [];
  private hangPrefix: string | undefined;
  /** Resolves when a call matched `hangOn` and now hangs. */
  hung: Promise<string> = new Promise(() => undefined);
  private reportHang: (call: string) => void = () => undefined;
  private nextId = 1;

  constructor(readonly engine: EngineInfo = ENGINE_20_10) {}

  /**
   * Makes the next call that starts with `prefix` (after skipping `skip` such calls) fail with an
   * EngineError of `kind`, without changing anything.
   */
  failOn(prefix: string, options: { skip?: number; kind?: EngineErrorKind } = {}): this {
    this.faults.push({
      match: (call) => call.startsWith(prefix),
      skip: options.skip ?? 0,
      kind: options.kind ?? 'refused',
    });
    return this;
  }

  /**
   * Makes the first call starting with `prefix` never answer (a process killed while it waits):
   * it is recorded with ` -> hangs` and changes nothing.
   */
  hangOn(prefix: string): this {
    this.hangPrefix = prefix;
    this.hung = new Promise((resolve) => {
      this.reportHang = resolve;
    });
    return this;
  }

  addNetwork(network: Partial<ObservedNetwork> & { name: string }): ObservedNetwork {
    const full: ObservedNetwork = {
      id: this.id('net'),
      driver: 'bridge',
      scope: 'local',
      attachable: false,
      internal: false,
      ingress: false,
      configOnly: false,
      enableIPv6: false,
      ipam: { driver: 'default', options: {}, config: [] },
      options: {},
      labels: {},
      ...network,
    };
    this.networks.set(full.id, full);
    return full;
  }

  addContainer(name: string, state = 'running'): ObservedContainer {
    const container: ObservedContainer = { id: this.id(name), name, state, labels: {}, endpoints: {} };
    this.containers.set(container.id, container);
    return container;
  }

  /** Attaches `container` to `network` directly (state set up by a test, not recorded). */
  attach(
    container: ObservedContainer,
    network: ObservedNetwork,
    settings: Partial<EndpointSettings> = {},
  ): void {
    container.endpoints[network.name] = endpointOf(network, {
      aliases: [],
      linkLocalIps: [],
      driverOpts: {},
      ...settings,
    });
  }

  network(name: string): ObservedNetwork | undefined {
    return [...this.networks.values()].find((n) => n.name === name);
  }

  /** `container`'s endpoint settings on `network`, as connect was told them. */
  endpoint(container: string, network: string): ObservedEndpoint | undefined {
    return [...this.containers.values()].find((c) => c.name === container)?.endpoints[network];
  }

  engineInfo(): Promise<EngineInfo> {
    return Promise.resolve(this.engine);
  }

  swarmRole(): Promise<SwarmRole> {
    return Promise.resolve(
      this.role ?? { localNodeState: 'inactive', nodeId: '', controlAvailable: false, remoteManagers: [] },
    );
  }

  observe(): Promise<ObservedState> {
    return Promise.resolve(
      structuredClone({
        engine: this.engine,
        networks: [...this.networks.values()],
        containers: [...this.containers.values()],
        ...(this.swarmNodes ? { swarmNodes: this.swarmNodes } : {}),
      }),
    );
  }

  createNetwork(request: NetworkCreateRequest): Promise<string> {
    return this.call(`create-network ${request.name}`, () => {
      if (this.network(request.name))
        throw new EngineError(`network with name ${request.name} already exists`, { kind: 'conflict' });
      const network = this.addNetwork({
        name: request.name,
        driver: request.driver,
        attachable: request.attachable,
        internal: request.internal,
        configOnly: request.configOnly ?? false,
        ingress: request.ingress ?? false,
        enableIPv6: request.enableIPv6,
        ipam: {
          driver: request.ipam.driver,
          options: { ...request.ipam.options },
          config: request.ipam.config.map((pool) => ({ ...pool, auxAddresses: { ...pool.auxAddresses } })),
        },
        options: { ...request.options },
        labels: { ...request.labels },
        ...(request.scope !== undefined ? { scope: request.scope } : {}),
      });
      return network.id;
    });
  }

  removeNetwork(networkId: string): Promise<void> {
    return this.call(`remove-network ${this.networkName(networkId)}`, () => {
      const network = this.existingNetwork(networkId);
      const attached = [...this.containers.values()].filter(
        (c) => c.endpoints[network.name]?.networkId === network.id,
      );
      if (attached.length > 0) {
        throw new EngineError(`error while removing network: network ${network.name} has active endpoints`, {
          kind: 'refused',
        });
      }
      this.networks.delete(networkId);
    });
  }

  connect(networkId: string, containerId: string, settings: EndpointSettings): Promise<void> {
    const container = this.containers.get(containerId);
    return this.call(
      `connect ${container?.name ?? containerId} to ${this.networkName(networkId)} [${describe(settings)}]`,
      () => {
        const network = this.existingNetwork(networkId);
        if (!container) throw new EngineError(`No such container: ${containerId}`, { kind: 'not-found' });
        if (container.endpoints[network.name]) {
          throw new EngineError(
            `endpoint with name ${container.name} already exists in network ${network.name}`,
            {
              kind: 'refused',
            },
          );
        }
        container.endpoints[network.name] = endpointOf(network, settings);
      },
    );
  }

  disconnect(networkId: string, containerId: string): Promise<void> {
    const container = this.containers.get(containerId);
    return this.call(
      `disconnect ${container?.name ?? containerId} from ${this.networkName(networkId)}`,
      () => {
        const network = this.existingNetwork(networkId);
        if (!container?.endpoints[network.name]) {
          throw new EngineError(`container ${containerId} is not connected to network ${network.name}`, {
            kind: 'refused',
          });
        }
        delete container.endpoints[network.name];
      },
    );
  }

  /** The containers attached to the network, then what the test set in `listed` (a read: not recorded). */
  networkEndpoints(networkId: string): Promise<NetworkEndpoint[] | undefined> {
    const network = this.networks.get(networkId);
    if (!network) return Promise.resolve(undefined);
    this.onEndpointsRead?.(network.name);
    const attached = [...this.containers.values()]
      .filter((c) => c.endpoints[network.name]?.networkId === network.id)
      .map((c) => ({ key: c.id, name: c.name }));
    return Promise.resolve([...attached, ...(this.listed.get(network.name) ?? [])]);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async call<T>(call: string, act: () => T): Promise<T> {
    // One turn of the event loop, as a request would take: concurrent calls interleave.
    await Promise.resolve();
    this.onCall?.(call);
    if (this.hangsOn(call)) return new Promise<T>(() => undefined);
    const fault = this.faults.find((f) => f.match(call));
    if (fault) {
      if (fault.skip > 0) fault.skip -= 1;
      else {
        this.faults.splice(this.faults.indexOf(fault), 1);
        this.calls.push(`${call} -> ${fault.kind}`);
        throw new EngineError(`injected ${fault.kind}: ${call}`, { kind: fault.kind });
      }
    }
    try {
      const value = act();
      this.calls.push(call);
      return value;
    } catch (error) {
      this.calls.push(`${call} -> ${error instanceof EngineError ? error.kind : 'error'}`);
      throw error;
    }
  }

  /** True (and recorded) when `call` is the one `hangOn` asked to hang: the caller never answers. */
  protected hangsOn(call: string): boolean {
    if (this.hangPrefix === undefined || !call.startsWith(this.hangPrefix)) return false;
    this.hangPrefix = undefined;
    this.calls.push(`${call} -> hangs`);
    this.reportHang(call);
    return true;
  }

  private existingNetwork(networkId: string): ObservedNetwork {
    const network = this.networks.get(networkId);
    if (!network) throw new EngineError(`network ${networkId} not found`, { kind: 'not-found' });
    return network;
  }

  private networkName(networkId: string): string {
    return this.networks.get(networkId)?.name ?? networkId;
  }

  private id(hint: string): string {
    return `${hint}-${String(this.nextId++).padStart(4, '0')}`;
  }
}

function endpointOf(network: ObservedNetwork, settings: EndpointSettings): ObservedEndpoint {
  return {
    networkId: network.id,
    networkName: network.name,
    aliases: [...settings.aliases],
    aliasesKnown: true,
    ...(settings.ipv4Address !== undefined
      ? { configuredIPv4: settings.ipv4Address, ipv4Address: settings.ipv4Address }
      : {}),
    ...(settings.ipv6Address !== undefined
      ? { configuredIPv6: settings.ipv6Address, ipv6Address: settings.ipv6Address }
      : {}),
    configuredLinkLocalIps: [...settings.linkLocalIps],
    ...(settings.macAddress !== undefined ? { macAddress: settings.macAddress } : {}),
    driverOpts: { ...settings.driverOpts },
    ...(settings.priority !== undefined ? { priority: settings.priority } : {}),
  };
}

/** `10.2.0.10 w1 w2`: the addresses and aliases a connect asks for. */
function describe(settings: EndpointSettings): string {
  return [settings.ipv4Address, settings.ipv6Address, ...settings.linkLocalIps, ...settings.aliases]
    .filter((part) => part !== undefined)
    .join(' ');
}

export const ENGINE_20_10: EngineInfo = {
  version: '20.10.24+dfsg1',
  apiVersion: '1.41',
  engineApiVersion: '1.41',
  minApiVersion: '1.12',
  os: 'linux',
  arch: 'amd64',
  swarmState: 'inactive',
  swarmControl: false,
};
