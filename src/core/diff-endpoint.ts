import { INTERFACE_NAME_OPTION, type EndpointSettings } from '../model/desired.js';
import type { FieldChange } from '../model/plan.js';
import { canonicalJson } from './canonical-json.js';
import { sortedRecord } from './spec-form.js';

/**
 * The endpoint fields in which `current` (from normalizeObservedEndpoint) differs from `wanted`
 * (from comparableDesiredEndpoint), as spec paths. A MAC address is compared only when the spec
 * sets one; gw_priority absent means 0; the interface name (a driver option to the engine) is
 * reported as `interface_name`, the key the spec gives it. `priority` (connection order) is netform's
 * own and never compared.
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
  compare(
    'interface_name',
    current.driverOpts[INTERFACE_NAME_OPTION] ?? null,
    wanted.driverOpts[INTERFACE_NAME_OPTION] ?? null,
  );
  compare('driver_opts', otherDriverOpts(current), otherDriverOpts(wanted));
  compare('gw_priority', current.gwPriority ?? 0, wanted.gwPriority ?? 0);
  return changes;
}

/** The endpoint's driver options other than the interface name, sorted. */
function otherDriverOpts(settings: EndpointSettings): Record<string, string> {
  const { [INTERFACE_NAME_OPTION]: _ifname, ...rest } = settings.driverOpts;
  return sortedRecord(rest);
}
