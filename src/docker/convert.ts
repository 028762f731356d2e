import { canonicalAddress, canonicalCidr } from '../core/cidr.js';
import { MANAGED_LABEL, PREDEFINED_NETWORKS, PROJECT_LABEL } from '../model/desired.js';
import { ipamDriverName } from '../model/docker-rules.js';
import type {
  ContainerState,
  EngineInfo,
  ObservedContainer,
  ObservedEndpoint,
  ObservedIpamPool,
  ObservedNetwork,
  ObservedState,
} from '../model/observed.js';
import type { NetworkEndpoint, ObserveOptions } from '../model/port.js';
import type {
  ApiContainerInspect,
  ApiContainerSummary,
  ApiEndpointSettings,
  ApiInfo,
  ApiNetwork,
  ApiVersion,
} from './engine-api.js';

/*
 * Pure conversion from the Engine API's JSON to the observed model: no I/O, no docker-modem, so
 * recorded payloads of every engine version are testable without an engine. Values are kept as
 * the engine reports them (daemon defaults included) except that addresses and CIDRs are made
 * canonical and null-ish maps and lists become empty ones.
 */

/** The engine's answers one observe() is made of. */
export interface ObservePayloads {
  /** GET /networks. */
  networks: ApiNetwork[];
  /** GET /containers/json?all=1. */
  containers: ApiContainerSummary[];
  /** GET /containers/{id}/json of the containers `containersToInspect` chose. */
  inspects: ApiContainerInspect[];
  /** Ids of chosen containers whose inspect answered 404: removed since the list was read. */
  vanished?: string[];
}

/**
 * The ObservedState of one observe(): networks from the list, containers from their inspect when
 * there is one, else from the list (aliases unknown). Sorted by name. An endpoint of a container
 * that never ran reports no NetworkID; it is filled in from the network of that name.
 */
export function observedStateFrom(engine: EngineInfo, payloads: ObservePayloads): ObservedState {
  const networks = payloads.networks.map(networkFrom).sort((a, b) => compareText(a.name, b.name));
  const idByName = new Map(networks.map((n) => [n.name, n.id]));
  const inspected = new Map(payloads.inspects.map((c) => [c.Id, c]));
  const vanished = new Set(payloads.vanished ?? []);
  const containers = payloads.containers
    .filter((summary) => !vanished.has(summary.Id))
    .map((summary) => {
      const inspect = inspected.get(summary.Id);
      return inspect ? containerFromInspect(inspect) : containerFromSummary(summary);
    })
    .sort((a, b) => compareText(a.name, b.name));
  for (const container of containers) {
    for (const endpoint of Object.values(container.endpoints)) {
      if (!endpoint.networkId) endpoint.networkId = idByName.get(endpoint.networkName) ?? '';
    }
  }
  return { engine, networks, containers };
}

/** `options` with the networks `options.project` manages added to `options.networks`. */
export function withProjectNetworks(networks: ApiNetwork[], options: ObserveOptions): ObserveOptions {
  const { project } = options;
  if (project === undefined) return options;
  const managed = networks
    .filter((n) => n.Labels?.[MANAGED_LABEL] === 'true' && n.Labels[PROJECT_LABEL] === project)
    .map((n) => n.Name);
  return { ...options, networks: [...(options.networks ?? []), ...managed] };
}

/**
 * The ids of the listed containers whose inspect observe() needs (the list lacks aliases): those
 * named in `options.containers` or with an endpoint on one of `options.networks` (name or id);
 * without `options.networks`, every container with an endpoint on a network other than the
 * predefined ones (which take no aliases).
 */
