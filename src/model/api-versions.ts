import { INTERFACE_NAME_OPTION, type EndpointSettings } from './desired.js';
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

export { INTERFACE_NAME_OPTION } from './desired.js';

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
  // Engines before 28 accept these and ignore them: seen on 20.10.24 and 26.1.5 (docs/engines.md).
  {
    key: 'gw_priority',
    minimum: '1.48',
    release: 'Docker 28',
    valueOf: (s) => ((s.gwPriority ?? 0) !== 0 ? String(s.gwPriority) : undefined),
  },
  // The interface name driver option arrived with Engine 28.0 (API 1.48; moby#49155, the 28.0
  // release notes): netform's connect needs that. Compose (2.36+) refuses its interface_name below
  // Engine 28.1 (API 1.49), so a Compose file's endpoints need 1.49 (docs/engines.md).
  {
    key: 'interface_name',
    minimum: '1.48',
    release: 'Docker 28',
    valueOf: (s) => s.driverOpts[INTERFACE_NAME_OPTION],
    byDelivery: {
      create: { minimum: '1.49', release: 'Docker 28.1' },
      primary: { minimum: '1.49', release: 'Docker 28.1' },
    },
  },
];

/** The endpoint gates for an endpoint that reaches the engine by `delivery`. */
export function endpointGates(delivery: EndpointDelivery): readonly ApiGate<EndpointSettings>[] {
  if (delivery === 'connect') return ENDPOINT_API_GATES;
  return ENDPOINT_API_GATES.map((gate) => ({ ...gate, ...gate.byDelivery?.[delivery] }));
}

/** What both a declared network and a create request have: what a network gate may read. */
export type GatedNetwork = Pick<
  NetworkCreateRequest,
  'driver' | 'enableIPv4' | 'enableIPv6' | 'internal' | 'attachable'
> & {
  labels: Record<string, string>;
  /** Driver options: `driverOpts` in a declared network, `options` in a create request. */
  driverOpts?: Record<string, string>;
  options?: Record<string, string>;
};

const driverOption = (network: GatedNetwork, key: string): string | undefined =>
  (network.driverOpts ?? network.options)?.[key];

/**
 * A bridge gateway mode needs the engine that knows it (nat and routed: Engine 27.0; nat-unprotected:
 * moby#48597 and isolated: moby#49262, both 28.0; taken from the reference). Engines before it store
 * any value and ignore it (seen on 20.10.24 and 26.1.5); 28.5 refuses unknown ones (NF062).
 */
const gatewayModeGate = (family: 'ipv4' | 'ipv6', modes: string[], minimum: string, release: string) => {
  const key = `com.docker.network.bridge.gateway_mode_${family}`;
  return {
    key: `driver_opts.${key}`,
    path: ['driver_opts', key],
    minimum,
    release,
    valueOf: (n: GatedNetwork) => {
      const mode = driverOption(n, key);
      return mode !== undefined && modes.includes(mode) ? mode : undefined;
    },
  };
};

/** The network keys gated by API version. */
export const NETWORK_API_GATES: readonly ApiGate<GatedNetwork>[] = [
  // 20.10.24 and 26.1.5 were seen giving such a network an IPv4 pool all the same.
  {
    key: 'enable_ipv4',
    minimum: '1.48',
    release: 'Docker 28',
    valueOf: (n) => (n.enableIPv4 === false ? 'false' : undefined),
  },
  gatewayModeGate('ipv4', ['nat', 'routed'], '1.46', 'Docker 27'),
  gatewayModeGate('ipv6', ['nat', 'routed'], '1.46', 'Docker 27'),
  gatewayModeGate('ipv4', ['nat-unprotected', 'isolated'], '1.48', 'Docker 28'),
  gatewayModeGate('ipv6', ['nat-unprotected', 'isolated'], '1.48', 'Docker 28'),
];

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
