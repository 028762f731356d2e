import type { DesiredIpamPool, DesiredNetwork, EndpointSettings } from '../model/desired.js';
import { CONFIG_ONLY_DRIVER, DEFAULT_IPAM_DRIVER, ipamDriverName } from '../model/docker-rules.js';
import type {
  ObservedContainer,
  ObservedEndpoint,
  ObservedIpamPool,
  ObservedNetwork,
  ObservedState,
} from '../model/observed.js';
import {
  addressOfValue,
  canonicalAddress,
  canonicalCidr,
  compareCidrText,
  parseAddress,
  parseCidr,
} from './cidr.js';
import { daemonGatewayValue } from './daemon-gateway.js';
import { isClusterNetwork } from './swarm-fleet.js';
import { userLabels } from './ownership.js';

export { daemonGatewayValue } from './daemon-gateway.js';

/**
 * The one definition of "default vs drift" (PRODUCT.md §2, §5). Diff, plan-file fingerprints
 * and export all compare networks and endpoints only through the functions in this file.
 */

/**
 * The parts of a network Docker cannot change in place, in a form where equal means "no drift".
 * Built from the spec by `comparableDesiredNetwork` and from the engine by
 * `normalizeObservedNetwork`.
 */
export interface ComparableNetwork {
  driver: string;
  /** Undefined: the driver's default (not compared). */
  scope?: string;
  attachable: boolean;
  internal: boolean;
  /** Engines before API 1.48 report no EnableIPv4: absent there means enabled. */
  enableIPv4: boolean;
  enableIPv6: boolean;
  ingress: boolean;
  ipam: { driver: string; options: Record<string, string>; config: DesiredIpamPool[] };
  /** The user's labels only (no `io.netform.*`). */
  labels: Record<string, string>;
  /** Without options the daemon sets by itself to their default values. */
  driverOpts: Record<string, string>;
  /** Set (true) only for a config-only network, so other networks compare as before. */
  configOnly?: true;
  /** The config-only network a swarm network is made from (compared when either side has one). */
  configFrom?: string;
}

/**
 * Options some engines add to every network by themselves (Engine 28 records enable_ipv4 and
 * enable_ipv6; some drivers record their defaults). An option with exactly this value means the
 * same as the option being absent, on either side.
 */
const DAEMON_OPTION_DEFAULTS: Record<string, (ipv6: boolean, ipv4: boolean) => string> = {
  'com.docker.network.enable_ipv4': (_v6, v4) => String(v4),
  'com.docker.network.enable_ipv6': (v6) => String(v6),
  'com.docker.network.bridge.enable_icc': () => 'true',
  'com.docker.network.bridge.enable_ip_masquerade': () => 'true',
  'com.docker.network.bridge.host_binding_ipv4': () => '0.0.0.0',
  'com.docker.network.driver.mtu': () => '1500',
  'com.docker.network.bridge.gateway_mode_ipv4': () => 'nat',
  'com.docker.network.bridge.gateway_mode_ipv6': () => 'nat',
};

/**
 * Options the daemon fills with a value of its own choosing when the user gives none (the VXLAN
 * id of an overlay network): not drift unless the spec sets them.
 */
const DAEMON_ASSIGNED_OPTIONS: ReadonlySet<string> = new Set([
  'com.docker.network.driver.overlay.vxlanid_list',
]);

/** Removes the options the daemon assigned by itself, unless the spec sets them (`wanted`). */
function withoutDaemonAssignedOptions(
  options: Record<string, string>,
  wanted: Record<string, string> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!DAEMON_ASSIGNED_OPTIONS.has(key) || (wanted !== undefined && key in wanted)) out[key] = value;
  }
  return out;
}

/** Removes options whose value is what the daemon would have set by itself. */
export function withoutDaemonDefaultOptions(
  options: Record<string, string>,
  enableIPv6: boolean,
  enableIPv4 = true,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(options)) {
    const daemonValue = DAEMON_OPTION_DEFAULTS[key]?.(enableIPv6, enableIPv4);
    if (daemonValue === undefined || daemonValue !== value) out[key] = value;
  }
  return out;
}