export function containersToInspect(
  summaries: ApiContainerSummary[],
  options: ObserveOptions = {},
): string[] {
  const names = new Set(options.containers ?? []);
  const networks = options.networks === undefined ? undefined : new Set(options.networks);
  const predefined = new Set(PREDEFINED_NETWORKS);
  return summaries
    .filter((summary) => {
      if (names.has(containerName(summary.Names ?? []))) return true;
      return Object.entries(summary.NetworkSettings?.Networks ?? {}).some(([name, endpoint]) =>
        networks
          ? networks.has(name) || (endpoint.NetworkID !== undefined && networks.has(endpoint.NetworkID))
          : !predefined.has(name),
      );
    })
    .map((summary) => summary.Id);
}

export function engineInfoFrom(version: ApiVersion, info: ApiInfo, apiVersion: string): EngineInfo {
  return {
    version: version.Version ?? 'unknown',
    apiVersion,
    engineApiVersion: version.ApiVersion ?? apiVersion,
    ...(version.MinAPIVersion ? { minApiVersion: version.MinAPIVersion } : {}),
    os: version.Os ?? 'unknown',
    arch: version.Arch ?? 'unknown',
    swarmState: info.Swarm?.LocalNodeState || 'inactive',
    swarmControl: info.Swarm?.ControlAvailable === true,
  };
}

export function networkFrom(api: ApiNetwork): ObservedNetwork {
  const configFrom = api.ConfigFrom?.Network;
  return {
    id: api.Id,
    name: api.Name,
    driver: api.Driver ?? '',
    scope: api.Scope ?? 'local',
    attachable: api.Attachable === true,
    internal: api.Internal === true,
    ingress: api.Ingress === true,
    configOnly: api.ConfigOnly === true,
    ...(configFrom ? { configFrom } : {}),
    enableIPv6: api.EnableIPv6 === true,
    ...(typeof api.EnableIPv4 === 'boolean' ? { enableIPv4: api.EnableIPv4 } : {}),
    ipam: {
      driver: ipamDriverName(api.IPAM?.Driver),
      options: stringMap(api.IPAM?.Options),
      config: (api.IPAM?.Config ?? []).filter((pool) => pool.Subnet).map(poolFrom),
    },
    options: stringMap(api.Options),
    labels: stringMap(api.Labels),
    ...(api.Created ? { created: api.Created } : {}),
  };
}

function poolFrom(pool: NonNullable<NonNullable<ApiNetwork['IPAM']>['Config']>[number]): ObservedIpamPool {
  const auxAddresses: Record<string, string> = {};
  for (const [name, address] of Object.entries(pool.AuxiliaryAddresses ?? {})) {
    auxAddresses[name] = canonicalAddress(address);
  }
  return {
    subnet: canonicalCidr(pool.Subnet ?? ''),
    ...(pool.IPRange ? { ipRange: canonicalCidr(pool.IPRange) } : {}),
    ...(pool.Gateway ? { gateway: canonicalAddress(stripPrefix(pool.Gateway)) } : {}),
    auxAddresses,
  };
}

/**
 * A container from the list (GET /containers/json?all=1): its endpoints' aliases are not in the
 * list, so they are marked unknown (`aliasesKnown: false`).
 */
export function containerFromSummary(api: ApiContainerSummary): ObservedContainer {
  return {
    id: api.Id,
    name: containerName(api.Names ?? []),
    state: api.State ?? 'unknown',
    labels: stringMap(api.Labels),
    ...sharedNetworkMode(api.HostConfig?.NetworkMode),
    endpoints: endpointsFrom(api.NetworkSettings?.Networks, false),
  };
}

