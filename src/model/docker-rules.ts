import { MANAGED_LABEL, PROJECT_LABEL } from './desired.js';
import type { ObservedNetwork } from './observed.js';

/**
 * Docker's own rules that several layers need, each stated once (docs/architecture.md): the spec
 * loader, the checks, the planner, the adapter and the lock read them from here.
 */

/** Docker's rule for container and network names (also used for the lock lease's name). */
export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The IPAM driver a spec means when it names none, and the one `docker network create` uses. */
export const DEFAULT_IPAM_DRIVER = 'default';

/** The network driver a spec means when it names none. */
export const DEFAULT_NETWORK_DRIVER = 'bridge';

/**
 * The engine reports the default IPAM driver as `default` or, on some versions, as an empty
 * string: both mean the default driver.
 */
export function isDefaultIpamDriver(driver: string): boolean {
  return driver === DEFAULT_IPAM_DRIVER || driver === '';
}

/** The IPAM driver's name with the empty string read as the default driver. */
export function ipamDriverName(driver: string | undefined): string {
  return driver === undefined || isDefaultIpamDriver(driver) ? DEFAULT_IPAM_DRIVER : driver;
}

/** The driver the engine records for every config-only network, whatever driver it was created with. */
export const CONFIG_ONLY_DRIVER = 'null';

const OWNERSHIP_LABELS = [MANAGED_LABEL, PROJECT_LABEL] as const;

/**
 * A network made from a config-only network (`ConfigFrom`, a swarm-scoped macvlan/ipvlan) can
 * carry no label: the engine refuses any (docs/swarm.md). Its ownership is that of the
 * config-only network of that name on the same engine: this returns the networks with netform's
 * ownership labels of that config-only network copied onto each network made from it (no other
 * label), so that ownership is read the same way for every network. Networks that carry labels
 * of their own, or whose config-only network is not in `networks`, are returned as they are.
 */
export function withConfigOnlyOwnership(networks: readonly ObservedNetwork[]): ObservedNetwork[] {
  const configOnly = new Map(networks.filter((n) => n.configOnly).map((n) => [n.name, n]));
  return networks.map((network) => {
    if (network.configFrom === undefined || Object.keys(network.labels).length > 0) return network;
    const source = configOnly.get(network.configFrom);
    if (!source) return network;
    const labels: Record<string, string> = {};
    for (const key of OWNERSHIP_LABELS) {
      const value = source.labels[key];
      if (value !== undefined) labels[key] = value;
    }
    return Object.keys(labels).length > 0 ? { ...network, labels } : network;
  });
}
