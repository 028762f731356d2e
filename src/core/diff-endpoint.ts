import type { EndpointSettings } from '../model/desired.js';
import type { FieldChange } from '../model/plan.js';
import { canonicalJson } from './canonical-json.js';
import { sortedRecord } from './spec-form.js';

/**
 * The endpoint fields in which `current` (from normalizeObservedEndpoint) differs from `wanted`
 * (from comparableDesiredEndpoint), as spec paths. A MAC address is compared only when the spec
 * sets one; priority absent means 0.
 */
export function diffEndpoint(current: EndpointSettings, wanted: EndpointSettings): FieldChange[] {
  const changes: FieldChange[] = [];
  const compare = (path: string, a: unknown, b: unknown): void => {
    if (canonicalJson(a) !== canonicalJson(b)) changes.push({ path, before: a, after: b });
  };
  compare('aliases', current.aliases, wanted.aliases);
  compare('ipv4_address', current.ipv4Address ?? null, wanted.ipv4Address ?? null);
  compare('ipv6_address', current.ipv6Address ?? null, wanted.ipv6Address ?? null);
  compare('link_local_ips', current.linkLocalIps, wanted.linkLocalIps);
  if (wanted.macAddress !== undefined) compare('mac_address', current.macAddress ?? null, wanted.macAddress);
  compare('driver_opts', sortedRecord(current.driverOpts), sortedRecord(wanted.driverOpts));
  compare('priority', current.priority ?? 0, wanted.priority ?? 0);
  return changes;
}
