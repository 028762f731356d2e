/**
 * What the engine reports, converted from the Engine API's JSON into typed records by
 * src/docker/convert.ts (pure, so recorded payloads of engines we cannot run are testable) and
 * left otherwise raw: daemon defaults (the gateway it picked, the short-id alias, random MACs, an
 * automatic IPv6 /64 ...) are still here. src/core/normalize-observed.ts decides what of it is
 * drift. Addresses and CIDRs are already canonical (see DesiredState).
 */
export interface EngineInfo {
  /** The daemon's version, e.g. `20.10.24+dfsg1`. */
  version: string;
  /** The API version negotiated for this session (min of the engine's and ours). */
  apiVersion: string;
  /** The engine's own maximum API version. */
  engineApiVersion: string;
  minApiVersion?: string;
  os: string;
  arch: string;
  /** `inactive`, `pending`, `active`, `error` or `locked`, as /info reports LocalNodeState. */
  swarmState: string;
  /** True when this node is a swarm manager (overlay networks can be created). */
  swarmControl: boolean;
}

export interface ObservedIpamPool {
  subnet: string;
  ipRange?: string;
  gateway?: string;
  auxAddresses: Record<string, string>;
}

export interface ObservedNetwork {
  id: string;
  name: string;
  driver: string;
  scope: string;
  attachable: boolean;
  internal: boolean;
  ingress: boolean;
  configOnly: boolean;
  configFrom?: string;
  enableIPv6: boolean;
  /** Only reported from API 1.48 (Engine 28); absent means IPv4 is enabled. */
  enableIPv4?: boolean;
  ipam: { driver: string; options: Record<string, string>; config: ObservedIpamPool[] };
  options: Record<string, string>;
  labels: Record<string, string>;
  created?: string;
}

export interface ObservedEndpoint {
  networkId: string;
  /**
   * The engine's EndpointID, as reported: empty when the container has no live endpoint on the
   * network (it is not running, or the engine refused the connect and kept the entry anyway);
   * absent when not reported. src/core/normalize-observed.ts decides what such an entry is.
   */
  endpointId?: string;
  /** The network's name as the container's NetworkSettings key shows it. */
  networkName: string;
  /** As reported: may include the short id (up to API 1.44) or be null-ish (lists). */
  aliases: string[];
  /**
   * False when the aliases come from a container list, which does not carry them: such an
   * endpoint's aliases are unknown, not empty.
   */
  aliasesKnown: boolean;
  /** DNS names (API 1.44+): container name, short id, aliases. Informational only. */
  dnsNames?: string[];
  /** Static addresses the user configured (IPAMConfig), canonical; absent when none. */
  configuredIPv4?: string;
  configuredIPv6?: string;
  configuredLinkLocalIps: string[];
  /** Addresses the daemon assigned (empty while the container is not running). */
  ipv4Address?: string;
  ipv6Address?: string;
  macAddress?: string;
  driverOpts: Record<string, string>;
  /** GwPriority (API 1.48+); absent when 0. */
  gwPriority?: number;
}

/** `running`, `created`, `exited`, `paused`, `restarting`, `removing`, `dead`. */
export type ContainerState = string;

export interface ObservedContainer {
  id: string;
  /** Without the leading slash. */
  name: string;
  state: ContainerState;
  labels: Record<string, string>;
  /**
   * Only for a container that shares another container's network stack (`--network
   * container:X`): `container:<id>` as HostConfig.NetworkMode reports it. Docker cannot connect
   * such a container to any network, and it has no endpoint of its own. Absent otherwise (host
   * and none show as the container's only endpoint).
   */
  networkMode?: string;
  /**
   * Keyed by network name. Taken from the container (its NetworkSettings), which carries the
   * attachments of created and stopped containers too; a network's own Containers list does not.
   */
  endpoints: Record<string, ObservedEndpoint>;
}

export interface ObservedState {
  engine: EngineInfo;
  networks: ObservedNetwork[];
  containers: ObservedContainer[];
  /** The engine's swarm role, when it was read (docs/swarm.md). */
  swarm?: SwarmRole;
  /** Swarm services, read through a manager; absent when not read (not the same as none). */
  services?: ObservedService[];
  /**
   * The swarm's nodes, read through a manager together with its services (GET /nodes); absent
   * when not read. A replace or removal of the ingress network needs every one of them among the
   * session's engines (docs/swarm.md, "The ingress network").
   */
  swarmNodes?: ObservedSwarmNode[];
}

