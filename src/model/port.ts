import type { EndpointSettings } from './desired.js';
import type { EngineInfo, ObservedService, ObservedState, ObservedTask, SwarmRole } from './observed.js';

/** What the engine is asked to create: DesiredNetwork plus the labels the executor adds. */
export interface NetworkCreateRequest {
  name: string;
  driver: string;
  scope?: string;
  attachable: boolean;
  internal: boolean;
  /** False: IPv6-only (API 1.48+). Absent: enabled, the engine's default. */
  enableIPv4?: boolean;
  enableIPv6: boolean;
  /** The swarm's routing-mesh network. */
  ingress?: boolean;
  configOnly?: boolean;
  /**
   * A swarm-scoped network made from the config-only network of this name on each node. The
   * engine refuses IPAM settings, driver options, IPv6 and labels beside it, so the request body
   * leaves them out (docs/swarm.md).
   */
  configFrom?: string;
  ipam: {
    driver: string;
    options: Record<string, string>;
    config: { subnet: string; ipRange?: string; gateway?: string; auxAddresses: Record<string, string> }[];
  };
  options: Record<string, string>;
  labels: Record<string, string>;
}

export interface ObserveOptions {
  /**
   * Inspect (for aliases) only containers with an endpoint on one of these networks, or named in
   * `containers`. Absent: inspect every container that has an endpoint on any user network.
   */
  networks?: string[];
  containers?: string[];
  /**
   * Adds the networks managed by this project (labels io.netform.managed=true and
   * io.netform.project=<project>) to `networks`: a plan removes those, so it needs their endpoints.
   */
  project?: string;
  /**
   * On a swarm manager, read the services too (ObservedState.services). A manager also reads them
   * without this when the project manages a swarm network (a removal takes services off it).
   */
  services?: boolean;
}

/**
 * The engine, as the rest of netform sees it. src/docker/ is the only implementation and the only
 * code that talks to the engine (through docker-modem, dockerode's transport). Network and container arguments are IDs wherever the caller has
 * one (names are only exact for networks the caller just created): Docker resolves a container
 * argument by ID prefix too, so a name must never be passed where it could be mistaken for one.
 *
 * Every call has a timeout and rejects with an EngineError carrying the engine's own message.
 */
export interface DockerPort {
  /** Human-readable engine address, e.g. `unix:///var/run/docker.sock`. */
  readonly host: string;
  engineInfo(): Promise<EngineInfo>;
  observe(options?: ObserveOptions): Promise<ObservedState>;
  /** Returns the new network's ID. */
  createNetwork(request: NetworkCreateRequest): Promise<string>;
  removeNetwork(networkId: string): Promise<void>;
  connect(networkId: string, containerId: string, settings: EndpointSettings): Promise<void>;
  disconnect(networkId: string, containerId: string, options?: { force?: boolean }): Promise<void>;
  /** Releases sockets (keep-alive agents, ssh sessions). */
  close(): Promise<void>;
  /** Engine API calls made through this port so far, for tests and benchmarks (optional). */
  stats?(): EngineCallStats;
  /**
   * Subscribes to the engine's event stream (GET /events), for `netform watch`. Resolves once the
   * engine has accepted the subscription, so nothing that happens after that is missed. Optional:
   * a port without it cannot be watched.
   */
  events?(options: EventOptions): Promise<EventStream>;

  // ---- Swarm (optional capabilities; docs/swarm.md) -------------------------------------------
  // Implemented by src/docker/ for every engine; an in-memory port may leave them out. Services and
  // tasks can only be read and changed through a manager: on a worker these reject with the
  // engine's own words ("This node is not a swarm manager ...").

  /** The engine's place in a swarm (GET /info, read once per session with engineInfo()). */
  swarmRole?(): Promise<SwarmRole>;
  /** Every service, with its networks named from the manager's network list. */
  listServices?(): Promise<ObservedService[]>;
  /** One service by exact name or ID; undefined when there is none. */
  inspectService?(nameOrId: string): Promise<ObservedService | undefined>;
  /**
   * Sets a service's networks in one `POST /services/{id}/update?version=N`: the service's spec
   * as the engine has it, with only `TaskTemplate.Networks` replaced. `version` is the one read
   * at plan time; when the service moved on since, rejects with ServiceVersionConflictError and
   * changes nothing. One update restarts the service's tasks (a rolling update).
   */
  updateServiceNetworks?(
    serviceId: string,
    version: number,
    networks: ServiceNetworkAttachment[],
  ): Promise<ServiceUpdateOutcome>;
  /** The tasks of one service (every state the manager still keeps). */
  listServiceTasks?(serviceId: string): Promise<ObservedTask[]>;
  /**
   * The endpoints this engine knows on one network (GET /networks/{id}?verbose=true): its own
   * (`Containers`; on the ingress network also the routing mesh's own sandbox, key
   * `ingress-sbox`) and, on a swarm network, the tasks of services on it on other nodes as the
   * swarm tells this node of them (`Services`). Undefined when the engine does not know the
   * network. Read before the ingress network is removed (docs/swarm.md, "The ingress network").
   */
  networkEndpoints?(networkId: string): Promise<NetworkEndpoint[] | undefined>;
}

/** One endpoint on a network (GET /networks/{id}?verbose=true). */
export interface NetworkEndpoint {
  /**
   * The engine's key: a container's ID, a sandbox's name (`ingress-sbox`, `lb-NET`), or for a
   * task on another node its endpoint's ID.
   */
  key: string;
  /** The container's name (a task's: `web.1.<task id>`), or the sandbox endpoint's. */
  name: string;
  /** For a task on another node: that node's address, as the swarm reports it. */
  node?: string;
}

/** Object types whose events netform can follow. */
export type EngineEventType = 'network' | 'container' | 'service';

export interface EventOptions {
  /**
   * The actions to receive, by object type (`network: ['connect', 'disconnect']`). Service events
   * are asked for only where the engine is a swarm manager: other engines have none.
   */
  actions: Partial<Record<EngineEventType, readonly string[]>>;
}

/** One event from the engine, as GET /events reports it. */
export interface EngineEvent {
  type: EngineEventType;
  /** `create`, `connect`, `start`, `update` ... */
  action: string;
  /** The object's ID (a network's, container's or service's). */
  id: string;
  /** The engine's attributes: `name`, and for network connects `container` (its ID), ... */
  attributes: Record<string, string>;
  /** When it happened, by the engine's clock, in milliseconds since the epoch. */
  time: number;
}

/**
 * A live subscription. Iterating yields events as they come; the iteration ends when `close()`
 * is called, and throws an EngineError when the engine ends the stream or goes away.
 */
export interface EventStream extends AsyncIterable<EngineEvent> {
  close(): void;
}

/** One network of a service, as an update sends it. */
export interface ServiceNetworkAttachment {
  /** The network's ID: the Engine API keeps IDs in `Target`, never names. */
  networkId: string;
  aliases: string[];
  driverOpts: Record<string, string>;
}

export interface ServiceUpdateOutcome {
  /** The engine's warnings (an image it could not resolve, say). */
  warnings: string[];
}

/** Counts of Engine API calls, in total and by route (`GET /networks`, `GET /containers/{id}/json` ...). */
export interface EngineCallStats {
  total: number;
  byRoute: Record<string, number>;
}
