import { compareApiVersions, NEWEST_API_VERSION } from '../model/api-versions.js';

/**
 * API version negotiation (docs/architecture.md): the session speaks min(engine's ApiVersion,
 * NEWEST). Never pinned: Engine 29.0–29.2 refuse clients older than 1.44, and old engines refuse
 * newer ones. The versions and their comparison are in src/model/api-versions.ts.
 */
export {
  apiAtLeast,
  compareApiVersions,
  NEWEST_API_VERSION,
  OLDEST_API_VERSION,
} from '../model/api-versions.js';

/** The version to speak with an engine whose maximum is `engineApiVersion`. */
export function negotiateApiVersion(engineApiVersion: string): string {
  return compareApiVersions(engineApiVersion, NEWEST_API_VERSION) < 0 ? engineApiVersion : NEWEST_API_VERSION;
}
