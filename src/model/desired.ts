import type { SourcePosition } from './diagnostic.js';

/**
 * The canonical desired state: what a validated spec means, with every shorthand expanded, every
 * default made explicit where the daemon does not choose it, and every value in the form that
 * compares by value. Produced by `normalizeSpec` (src/spec/normalize.ts) and consumed by the pure
 * core. Never built by hand outside tests.
 *
 * Canonical forms, which comparisons rely on:
 * - CIDRs and addresses: lower-case, zero-compressed (`fdd1:ac8c:557:7ce0::/64`, `10.0.42.0/24`).
 * - Maps (labels, options, aux addresses): plain objects whose values are strings (YAML booleans
 *   and numbers are stringified: `true` -> "true", `5` -> "5").
 * - Lists compared as sets (aliases, link-local IPs) are sorted and de-duplicated.
 */
export interface DesiredState {
  /** Ownership scope: written to `io.netform.project` on every network netform creates. */
  project: string;
  /** Keyed by the Docker network name. */
  networks: Record<string, DesiredNetwork>;
  /** Keyed by the container name (as `docker ps` shows it, without a leading slash). */
  containers: Record<string, DesiredContainer>;
}

export interface DesiredIpamPool {
  /** Canonical CIDR. */
  subnet: string;
  ipRange?: string;
  /** Absent means "the daemon picks", which is never drift. */
  gateway?: string;
  /** Name -> canonical address. Empty means none. */
  auxAddresses: Record<string, string>;
}

export interface DesiredIpam {
  /** `default` unless the spec names another IPAM driver. */
  driver: string;
  options: Record<string, string>;
  /**
   * Sorted by subnet (IPv4 before IPv6, then by address value). Empty means the daemon picks
   * subnets from its default pools: then no observed subnet is drift.
   */
  config: DesiredIpamPool[];
}

export interface DesiredNetwork {
  name: string;
  /** `bridge` when the spec is silent. */
  driver: string;
  /**
   * `external: true`: must exist, is never created, changed or removed. All other fields are
   * meaningless for an external network.
   */
  external: boolean;
  /** Containers on it that the spec does not list are disconnected. */
  exclusive: boolean;
  attachable: boolean;
  internal: boolean;
  /** False: an IPv6-only network (Engine 28, API 1.48). True when the spec is silent. */
  enableIPv4: boolean;
  enableIPv6: boolean;
  /** The swarm's routing-mesh network (`docker network create --ingress`). */
  ingress: boolean;
  /** `local`, `swarm` or `global`; absent means the driver's default. */
  scope?: string;
  ipam: DesiredIpam;
  /** The user's labels only; netform's own `io.netform.*` labels are added by the executor. */
  labels: Record<string, string>;
  /** Driver options, with the `parent` shorthand folded in as `parent`. */
  driverOpts: Record<string, string>;
  /** Where the network is declared, for diagnostics raised later in the pipeline. */
  source?: SourcePosition;
}

/** How one container sits on one network. Also the shape of an observed endpoint's settings. */
export interface EndpointSettings {
  /** Sorted, de-duplicated; never includes the container's name or short id. */
  aliases: string[];
  /** A static address the user asked for (canonical form). Absent: the daemon assigns one. */
  ipv4Address?: string;
  ipv6Address?: string;
  /** Sorted, canonical. */
  linkLocalIps: string[];
  /** Lower-case, colon separated. Absent: the daemon picks (random from Engine 28). */
  macAddress?: string;
  /**
   * Endpoint driver options, with `interface_name` folded in as
   * `com.docker.network.endpoint.ifname` (INTERFACE_NAME_OPTION), the option the engine reads.
   */
  driverOpts: Record<string, string>;
  /** `gw_priority`: the endpoint with the highest one gives the default route (API 1.48); absent means 0. */
  gwPriority?: number;
  /**
   * Compose's `priority`: the order in which netform connects a container's networks, highest
   * first. netform's own, never sent to nor read from the engine, so never compared: only the
   * spec's side carries it.
   */
  priority?: number;
}

/** The endpoint driver option that names the interface inside the container (Engine 28). */
export const INTERFACE_NAME_OPTION = 'com.docker.network.endpoint.ifname';

export interface DesiredAttachment extends EndpointSettings {
  container: string;
  network: string;
  source?: SourcePosition;
}

export interface DesiredContainer {
  name: string;
  /** Keyed by network name. Only networks the spec declares appear here. */
  attachments: Record<string, DesiredAttachment>;
  source?: SourcePosition;
}

/** Labels netform writes on every network it creates. */
export const MANAGED_LABEL = 'io.netform.managed';
export const PROJECT_LABEL = 'io.netform.project';

/** Networks Docker predefines; netform never creates, changes or removes them. */
export const PREDEFINED_NETWORKS: readonly string[] = ['bridge', 'host', 'none'];
