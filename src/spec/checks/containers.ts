import { containsAddress, parseAddress, type Address, type Family } from '../../core/cidr.js';
import { daemonGatewayValue } from '../../core/daemon-gateway.js';
import type { ContainerSpec, EndpointSpec } from '../../model/spec.generated.js';
import { closest, distance } from 'fastest-levenshtein';
import { CODES } from '../codes.js';
import { attachmentsOf } from '../normalize.js';
import type { SpecPath } from '../source-map.js';
import { NAME_PATTERN, familyName, isV4NetworkOrBroadcast, type NetworkFacts, type Sink } from './context.js';

const MAC_PATTERN = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;
const ALIAS_PATTERN = /^[a-zA-Z0-9_]([a-zA-Z0-9_.-]*[a-zA-Z0-9_])?$/;
/** Docker refuses these on the default bridge (and they mean nothing on host and none). */
const SETTINGS_REFUSED_ON_PREDEFINED = ['aliases', 'ipv4_address', 'ipv6_address', 'link_local_ips'] as const;

/** Container names, references to networks, and the endpoint settings of every attachment. */
export function checkContainers(
  containers: Record<string, ContainerSpec | null> | undefined,
  networks: readonly NetworkFacts[],
  sink: Sink,
): void {
  const byKey = new Map(networks.map((n) => [n.key, n]));
  const byDockerName = new Map(networks.map((n) => [n.dockerName, n]));
  // network key -> address text -> container that claimed it first
  const claimed = new Map<string, Map<string, string>>();

  for (const [name, container] of Object.entries(containers ?? {})) {
    const path = ['containers', name];
    if (!NAME_PATTERN.test(name)) {
      sink.atKey(CODES.invalidName, path, {
        message: `container name ${JSON.stringify(name)} is not valid`,
        hint: 'use the name as `docker ps` shows it: letters, digits, and _ . - (not first)',
      });
    }
    const attachments = attachmentsOf(container?.networks);
    const exclusiveNetworks: string[] = [];
    for (const { network: key, endpoint, segment } of attachments) {
      const where = [...path, 'networks', segment];
      const network = byKey.get(key);
      if (!network) {
        reportUndeclared(key, where, byKey, byDockerName, sink);
        continue;
      }
      if (network.dockerName === 'host' || network.dockerName === 'none') exclusiveNetworks.push(key);
      if (network.predefined) {
        for (const field of SETTINGS_REFUSED_ON_PREDEFINED) {
          if (endpoint[field] === undefined) continue;
          sink.atKey(CODES.predefinedNetworkSettings, [...where, field], {
            message: `${field} cannot be set on the predefined network ${network.dockerName}`,
            hint: 'Docker supports aliases and static addresses on user-defined networks only; declare a network of your own',
          });
        }
      }
      checkEndpoint(name, endpoint, where, network, claimed, sink);
    }
    if (exclusiveNetworks.length > 0 && attachments.length > 1) {
      sink.atKey(CODES.hostOrNoneWithOthers, [...path, 'networks'], {
        message: `a container on ${exclusiveNetworks.join(' or ')} cannot be attached to other networks`,
        hint: `keep ${exclusiveNetworks[0]} alone, or drop it`,
      });
    }
  }
}

/** NF027 at `where`, with a hint when `key` is close to a declared key or is the Docker name of one. */
export function reportUndeclared(
  key: string,
  where: SpecPath,
  byKey: Map<string, NetworkFacts>,
  byDockerName: Map<string, NetworkFacts>,
  sink: Sink,
): void {
  const renamed = byDockerName.get(key);
  const keys = [...byKey.keys()];
  const suggestion = keys.length > 0 ? closest(key, keys) : undefined;
  const hint = renamed
    ? `the spec declares it under the key ${renamed.key} (name: ${key}); refer to it as ${renamed.key}`
    : suggestion !== undefined && distance(key, suggestion) <= Math.max(2, Math.floor(key.length / 3))
      ? `did you mean ${suggestion}?`
      : `declare it under networks: (as ${key}: { external: true } if it exists already and netform should not manage it)`;
  sink.atKey(CODES.undeclaredNetwork, where, { message: `network ${key} is not declared in the spec`, hint });
}

function checkEndpoint(
  container: string,
  endpoint: EndpointSpec,
  where: SpecPath,
  network: NetworkFacts,
  claimed: Map<string, Map<string, string>>,
  sink: Sink,
): void {
  for (const [field, family] of [
    ['ipv4_address', 4],
    ['ipv6_address', 6],
  ] as const) {
    const text = endpoint[field];
    if (text === undefined) continue;
    const address = parseAddress(text);
    if (!address || address.family !== family) {
      sink.atValue(CODES.invalidAddress, [...where, field], {
        message: `${field} ${JSON.stringify(text)} is not a valid ${familyName(family)} address`,
        hint:
          address && address.family !== family
            ? `put it under ${family === 4 ? 'ipv6_address' : 'ipv4_address'}`
            : 'write a single address without a prefix length',
      });
      continue;
    }
    if (network.external || network.predefined) continue;
    checkStaticAddress(container, address, family, [...where, field], network, claimed, sink);
  }

  (endpoint.link_local_ips ?? []).forEach((text, index) => {
    if (!parseAddress(text)) {
      sink.atValue(CODES.invalidAddress, [...where, 'link_local_ips', index], {
        message: `link-local address ${JSON.stringify(text)} is not a valid IP address`,
        hint: 'write a single address, e.g. 169.254.10.10 or fe80::10',
      });
    }
  });

  if (endpoint.mac_address !== undefined && !MAC_PATTERN.test(endpoint.mac_address)) {
    sink.atValue(CODES.invalidMacAddress, [...where, 'mac_address'], {
      message: `mac_address ${JSON.stringify(endpoint.mac_address)} is not a MAC address`,
      hint: 'write six hex bytes separated by colons, e.g. 02:42:0a:00:2a:10',
    });
  }

  checkAliases(endpoint, where, sink);
}

