import type { EndpointSettings } from './desired.js';
import type { NetworkCreateRequest } from './port.js';

/**
 * Engine API versions: how they compare, which netform speaks, and which spec key needs which
 * version. Both validate's engine checks (src/spec/online.ts) and the adapter's last guard before
 * a request (src/docker/requests.ts) read the tables below, so supporting a key on newer engines
 * only is one row here (docs/architecture.md, "Adding a network key").
 */

/** The newest Engine API version netform knows (Engine 29). */
export const NEWEST_API_VERSION = '1.54';
/** The oldest version netform supports (Engine 20.10). */
export const OLDEST_API_VERSION = '1.41';

/** Compares `major.minor` version strings numerically (`1.9` < `1.41`). */
export function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor !== bMajor ? aMajor - bMajor : aMinor - bMinor;
}

export function apiAtLeast(version: string, minimum: string): boolean {
  return compareApiVersions(version, minimum) >= 0;
}

/**
 * One spec key that older engines accept and silently ignore (so an apply would report success
 * and never converge): below `minimum` it is refused instead.
 */
export interface ApiGate<T> {
  /** The key as the spec spells it (`mac_address`). */
  key: string;
  /** Where the key sits under its entry, when that is not `[key]` (a driver option). */
  path?: readonly string[];
  /** The key as a Compose file spells it, when that differs (`gw_priority`; docs/compose.md). */
  composeKey?: string;
  /** The first Engine API version that honours it. */
  minimum: string;
  /** The Docker release of that API version, for messages (`Docker 28`). */
  release: string;
  /** The value the request would carry, or undefined when it does not use the key. */
  valueOf: (settings: T) => string | undefined;
}

/**
 * How an endpoint reaches the engine: netform's apply connects it; Compose creates each container
 * with its endpoints (docs/compose.md): its primary network's always (before API 1.44 its MAC
 * address goes in the container's own config), the others at create from API 1.44 and by a
 * connect after the create before that.
 */
export type EndpointDelivery = 'connect' | 'create' | 'primary';

/** An endpoint key's gate: `minimum` is for a connect, `byDelivery` where the other ways differ. */
export interface EndpointApiGate extends ApiGate<EndpointSettings> {
  byDelivery?: Partial<Record<Exclude<EndpointDelivery, 'connect'>, { minimum: string; release: string }>>;
}

/** The endpoint driver option that names the container's interface (Compose's interface_name). */
export const INTERFACE_NAME_OPTION = 'com.docker.network.endpoint.ifname';

/** The endpoint keys (a container's attachment to a network) gated by API version. */
export const ENDPOINT_API_GATES: readonly EndpointApiGate[] = [
  // Accepted since API 1.44, applied on connect only from 1.54 (moby's API changelog; Engine
  // 20.10.24 was seen deriving the MAC from the IP address whatever was sent). At create, every
  // endpoint's MAC from 1.44; the first network's through the container's config on any version.
  {
    key: 'mac_address',
    minimum: '1.54',
    release: 'Docker 29',
    valueOf: (s) => s.macAddress,
    byDelivery: {
      create: { minimum: '1.44', release: 'Docker 25' },
      primary: { minimum: OLDEST_API_VERSION, release: 'Docker 20.10' },
    },
  },
  {
    key: 'priority',
    composeKey: 'gw_priority',
    minimum: '1.48',
    release: 'Docker 28',
    valueOf: (s) => ((s.priority ?? 0) !== 0 ? String(s.priority) : undefined),
  },
  // The interface name option arrived with Engine 28.1; Compose refuses interface_name below it.
  {
    key: `driver_opts["${INTERFACE_NAME_OPTION}"]`,
    path: ['driver_opts', INTERFACE_NAME_OPTION],
    composeKey: 'interface_name',
    minimum: '1.49',
    release: 'Docker 28.1',
    valueOf: (s) => s.driverOpts[INTERFACE_NAME_OPTION],
  },
];

/** The endpoint gates for an endpoint that reaches the engine by `delivery`. */
export function endpointGates(delivery: EndpointDelivery): readonly ApiGate<EndpointSettings>[] {
  if (delivery === 'connect') return ENDPOINT_API_GATES;
  return ENDPOINT_API_GATES.map((gate) => ({ ...gate, ...gate.byDelivery?.[delivery] }));
}

/** What both a declared network and a create request have: what a network gate may read. */
export type GatedNetwork = Pick<NetworkCreateRequest, 'driver' | 'enableIPv6' | 'internal' | 'attachable'> & {
  labels: Record<string, string>;
};

/** The network keys gated by API version (none yet: every key netform knows works from 1.41). */
export const NETWORK_API_GATES: readonly ApiGate<GatedNetwork>[] = [];

/** A gated key that `settings` uses and `apiVersion` cannot carry. */
export interface UnsupportedKey {
  key: string;
  path: readonly string[];
  composeKey?: string;
  value: string;
  minimum: string;
  release: string;
}

export function unsupportedKeys<T>(
  gates: readonly ApiGate<T>[],
  settings: T,
  apiVersion: string,
): UnsupportedKey[] {
  const out: UnsupportedKey[] = [];
  for (const gate of gates) {
    const value = gate.valueOf(settings);
    if (value !== undefined && !apiAtLeast(apiVersion, gate.minimum)) {
      out.push({
        key: gate.key,
        path: gate.path ?? [gate.key],
        ...(gate.composeKey !== undefined ? { composeKey: gate.composeKey } : {}),
        value,
        minimum: gate.minimum,
        release: gate.release,
      });
    }
  }
  return out;
}