/** The scope a driver gets when none is asked for. */
export function defaultScopeOf(driver: string): string {
  return driver === 'overlay' ? 'swarm' : 'local';
}

const familyOf = (cidr: string): 4 | 6 | undefined => parseCidr(cidr)?.family;

/** daemonGatewayValue as canonical text. */
function daemonGateway(pool: { subnet: string; ipRange?: string }): string | undefined {
  const family = familyOf(pool.subnet);
  const value = daemonGatewayValue(pool);
  return family === undefined || value === undefined ? undefined : addressOfValue(value, family);
}

function isDaemonDefaultGateway(pool: { subnet: string; ipRange?: string }, gateway: string): boolean {
  const address = parseAddress(gateway);
  return address !== undefined && address.value === daemonGatewayValue(pool);
}

const sortPools = (pools: DesiredIpamPool[]): DesiredIpamPool[] =>
  [...pools].sort((a, b) => compareCidrText(a.subnet, b.subnet));

/**
 * Canonical text, memoised: plans compare the same few hundred CIDRs thousands of times, and
 * parsing them is most of the cost of a large plan. Bounded so a long-lived process cannot grow it.
 */
const canonicalCache = new Map<string, string>();
function cached(kind: 'cidr' | 'address', text: string): string {
  const key = `${kind} ${text}`;
  let value = canonicalCache.get(key);
  if (value === undefined) {
    if (canonicalCache.size > 50_000) canonicalCache.clear();
    value = kind === 'cidr' ? canonicalCidr(text) : canonicalAddress(text);
    canonicalCache.set(key, value);
  }
  return value;
}
const cidrText = (text: string): string => cached('cidr', text);
const addressText = (text: string): string => cached('address', text);

function canonicalPool(pool: ObservedIpamPool | DesiredIpamPool): DesiredIpamPool {
  const aux: Record<string, string> = {};
  for (const [name, address] of Object.entries(pool.auxAddresses)) aux[name] = addressText(address);
  return {
    subnet: cidrText(pool.subnet),
    ...(pool.ipRange !== undefined && { ipRange: cidrText(pool.ipRange) }),
    ...(pool.gateway !== undefined && { gateway: addressText(pool.gateway) }),
    auxAddresses: aux,
  };
}

/**
 * The observed pools with the daemon's choices taken out, relative to what the spec says:
 * - an address family the spec gives no subnet of is the daemon's to pick (its default pools, the
 *   IPv4 pool Engine 20.10 adds beside a lone IPv6 subnet, the IPv6 /64 of Engine 27+), so the
 *   observed pools of that family are dropped;
 * - a gateway the spec does not give is the daemon's pick;
 * - no gateway reported (20.10: the daemon picked it) is compared as the daemon's pick.
 * Without a spec (export), every pool is kept and a gateway is dropped when it is the daemon's
 * own pick (daemonGatewayValue).
 */
function normalizeObservedPools(
  observed: ObservedIpamPool[],
  desired?: DesiredIpamPool[],
): DesiredIpamPool[] {
  const pools = observed.map(canonicalPool);
  if (desired === undefined) {
    return sortPools(
      pools.map((pool) => {
        if (pool.gateway !== undefined && isDaemonDefaultGateway(pool, pool.gateway)) {
          const { gateway: _gateway, ...rest } = pool;
          return rest;
        }
        return pool;
      }),
    );
  }
  const wanted = desired.map(canonicalPool);
  const families = new Set(wanted.map((pool) => familyOf(pool.subnet)));
  return sortPools(
    pools
      .filter((pool) => families.has(familyOf(pool.subnet)))
      .map((pool) => {
        const match = wanted.find((w) => sameCidr(w.subnet, pool.subnet));
        const gatewayIsDaemons =
          pool.gateway !== undefined &&
          (match ? match.gateway === undefined : isDaemonDefaultGateway(pool, pool.gateway));
        if (gatewayIsDaemons) {
          const { gateway: _gateway, ...rest } = pool;
          return rest;
        }
        // Engine 20.10 reports no gateway when the daemon picked it: when the spec names one, the
        // daemon's pick is what to compare it with (the seed examples' `gateway: 10.0.42.1` is no
        // difference, and another address reads `10.0.42.1 → 10.0.42.254`).
        const picked =
          pool.gateway === undefined && match?.gateway !== undefined ? daemonGateway(pool) : undefined;
        return picked === undefined ? pool : { ...pool, gateway: picked };
      }),
  );
}

