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