/** NF051 for each alias of `endpoint` that is not a DNS name. */
export function checkAliases(endpoint: EndpointSpec, where: SpecPath, sink: Sink): void {
  (endpoint.aliases ?? []).forEach((alias, index) => {
    if (!ALIAS_PATTERN.test(alias)) {
      sink.atValue(CODES.invalidAlias, [...where, 'aliases', index], {
        message: `alias ${JSON.stringify(alias)} is not a valid DNS name`,
        hint: 'use letters, digits, and _ . - (not first or last)',
      });
    }
  });
}

function checkStaticAddress(
  container: string,
  address: Address,
  family: Family,
  path: SpecPath,
  network: NetworkFacts,
  claimed: Map<string, Map<string, string>>,
  sink: Sink,
): void {
  if (family === 6 && !network.enableIPv6) {
    sink.atValue(CODES.staticV6WithoutEnable, path, {
      message: `static IPv6 address ${address.text} on network ${network.key}, which has no enable_ipv6`,
      hint: `add enable_ipv6: true and an IPv6 subnet to networks.${network.key}`,
    });
    return;
  }
  const pools = network.pools.filter((p) => p.subnet?.family === family);
  if (pools.length === 0) {
    sink.atValue(CODES.staticWithoutSubnet, path, {
      message: `static address ${address.text} on network ${network.key}, which declares no ${familyName(family)} subnet`,
      hint: `Docker only accepts static addresses from a subnet the user configured: declare a subnet on networks.${network.key}`,
    });
    return;
  }
  const pool = pools.find((p) => p.subnet && containsAddress(p.subnet, address));
  if (!pool?.subnet) {
    sink.atValue(CODES.staticOutsideSubnets, path, {
      message: `${address.text} is not inside ${pools.length === 1 ? 'subnet' : 'any of the subnets'} ${pools.map((p) => p.subnet!.text).join(', ')} of network ${network.key}`,
      hint: 'choose an address inside a declared subnet of this network',
    });
    return;
  }
  if (pool.gateway?.value === address.value) {
    sink.atValue(CODES.staticIsReserved, path, {
      message: `${address.text} is the gateway of network ${network.key}`,
      hint: 'choose another address',
    });
    return;
  }
  if (
    pool.spec.gateway === undefined &&
    daemonPicksGateway(network) &&
    daemonGatewayValue({ subnet: pool.subnet.text, ...(pool.ipRange && { ipRange: pool.ipRange.text }) }) ===
      address.value
  ) {
    const first =
      pool.ipRange && pool.ipRange.family === family
        ? `ip_range ${pool.ipRange.text}`
        : `subnet ${pool.subnet.text}`;
    sink.atValue(CODES.staticIsReserved, path, {
      message: `${address.text} is the gateway the daemon picks for network ${network.key} (the first address it can give in ${first}, as the spec gives no gateway): the engine would refuse it (Address already in use)`,
      hint: `choose another address, or give networks.${network.key} a gateway of its own`,
    });
    return;
  }
  const aux = pool.aux.find((a) => a.address.value === address.value);
  if (aux) {
    sink.atValue(CODES.staticIsReserved, path, {
      message: `${address.text} is the aux address ${JSON.stringify(aux.name)} of network ${network.key}, which Docker never assigns`,
      hint: 'choose another address, or remove the aux address',
    });
    return;
  }
  if (isV4NetworkOrBroadcast(pool.subnet, address)) {
    sink.atValue(CODES.reservedV4Address, path, {
      message: `${address.text} is the ${address.value === pool.subnet.first ? 'network' : 'broadcast'} address of ${pool.subnet.text}`,
      hint: 'choose a host address',
    });
    return;
  }
  const taken = claimed.get(network.key) ?? new Map<string, string>();
  claimed.set(network.key, taken);
  const first = taken.get(address.text);
  if (first !== undefined) {
    sink.atValue(CODES.duplicateStatic, path, {
      message: `${address.text} on network ${network.key} is also given to container ${first}`,
      hint: 'give each container its own address',
    });
    return;
  }
  taken.set(address.text, container);
  if (pool.ipRange && containsAddress(pool.ipRange, address)) {
    sink.atValue(CODES.staticInsideIpRange, path, {
      severity: 'warning',
      message: `${address.text} is inside ip_range ${pool.ipRange.text}, from which Docker assigns dynamic addresses`,
      hint: 'choose a static address outside the ip_range, so it is free even when other containers start first',
    });
  }
}

/**
 * True when the daemon reserves a gateway address of its own choosing on this network: Docker's
 * default IPAM with the built-in drivers (seen for bridge and macvlan on 20.10 and 28.5); a
 * plugin's driver or IPAM, and ipvlan in L3 mode (no gateway), decide otherwise.
 */
function daemonPicksGateway(network: NetworkFacts): boolean {
  const ipamDriver = network.spec.ipam?.driver;
  if (ipamDriver !== undefined && ipamDriver !== 'default' && ipamDriver !== '') return false;
  if (network.driver === 'ipvlan') {
    const mode = network.spec.driver_opts?.ipvlan_mode;
    return mode === undefined || mode === 'l2';
  }
  return ['bridge', 'macvlan', 'overlay'].includes(network.driver);
}