/** True when two CIDRs are the same block written the same way up to zero compression and case. */
function sameCidr(a: string, b: string): boolean {
  return cidrText(a) === cidrText(b);
}

/** The spec's network in comparable form (defaults the daemon fills are left open). */
export function comparableDesiredNetwork(desired: DesiredNetwork): ComparableNetwork {
  const configOnly = desired.configOnly === true;
  return withoutConfigFromSettings({
    // The engine records every config-only network with the driver `null` (docs/swarm.md).
    driver: configOnly ? CONFIG_ONLY_DRIVER : desired.driver,
    ...(desired.scope !== undefined && { scope: desired.scope }),
    attachable: desired.attachable,
    internal: desired.internal,
    enableIPv4: desired.enableIPv4,
    enableIPv6: desired.enableIPv6,
    ingress: desired.ingress,
    ipam: {
      driver: desired.ipam.driver,
      options: { ...desired.ipam.options },
      config: sortPools(desired.ipam.config.map(canonicalPool)),
    },
    labels: userLabels(desired.labels),
    driverOpts: withoutDaemonDefaultOptions(desired.driverOpts, desired.enableIPv6, desired.enableIPv4),
    ...(configOnly && { configOnly: true as const }),
    ...(desired.configFrom !== undefined && { configFrom: desired.configFrom }),
  });
}

/**
 * A network made from a config-only network (`configFrom`) has no IPAM, options, labels or IP
 * families of its own: they are its config-only networks', compared there (docs/swarm.md). The
 * manager's inspect of it shows none, or, once a task of it runs on the manager, those of the
 * manager's config-only network (labels included): neither is a difference.
 */
function withoutConfigFromSettings(network: ComparableNetwork): ComparableNetwork {
  if (network.configFrom === undefined) return network;
  return {
    ...network,
    enableIPv4: true,
    enableIPv6: false,
    ipam: { driver: DEFAULT_IPAM_DRIVER, options: {}, config: [] },
    labels: {},
    driverOpts: {},
  };
}

/**
 * The engine's network in comparable form. With `desired`, whatever the daemon filled in where
 * the spec is silent is taken out (see normalizeObservedPools); a scope the spec does not name
 * is not compared. Without it (export), only what is the daemon's by rule is taken out.
 */
export function normalizeObservedNetwork(
  observed: ObservedNetwork,
  desired?: DesiredNetwork,
): ComparableNetwork {
  const scopeIsDefault = desired
    ? desired.scope === undefined
    : observed.scope === defaultScopeOf(observed.driver);
  return withoutConfigFromSettings({
    driver: observed.driver,
    ...(!scopeIsDefault && { scope: observed.scope }),
    attachable: observed.attachable,
    internal: observed.internal,
    enableIPv4: observed.enableIPv4 ?? true,
    enableIPv6: observed.enableIPv6,
    ingress: observed.ingress,
    ipam: {
      driver: ipamDriverOf(observed),
      options: { ...observed.ipam.options },
      config: normalizeObservedPools(observed.ipam.config, desired?.ipam.config),
    },
    labels: userLabels(observed.labels),
    driverOpts: withoutDaemonDefaultOptions(
      withoutDaemonAssignedOptions(observed.options, desired?.driverOpts),
      observed.enableIPv6,
      observed.enableIPv4 ?? true,
    ),
    ...(observed.configOnly && { configOnly: true as const }),
    ...(observed.configFrom !== undefined && { configFrom: observed.configFrom }),
  });
}

function ipamDriverOf(observed: ObservedNetwork): string {
  return ipamDriverName(observed.ipam.driver);
}

/**
 * The network exactly as it is, in creatable form with all its labels (netform's included) and
 * every pool and gateway, so that a failed replacement or a rollback can create it again.
 */
