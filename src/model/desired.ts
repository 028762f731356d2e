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
  /**
   * Keyed by rule name. Absent when the spec has none (and in plan files written before
   * selectors existed). Which containers a rule matches is only known against an engine:
   * `expandSelectors` (src/core/selectors.ts) turns the rules into container attachments.
   */
  selectors?: Record<string, DesiredSelector>;
  /**
   * Swarm services, keyed by service name (docs/swarm.md). Absent when the spec has no
   * `services:` key (then services are not the spec's business at all).
   */
  services?: Record<string, DesiredService>;
  /**
   * Present when the state was read from a Compose file (src/compose, docs/compose.md): its
   * containers are the Compose services. `validate` checks it; netform never plans or applies it,
   * since Compose creates those networks.
   */
  compose?: ComposeOrigin;
  // --- Several engines (docs/spec.md#engines) ---
  /**
   * The engines the spec covers, keyed by the spec's name for each. Absent: one engine, reached
   * by --host / DOCKER_HOST / the docker context / the local socket. `desiredForEngine`
   * (src/core/engine-projection.ts) turns a spec with engines into one DesiredState per engine.
   */
  engines?: Record<string, DesiredEngine>;
  /**
   * In one engine's part of a spec with `engines:` (`desiredForEngine`): the names of the spec's
   * networks, containers and services that this part leaves out, sorted; absent when none. A
   * `--target` naming one of them plans nothing on this engine instead of being unknown there
   * (NF205 is for a name no engine's part knows; docs/plan.md).
   */
  namesOnOtherEngines?: string[];
}

/** What the engine checks need to know about a Compose project beyond the networks themselves. */
export interface ComposeOrigin {
  /** Compose's project name (its label com.docker.compose.project). */
  project: string;
  /** Docker network name -> the network's key in the Compose file (label com.docker.compose.network). */
  networkKeys: Record<string, string>;
  /** Service -> the Docker name of its primary network, the one Compose creates the container on. */
  primaryNetworks: Record<string, string>;
  /** Docker names of the networks with `enable_ipv4: false` (IPv6 only; Engine API 1.48+). */
  ipv4Disabled: string[];
}

// --- Several engines (docs/spec.md#engines) ---

/** How to reach one engine of the spec: `host` (with TLS files) or a docker `context`, never both. */
export interface DesiredEngine {
  name: string;
  /** unix://, tcp:// or ssh:// as written. */
  host?: string;
  /**
   * TLS files for a tcp:// host, resolved against the directory of the spec file that names them
   * (absolute when the spec was loaded with loadSpec). Present: TLS, verifying the engine.
   */
  tls?: { ca?: string; cert?: string; key?: string };
  /** A docker context name, resolved through the docker CLI's context store when connecting. */
  context?: string;
  source?: SourcePosition;
}

/**
 * A network's settings on one engine, as the spec wrote them under `networks.X.engines.E`
 * (canonical forms). How they combine with the network's own is stated once, in
 * `desiredForEngine` (src/core/engine-projection.ts).
 */