/** A container from its inspect (GET /containers/{id}/json), which carries everything. */
export function containerFromInspect(api: ApiContainerInspect): ObservedContainer {
  return {
    id: api.Id,
    name: (api.Name ?? '').replace(/^\//, ''),
    state: (api.State?.Status ?? 'unknown') satisfies ContainerState,
    labels: stringMap(api.Config?.Labels),
    ...sharedNetworkMode(api.HostConfig?.NetworkMode),
    endpoints: endpointsFrom(api.NetworkSettings?.Networks, true),
  };
}

/** ObservedContainer.networkMode: kept only for `container:<id>`, the mode no endpoint shows. */
function sharedNetworkMode(mode: string | undefined): { networkMode?: string } {
  return mode?.startsWith('container:') ? { networkMode: mode } : {};
}

/**
 * The container's own name from a list entry's `Names`: links add `/other/alias` entries beside
 * the real `/name`, so the one without an inner slash is taken.
 */
export function containerName(names: string[]): string {
  const own = names.find((n) => !n.slice(1).includes('/')) ?? names[0] ?? '';
  return own.replace(/^\//, '');
}

function endpointsFrom(
  networks: Record<string, ApiEndpointSettings> | null | undefined,
  aliasesKnown: boolean,
): Record<string, ObservedEndpoint> {
  const endpoints: Record<string, ObservedEndpoint> = {};
  for (const [networkName, settings] of Object.entries(networks ?? {})) {
    endpoints[networkName] = endpointFrom(networkName, settings, aliasesKnown);
  }
  return endpoints;
}

export function endpointFrom(
  networkName: string,
  api: ApiEndpointSettings,
  aliasesKnown: boolean,
): ObservedEndpoint {
  const ipam = api.IPAMConfig ?? {};
  return {
    networkId: api.NetworkID ?? '',
    ...(api.EndpointID !== undefined ? { endpointId: api.EndpointID } : {}),
    networkName,
    aliases: [...(api.Aliases ?? [])],
    aliasesKnown,
    ...(api.DNSNames ? { dnsNames: [...api.DNSNames] } : {}),
    ...(ipam.IPv4Address ? { configuredIPv4: canonicalAddress(ipam.IPv4Address) } : {}),
    ...(ipam.IPv6Address ? { configuredIPv6: canonicalAddress(ipam.IPv6Address) } : {}),
    configuredLinkLocalIps: (ipam.LinkLocalIPs ?? []).map(canonicalAddress),
    ...(api.IPAddress ? { ipv4Address: canonicalAddress(api.IPAddress) } : {}),
    ...(api.GlobalIPv6Address ? { ipv6Address: canonicalAddress(api.GlobalIPv6Address) } : {}),
    ...(api.MacAddress ? { macAddress: api.MacAddress.toLowerCase() } : {}),
    driverOpts: stringMap(api.DriverOpts),
    // 0 is the default priority, the same as none (DesiredState's `gwPriority` absent).
    ...(typeof api.GwPriority === 'number' && api.GwPriority !== 0 ? { gwPriority: api.GwPriority } : {}),
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function stringMap(map: Record<string, unknown> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map ?? {})) out[key] = String(value);
  return out;
}

/** Some engines and IPAM drivers report a gateway as `10.0.0.1/24`. */
function stripPrefix(address: string): string {
  const slash = address.indexOf('/');
  return slash < 0 ? address : address.slice(0, slash);
}

/**
 * The endpoints of a network inspect with `verbose=true`: the engine's own (`Containers`), then
 * the tasks the swarm reports on other nodes (`Services`), each task once (a task on this node is
 * listed in both, by the same name).
 */
export function networkEndpointsFrom(network: ApiNetwork): NetworkEndpoint[] {
  const own = Object.entries(network.Containers ?? {}).map(([key, endpoint]) => ({
    key,
    name: endpoint?.Name ?? key,
  }));
  const names = new Set(own.map((endpoint) => endpoint.name));
  const elsewhere = Object.values(network.Services ?? {}).flatMap((service) =>
    (service?.Tasks ?? []).flatMap((task): NetworkEndpoint[] => {
      const name = task.Name ?? task.EndpointID ?? '';
      if (name === '' || names.has(name)) return [];
      names.add(name);
      const node = task.Info?.['Host IP'];
      return [{ key: task.EndpointID ?? name, name, ...(node ? { node } : {}) }];
    }),
  );
  return [...own, ...elsewhere];
}