export function observedNetworkAsCreatable(observed: ObservedNetwork): DesiredNetwork {
  return {
    name: observed.name,
    driver: observed.driver,
    external: false,
    exclusive: false,
    attachable: observed.attachable,
    internal: observed.internal,
    enableIPv4: observed.enableIPv4 ?? true,
    enableIPv6: observed.enableIPv6,
    ingress: observed.ingress,
    scope: observed.scope,
    ipam: {
      driver: ipamDriverOf(observed),
      options: { ...observed.ipam.options },
      config: sortPools(observed.ipam.config.map(canonicalPool)),
    },
    labels: { ...observed.labels },
    driverOpts: { ...observed.options },
    ...(observed.configOnly && { configOnly: true }),
    ...(observed.configFrom !== undefined && { configFrom: observed.configFrom }),
  };
}

const uniqueSorted = (values: string[]): string[] => [...new Set(values)].sort();

/** The short id Docker (up to API 1.44) lists among a container's aliases. */
export const shortIdOf = (containerId: string): string => containerId.slice(0, 12);

/**
 * What the user configured on an endpoint, with the daemon's additions taken out: the short-id
 * alias, the container-name alias (unless the spec asks for it), assigned (not configured)
 * addresses, DNSNames, and the MAC address unless the spec sets one (only a MAC the user set is
 * compared). Aliases the engine did not report (`aliasesKnown: false`) are taken to be the ones
 * the spec wants: unknown is not a difference.
 */
export function normalizeObservedEndpoint(
  endpoint: ObservedEndpoint,
  container: Pick<ObservedContainer, 'id' | 'name'>,
  wanted?: EndpointSettings,
  network?: { driver: string; scope?: string },
): EndpointSettings {
  const daemons = new Set([shortIdOf(container.id), container.id]);
  if (!wanted?.aliases.includes(container.name)) daemons.add(container.name);
  const aliases = endpoint.aliasesKnown
    ? uniqueSorted(endpoint.aliases.filter((alias) => alias !== '' && !daemons.has(alias)))
    : uniqueSorted(wanted?.aliases ?? []);
  const settings: EndpointSettings = {
    aliases,
    linkLocalIps: uniqueSorted(endpoint.configuredLinkLocalIps.map(canonicalAddress)),
    driverOpts: { ...endpoint.driverOpts },
  };
  // On a cluster network the swarm allocates every address and reports it as configured, as if it
  // were static (docs/swarm.md): only an address the spec asks for is one.
  const cluster = network !== undefined && isClusterNetwork(network);
  if (endpoint.configuredIPv4 && (!cluster || wanted?.ipv4Address !== undefined))
    settings.ipv4Address = addressText(endpoint.configuredIPv4);
  if (endpoint.configuredIPv6 && (!cluster || wanted?.ipv6Address !== undefined))
    settings.ipv6Address = addressText(endpoint.configuredIPv6);
  if (wanted?.macAddress !== undefined && endpoint.macAddress)
    settings.macAddress = endpoint.macAddress.toLowerCase();
  if (endpoint.gwPriority !== undefined && endpoint.gwPriority !== 0)
    settings.gwPriority = endpoint.gwPriority;
  return settings;
}

/** The spec's endpoint settings in the form normalizeObservedEndpoint produces. */
export function comparableDesiredEndpoint(settings: EndpointSettings): EndpointSettings {
  const out: EndpointSettings = {
    aliases: uniqueSorted(settings.aliases),
    linkLocalIps: uniqueSorted(settings.linkLocalIps.map(canonicalAddress)),
    driverOpts: { ...settings.driverOpts },
  };
  if (settings.ipv4Address !== undefined) out.ipv4Address = addressText(settings.ipv4Address);
  if (settings.ipv6Address !== undefined) out.ipv6Address = addressText(settings.ipv6Address);
  if (settings.macAddress !== undefined) out.macAddress = settings.macAddress.toLowerCase();
  if (settings.gwPriority !== undefined && settings.gwPriority !== 0) out.gwPriority = settings.gwPriority;
  // `priority` (connection order) is netform's own and never observed: carried for ordering the
  // connects (src/core/order.ts), never compared (diffEndpoint leaves it out).
  if (settings.priority !== undefined && settings.priority !== 0) out.priority = settings.priority;
  return out;
}

