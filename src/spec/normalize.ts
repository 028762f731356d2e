import { canonicalAddress, canonicalCidr, compareCidrText } from '../core/cidr.js';
import type {
  DesiredAttachment,
  DesiredContainer,
  DesiredIpamPool,
  DesiredNetwork,
  DesiredSelector,
  DesiredService,
  DesiredServiceAttachment,
  DesiredState,
  EndpointSettings,
  SelectorAttachment,
} from '../model/desired.js';
import { DEFAULT_IPAM_DRIVER, DEFAULT_NETWORK_DRIVER } from '../model/docker-rules.js';
import { INTERFACE_NAME_OPTION } from '../model/desired.js';
import type { EndpointSpec, IpamPoolSpec, NetformSpec, NetworkSpec } from '../model/spec.generated.js';
import {
  normalizeContainerEngines,
  normalizeEngines,
  normalizeNetworkEngines,
  type MapNormalizers,
} from './normalize-engines.js';
import { setOwn } from './own.js';
import { keyPosition, rawScalar, type SourceNode, type SpecPath } from './source-map.js';

/** The Docker name a declared network gets: `external: {name}` (legacy), then `name:`, then its key. */
export function dockerNetworkName(key: string, network: NetworkSpec | null | undefined): string {
  if (network && typeof network.external === 'object' && network.external.name) return network.external.name;
  return network?.name ?? key;
}

/** The shorthand (subnet, ip_range, gateway, aux_addresses) as one pool, or the ipam.config list. */
export function poolsOf(network: NetworkSpec): { pools: IpamPoolSpec[]; path: (index: number) => SpecPath } {
  if (network.ipam) {
    return { pools: network.ipam.config ?? [], path: (index) => ['ipam', 'config', index] };
  }
  const { subnet, ip_range, gateway, aux_addresses } = network;
  if (subnet === undefined) return { pools: [], path: () => [] };
  const pool: IpamPoolSpec = { subnet };
  if (ip_range !== undefined) pool.ip_range = ip_range;
  if (gateway !== undefined) pool.gateway = gateway;
  if (aux_addresses !== undefined) pool.aux_addresses = aux_addresses;
  return { pools: [pool], path: () => [] };
}

/** One attachment as the spec wrote it; `segment` leads from `networks` to it (a key or a list index). */
export interface SpecAttachment {
  network: string;
  endpoint: EndpointSpec;
  segment: string | number;
}

/** A container's attachments, whichever form (list or map) the spec used. */
export function attachmentsOf(
  networks: string[] | Record<string, EndpointSpec | null> | undefined,
): SpecAttachment[] {
  if (!networks) return [];
  if (Array.isArray(networks))
    return networks.map((network, index) => ({ network, endpoint: {}, segment: index }));
  return Object.entries(networks).map(([network, endpoint]) => ({
    network,
    endpoint: endpoint ?? {},
    segment: network,
  }));
}

const sortedUnique = (items: string[]): string[] => [...new Set(items)].sort();

/**
 * Turns a validated spec into the canonical DesiredState (see src/model/desired.ts for the
 * canonical forms). Assumes checkStructure passed; tolerates whatever the semantic checks reject
 * (an invalid CIDR is passed through unchanged), so it never throws on a schema-valid spec.
 */
