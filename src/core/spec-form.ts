import { INTERFACE_NAME_OPTION, type DesiredIpamPool, type EndpointSettings } from '../model/desired.js';

/**
 * Values in the spec's own key names (Compose's), for field changes and export: what a user
 * reads in a plan is what they would write in netform.yaml.
 */
export interface SpecPool {
  subnet: string;
  ip_range?: string;
  gateway?: string;
  aux_addresses?: Record<string, string>;
}

export function poolInSpecForm(pool: DesiredIpamPool): SpecPool {
  return {
    subnet: pool.subnet,
    ...(pool.ipRange !== undefined && { ip_range: pool.ipRange }),
    ...(pool.gateway !== undefined && { gateway: pool.gateway }),
    ...(Object.keys(pool.auxAddresses).length > 0 && { aux_addresses: sortedRecord(pool.auxAddresses) }),
  };
}

/** The endpoint keys of the spec, in the order endpointInSpecForm writes them. */
export const ENDPOINT_SPEC_KEYS = [
  'aliases',
  'ipv4_address',
  'ipv6_address',
  'link_local_ips',
  'mac_address',
  'driver_opts',
  'interface_name',
  'gw_priority',
  'priority',
] as const;

/** Endpoint settings as a Compose `networks:` entry of a service, with empty members left out. */
export function endpointInSpecForm(settings: EndpointSettings): Record<string, unknown> {
  // The interface name is a driver option to the engine and `interface_name` in the spec.
  const { [INTERFACE_NAME_OPTION]: interfaceName, ...driverOpts } = settings.driverOpts;
  return {
    ...(settings.aliases.length > 0 && { aliases: [...settings.aliases] }),
    ...(settings.ipv4Address !== undefined && { ipv4_address: settings.ipv4Address }),
    ...(settings.ipv6Address !== undefined && { ipv6_address: settings.ipv6Address }),
    ...(settings.linkLocalIps.length > 0 && { link_local_ips: [...settings.linkLocalIps] }),
    ...(settings.macAddress !== undefined && { mac_address: settings.macAddress }),
    ...(Object.keys(driverOpts).length > 0 && { driver_opts: sortedRecord(driverOpts) }),
    ...(interfaceName !== undefined && { interface_name: interfaceName }),
    ...(settings.gwPriority !== undefined &&
      settings.gwPriority !== 0 && { gw_priority: settings.gwPriority }),
    ...(settings.priority !== undefined && settings.priority !== 0 && { priority: settings.priority }),
  };
}

export function sortedRecord(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key] as string;
  return out;
}