/**
 * What a container's NetworkSettings entry for a network is (docs/plan.md, "Entries without an
 * endpoint"), as checked on Engine 20.10 and 28.5:
 * - `attached`: a live endpoint of a running (or paused) container, or the attachment of a
 *   created or stopped container, which the engine keeps in its config only (no endpoint ID, and
 *   no network ID until the container has run) and joins when the container starts;
 * - `refused`: a running container's entry without an endpoint ID. The engine refused a connect
 *   (an address in use, say) and kept the entry anyway: the container is not on the network, a
 *   disconnect is refused ("is not connected"), a connect replaces the entry, and the container
 *   cannot restart while it stays;
 * - `stale`: a created or stopped container's entry that names the network by an ID it no longer
 *   has (the network was removed and created again under the same name): the container cannot
 *   start ("network … not found"); a disconnect removes the entry, a connect replaces it.
 */
export type EntryKind = 'attached' | 'refused' | 'stale';

/** True while the container has its network namespace, so its attachments have endpoints. */
const isLive = (container: Pick<ObservedContainer, 'state'>): boolean =>
  container.state === 'running' || container.state === 'paused';

/** An entry with an endpoint ID the engine reported as empty (absent means not reported: live). */
const isRefused = (container: Pick<ObservedContainer, 'state'>, endpoint: ObservedEndpoint): boolean =>
  isLive(container) && endpoint.endpointId === '';

/**
 * The container's entry for `network` and what it is: matched by network id (by name when no id
 * is recorded); an entry under the network's name with another id is `stale` for a container
 * that is not running, and not this network's for a running one.
 */
export function entryOn(
  container: ObservedContainer,
  network: ObservedNetwork,
): { endpoint: ObservedEndpoint; kind: EntryKind } | undefined {
  for (const endpoint of Object.values(container.endpoints)) {
    if (
      endpoint.networkId !== '' ? endpoint.networkId === network.id : endpoint.networkName === network.name
    ) {
      return { endpoint, kind: isRefused(container, endpoint) ? 'refused' : 'attached' };
    }
  }
  const named = container.endpoints[network.name];
  if (named === undefined) return undefined;
  if (isRefused(container, named)) return { endpoint: named, kind: 'refused' };
  return isLive(container) ? undefined : { endpoint: named, kind: 'stale' };
}

/** A container's attachment to `network` (entryOn's `attached`), or undefined. */
export function endpointOn(
  container: ObservedContainer,
  network: ObservedNetwork,
): ObservedEndpoint | undefined {
  const entry = entryOn(container, network);
  return entry?.kind === 'attached' ? entry.endpoint : undefined;
}

/** One container's endpoint on one network. */
export interface NetworkEndpoint {
  container: ObservedContainer;
  endpoint: ObservedEndpoint;
}

/** Endpoints grouped by network, built once per observation so lookups do not rescan every container. */
export interface EndpointIndex {
  /**
   * Every container attached to `network` (running, created or stopped), by container name; an
   * entry a refused connect left (entryOn's `refused`) is not an attachment.
   */
  on(network: ObservedNetwork): NetworkEndpoint[];
}

export function indexEndpoints(observed: ObservedState): EndpointIndex {
  const byKey = new Map<string, NetworkEndpoint[]>();
  for (const container of observed.containers) {
    for (const endpoint of Object.values(container.endpoints)) {
      if (isRefused(container, endpoint)) continue;
      const key = endpoint.networkId !== '' ? `id:${endpoint.networkId}` : `name:${endpoint.networkName}`;
      const list = byKey.get(key) ?? [];
      list.push({ container, endpoint });
      byKey.set(key, list);
    }
  }
  for (const list of byKey.values()) list.sort((a, b) => compareText(a.container.name, b.container.name));
  return {
    on: (network) => {
      const byId = byKey.get(`id:${network.id}`) ?? [];
      const byName = byKey.get(`name:${network.name}`) ?? [];
      if (byName.length === 0) return byId;
      return [...byId, ...byName].sort((a, b) => compareText(a.container.name, b.container.name));
    },
  };
}

/** Plain code-unit order: deterministic and independent of the locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