export interface DesiredNetworkOnEngine {
  /** Replaces the network's parent (driverOpts.parent). */
  parent?: string;
  /** Each replaces the ip_range of the pool whose subnet contains it (one per pool at most). */
  ipRanges: string[];
  /** Each replaces the gateway of the pool whose subnet contains it (one per pool at most). */
  gateways: string[];
  /** Replaces the network's aux addresses; each goes to the pool whose subnet contains it. */
  auxAddresses?: Record<string, string>;
  /** Merged over the network's driver options. */
  driverOpts: Record<string, string>;
  /** Merged over the network's labels. */
  labels: Record<string, string>;
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
  /**
   * A swarm-scoped macvlan/ipvlan network is made from config-only networks of this name, one per
   * node, which hold the IPAM, the parent and the driver options (docs/swarm.md). Set for every
   * macvlan/ipvlan network with scope `swarm` (`config_from`, default `<name>-config`).
   */
  configFrom?: string;
  /**
   * A config-only network (`docker network create --config-only`): it only holds the IPAM, parent
   * and driver options a swarm network made from it takes on this node. The spec never declares
   * one: the swarm session derives it from a network with `configFrom` (src/core/swarm-fleet.ts,
   * docs/swarm.md). Absent: false.
   */
  configOnly?: boolean;
  ipam: DesiredIpam;
  /** The user's labels only; netform's own `io.netform.*` labels are added by the executor. */
  labels: Record<string, string>;
  /** Driver options, with the `parent` shorthand folded in as `parent`. */
  driverOpts: Record<string, string>;
  /** Where the network is declared, for diagnostics raised later in the pipeline. */
  source?: SourcePosition;
  /**
   * The spec's key for the network when it differs from the Docker name (Compose's `name:`), so
   * diagnostics raised later name the spec's path. Like `source`, not part of a plan.
   */
  specKey?: string;
  /** The engines it exists on, with its settings there. Absent: every engine of the spec. */
  engines?: Record<string, DesiredNetworkOnEngine>;
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
  /**
   * Set only on the attachments `expandSelectors` makes: which entries of the spec give it (the
   * container's own entry under `containers:` and/or selector rules). Absent: the container's
   * own entry alone.
   */
  origin?: AttachmentOrigin;
}

export interface DesiredContainer {
  name: string;
  /** Keyed by network name. Only networks the spec declares appear here. */
  attachments: Record<string, DesiredAttachment>;
  source?: SourcePosition;
  /**
   * Set only on the containers `expandSelectors` makes or extends: whether the container is
   * listed under `containers:` and which selector rules match it. Absent: listed, matched by none.
   */
  origin?: AttachmentOrigin;
  /** The engines it runs on (sorted; `all` expanded). Absent: the spec declares no engines. */
  engines?: string[];
}

/** Which entries of the spec ask for a container or one of its attachments. */
export interface AttachmentOrigin {
  /** The container's own entry under `containers:`. */
  listed: boolean;
  /** Names of the selector rules, sorted. */
  selectors: string[];
}

/**
 * A rule under `selectors:`: every container whose labels include all of `matchLabels` is treated
 * as if it were listed with `attachments` (docs/spec.md, "Selectors").
 */
export interface DesiredSelector {
  /** The rule's key under `selectors:`. */
  name: string;
  /** Label key -> value, all of which a container must carry (values as YAML wrote them). Never empty. */
  matchLabels: Record<string, string>;
  /**
   * `all` or engine names, as written; desiredForEngine (src/core/engine-projection.ts) keeps the
   * rule on the engines it names.
   */
  engines?: 'all' | string[];
  /** Keyed by Docker network name, like a container's. */
  attachments: Record<string, SelectorAttachment>;
  source?: SourcePosition;
}

/** What a rule gives each matched container on one network: never static addresses, link-local addresses or a MAC. */
export interface SelectorAttachment extends EndpointSettings {
  network: string;
  source?: SourcePosition;
}

/**
 * How a service's tasks sit on one network: only aliases and endpoint driver options, since Swarm
 * gives every task its own address (docs/swarm.md).
 */
export interface DesiredServiceAttachment {
  service: string;
  /** The network's Docker name. */
  network: string;
  /** Sorted, de-duplicated. */
  aliases: string[];
  driverOpts: Record<string, string>;
  source?: SourcePosition;
}

export interface DesiredService {
  name: string;
  /** Keyed by network name. Only networks the spec declares appear here. */
  attachments: Record<string, DesiredServiceAttachment>;
  source?: SourcePosition;
}

/** Labels netform writes on every network it creates. */
export const MANAGED_LABEL = 'io.netform.managed';
export const PROJECT_LABEL = 'io.netform.project';

/** Networks Docker predefines; netform never creates, changes or removes them. */
export const PREDEFINED_NETWORKS: readonly string[] = ['bridge', 'host', 'none'];