export function normalizeSpec(
  spec: NetformSpec,
  options: {
    project: string;
    source?: SourceNode;
    /** The directory relative spec file names were given from: TLS file names become absolute. */
    baseDir?: string;
  },
): DesiredState {
  const { source } = options;
  const strings = (
    map: Record<string, string | number | boolean> | undefined,
    path: SpecPath,
  ): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(map ?? {})) {
      setOwn(
        out,
        key,
        typeof value === 'string' ? value : ((source && rawScalar(source, [...path, key])) ?? String(value)),
      );
    }
    return out;
  };
  const labelsOf = (labels: NetworkSpec['labels'], path: SpecPath): Record<string, string> => {
    if (!Array.isArray(labels)) return strings(labels, path);
    const out: Record<string, string> = {};
    for (const item of labels) {
      const eq = item.indexOf('=');
      if (eq < 0) setOwn(out, item, '');
      else setOwn(out, item.slice(0, eq), item.slice(eq + 1));
    }
    return out;
  };

  const networks: Record<string, DesiredNetwork> = {};
  const dockerNames = new Map<string, string>();
  for (const [key, declared] of Object.entries(spec.networks ?? {})) {
    const network = declared ?? {};
    const path = ['networks', key];
    const name = dockerNetworkName(key, network);
    dockerNames.set(key, name);
    const driverOpts = strings(network.driver_opts, [...path, 'driver_opts']);
    if (network.parent !== undefined) driverOpts.parent = network.parent;
    const { pools } = poolsOf(network);
    const config: DesiredIpamPool[] = pools
      .map((pool) => {
        const out: DesiredIpamPool = {
          subnet: canonicalCidr(pool.subnet),
          auxAddresses: Object.fromEntries(
            Object.entries(pool.aux_addresses ?? {}).map(([k, v]) => [k, canonicalAddress(v)]),
          ),
        };
        if (pool.ip_range !== undefined) out.ipRange = canonicalCidr(pool.ip_range);
        if (pool.gateway !== undefined) out.gateway = canonicalAddress(pool.gateway);
        return out;
      })
      .sort((a, b) => compareCidrText(a.subnet, b.subnet));
    const result: DesiredNetwork = {
      name,
      ...networkDefaults(network),
      ipam: {
        driver: network.ipam?.driver ?? DEFAULT_IPAM_DRIVER,
        options: strings(network.ipam?.options, [...path, 'ipam', 'options']),
        config,
      },
      labels: labelsOf(network.labels, [...path, 'labels']),
      driverOpts,
    };
    if (network.scope !== undefined) result.scope = network.scope;
    const configFrom = configFromOf(name, network);
    if (configFrom !== undefined) result.configFrom = configFrom;
    if (source) result.source = keyPosition(source, path);
    if (key !== name) result.specKey = key;
    setOwn(networks, name, result);
  }

  const containers: Record<string, DesiredContainer> = {};
  for (const [name, declared] of Object.entries(spec.containers ?? {})) {
    const container: DesiredContainer = { name, attachments: {} };
    if (source) container.source = keyPosition(source, ['containers', name]);
    for (const { network: networkKey, endpoint, segment } of attachmentsOf(declared?.networks)) {
      const network = dockerNames.get(networkKey);
      if (network === undefined) continue;
      const path = ['containers', name, 'networks', segment];
      const settings = endpointSettings(endpoint, strings(endpoint.driver_opts, [...path, 'driver_opts']));
      const attachment: DesiredAttachment = { container: name, network, ...settings };
      if (source) attachment.source = keyPosition(source, path);
      setOwn(container.attachments, network, attachment);
    }
    setOwn(containers, name, container);
  }

  // --- Several engines (docs/spec.md#engines) ---
  const engines = normalizeEngines(spec, source, options.baseDir);
  const engineList = engines ? Object.keys(engines) : undefined;
  for (const [key, declared] of Object.entries(spec.networks ?? {})) {
    const network = networks[dockerNames.get(key)!];
    const placed = normalizeNetworkEngines(declared?.engines, ['networks', key, 'engines'], {
      strings,
      labels: labelsOf,
    });
    if (network && placed) network.engines = placed;
  }
  for (const [name, declared] of Object.entries(spec.containers ?? {})) {
    const on = normalizeContainerEngines(declared?.engines, engineList);
    if (on && containers[name]) containers[name].engines = on;
  }
  const desired: DesiredState = { project: options.project, networks, containers };
  const selectors = normalizeSelectors(spec, dockerNames, strings, source);
  if (selectors) desired.selectors = selectors;
  const services = normalizeServices(spec, dockerNames, strings, source);
  if (services) desired.services = services;
  if (engines) desired.engines = engines;
  return desired;
}

/** The rules under `selectors:`, attachments keyed by Docker network name as a container's are. */
function normalizeSelectors(
  spec: NetformSpec,
  dockerNames: ReadonlyMap<string, string>,
  strings: MapNormalizers['strings'],
  source: SourceNode | undefined,
): Record<string, DesiredSelector> | undefined {
  const rules = Object.entries(spec.selectors ?? {});
  if (rules.length === 0) return undefined;
  const selectors: Record<string, DesiredSelector> = {};
  for (const [name, rule] of rules) {
    const path = ['selectors', name];
    const selector: DesiredSelector = {
      name,
      matchLabels: strings(rule.match.labels, [...path, 'match', 'labels']),
      attachments: {},
    };
    if (rule.engines !== undefined) selector.engines = rule.engines;
    if (source) selector.source = keyPosition(source, path);
    for (const { network: networkKey, endpoint, segment } of attachmentsOf(rule.networks)) {
      const network = dockerNames.get(networkKey);
      if (network === undefined) continue;
      const where = [...path, 'networks', segment];
      const settings = endpointSettings(endpoint, strings(endpoint.driver_opts, [...where, 'driver_opts']));
      const attachment: SelectorAttachment = { network, ...settings };
      if (source) attachment.source = keyPosition(source, where);
      setOwn(selector.attachments, network, attachment);
    }
    setOwn(selectors, name, selector);
  }
  return selectors;
}

