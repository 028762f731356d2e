/**
 * API version negotiation (PRODUCT.md §5): the session speaks min(engine's ApiVersion, NEWEST).
 * Never pinned: Engine 29.0–29.2 refuse clients older than 1.44, and old engines refuse newer ones.
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

/** The version to speak with an engine whose maximum is `engineApiVersion`. */
export function negotiateApiVersion(engineApiVersion: string): string {
  return compareApiVersions(engineApiVersion, NEWEST_API_VERSION) < 0 ? engineApiVersion : NEWEST_API_VERSION;
}