/*
 * Swarm (docs/swarm.md). Read through the optional swarm capabilities of the DockerPort; a later
 * observe of several engines fills `ObservedState.swarm` and, on a manager, `services`.
 */

/** The engine's place in a swarm, from GET /info's `Swarm`. */
export interface SwarmRole {
  /** `inactive`, `pending`, `active`, `error` or `locked`. */
  localNodeState: string;
  /**
   * This node's ID, empty outside a swarm. Nodes that share a UTS namespace (or a hostname)
   * report the same hostname, so the node ID is what tells them apart.
   */
  nodeId: string;
  /** The address the node advertises to the swarm. */
  nodeAddr?: string;
  /** True on a manager: cluster objects (swarm networks, services) are read and changed there. */
  controlAvailable: boolean;
  /** The cluster's ID; only managers report it. */
  clusterId?: string;
  /** The managers this node knows (workers report them too), sorted by node ID. */
  remoteManagers: { nodeId: string; addr: string }[];
}

/** A node of the swarm as its manager lists it (GET /nodes). */
export interface ObservedSwarmNode {
  /** The node ID: nodes that share a hostname (one UTS namespace) differ only by it. */
  id: string;
  /** `Description.Hostname`. */
  hostname: string;
  /** `Status.Addr`: the node's address as the swarm sees it. */
  addr: string;
  /** `Spec.Role`: `manager` or `worker`. */
  role: string;
  /** `Status.State`: `ready`, `down`, `unknown` or `disconnected`. */
  state: string;
  /** True for the node of the engine that listed them (GET /info's `Swarm.NodeID`). */
  self: boolean;
}

/** One entry of a service's `Spec.TaskTemplate.Networks` (NetworkAttachmentConfig). */
export interface ObservedServiceNetwork {
  /** The network's ID (`Target`): the Engine API keeps IDs there. */
  networkId: string;
  /** The network's name from the manager's network list; absent when no network has that ID. */
  networkName?: string;
  /** As the spec holds them (sorted, de-duplicated). */
  aliases: string[];
  driverOpts: Record<string, string>;
}

/** A Swarm service as a manager reports it (GET /services). */
export interface ObservedService {
  id: string;
  name: string;
  /**
   * `Version.Index`, sent back with an update. It moves on every write to the service object,
   * the engine's own included (update status, endpoint allocation), so it is only a guard: an
   * update sent with an older one is refused ("update out of sequence").
   */
  version: number;
  labels: Record<string, string>;
  /** `com.docker.stack.namespace`: the stack that `docker stack deploy` made it for. */
  stack?: string;
  mode: 'replicated' | 'global' | 'replicated-job' | 'global-job' | 'unknown';
  /** Replicated services only. */
  replicas?: number;
  /** The service's networks in the spec's order. */
  networks: ObservedServiceNetwork[];
  /**
   * True when the networks come from the deprecated top-level `Spec.Networks` (services made by
   * old clients): an update moves them to `Spec.TaskTemplate.Networks`.
   */
  legacyNetworks: boolean;
  /** `UpdateStatus.State` (`updating`, `completed`, `paused`, `rollback_started` …), if any. */
  updateState?: string;
  /**
   * The ports it publishes through the routing mesh (`Spec.EndpointSpec.Ports` in `ingress` mode,
   * the default), as `8080:80/tcp`: while there are any, the engine refuses to remove the ingress
   * network (docs/swarm.md, "The ingress network"). Absent: none.
   */
  ingressPorts?: string[];
  /** From `ServiceStatus` (API 1.41+: `?status=true`). */
  runningTasks?: number;
  desiredTasks?: number;
}

/** One task of a service (GET /tasks). */
export interface ObservedTask {
  id: string;
  serviceId: string;
  /** The node it is scheduled on; empty while unassigned. */
  nodeId: string;
  /** Replicated services' slot; absent for global ones. */
  slot?: number;
  desiredState: string;
  state: string;
  /** The task's error, when it failed. */
  error?: string;
  /** The container's ID once one was created. */
  containerId?: string;
  createdAt?: string;
  /** The overlay addresses the manager allocated, by network name (local-scope IPAM leaves these empty). */
  addresses: Record<string, string[]>;
  /**
   * The IDs of the networks it is attached to (`NetworksAttachments`): a network replaced under
   * the same name is told from the new one by ID only.
   */
  networkIds: string[];
}