/**
 * The services under `services:` (docs/swarm.md), attachments keyed by Docker network name.
 * Undefined without the key, so the states (and hashes) of specs without it stay as they were.
 */
function normalizeServices(
  spec: NetformSpec,
  dockerNames: ReadonlyMap<string, string>,
  strings: MapNormalizers['strings'],
  source: SourceNode | undefined,
): Record<string, DesiredService> | undefined {
  if (!spec.services) return undefined;
  const services: Record<string, DesiredService> = {};
  for (const [name, declared] of Object.entries(spec.services)) {
    const service: DesiredService = { name, attachments: {} };
    if (source) service.source = keyPosition(source, ['services', name]);
    for (const { network: networkKey, endpoint, segment } of attachmentsOf(declared?.networks)) {
      const network = dockerNames.get(networkKey);
      if (network === undefined) continue;
      const path = ['services', name, 'networks', segment];
      const attachment: DesiredServiceAttachment = {
        service: name,
        network,
        aliases: sortedUnique(endpoint.aliases ?? []),
        driverOpts: strings(endpoint.driver_opts, [...path, 'driver_opts']),
      };
      if (source) attachment.source = keyPosition(source, path);
      setOwn(service.attachments, network, attachment);
    }
    setOwn(services, name, service);
  }
  return services;
}

/** Drivers whose swarm-scoped networks are made from per-node config-only networks. */
export const CONFIG_FROM_DRIVERS: readonly string[] = ['macvlan', 'ipvlan'];

/**
 * The config-only network a swarm-scoped macvlan/ipvlan network is made from: `config_from`, else
 * `<name>-config` (docs/swarm.md). Undefined for every other network.
 */
export function configFromOf(name: string, network: NetworkSpec): string | undefined {
  if (network.scope !== 'swarm' || !CONFIG_FROM_DRIVERS.includes(network.driver ?? 'bridge'))
    return undefined;
  return network.config_from ?? `${name}-config`;
}

/** A network's own settings with the spec's defaults filled in: the one place they are stated. */
export function networkDefaults(
  network: NetworkSpec,
): Pick<
  DesiredNetwork,
  'driver' | 'external' | 'exclusive' | 'attachable' | 'internal' | 'enableIPv4' | 'enableIPv6' | 'ingress'
> {
  return {
    driver: network.driver ?? DEFAULT_NETWORK_DRIVER,
    external: network.external !== undefined && network.external !== false,
    exclusive: network.exclusive ?? false,
    attachable: network.attachable ?? false,
    internal: network.internal ?? false,
    enableIPv4: network.enable_ipv4 ?? true,
    enableIPv6: network.enable_ipv6 ?? false,
    ingress: network.ingress ?? false,
  };
}

function endpointSettings(endpoint: EndpointSpec, driverOpts: Record<string, string>): EndpointSettings {
  const settings: EndpointSettings = {
    aliases: sortedUnique(endpoint.aliases ?? []),
    linkLocalIps: sortedUnique((endpoint.link_local_ips ?? []).map(canonicalAddress)),
    driverOpts,
  };
  if (endpoint.ipv4_address !== undefined) settings.ipv4Address = canonicalAddress(endpoint.ipv4_address);
  if (endpoint.ipv6_address !== undefined) settings.ipv6Address = canonicalAddress(endpoint.ipv6_address);
  if (endpoint.mac_address !== undefined)
    settings.macAddress = endpoint.mac_address.toLowerCase().replace(/-/g, ':');
  if (endpoint.interface_name !== undefined) driverOpts[INTERFACE_NAME_OPTION] = endpoint.interface_name;
  if (endpoint.gw_priority !== undefined) settings.gwPriority = endpoint.gw_priority;
  if (endpoint.priority !== undefined) settings.priority = endpoint.priority;
  return settings;
}
