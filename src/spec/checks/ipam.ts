import { containsAddress, containsCidr, parseAddress, parseCidr, type Cidr } from '../../core/cidr.js';
import { CODES } from '../codes.js';
import {
  familyName,
  isV4NetworkOrBroadcast,
  type NetworkFacts,
  type PoolFacts,
  type Sink,
} from './context.js';

const CIDR_HINT = 'write an address and a prefix length, e.g. 10.0.42.0/24 or fd00:42::/64';

/** Subnets, ranges, gateways and aux addresses of every declared network, v4 and v6 alike. */
export function checkIpam(networks: readonly NetworkFacts[], sink: Sink): void {
  for (const network of networks) {
    if (network.external) continue;
    checkShorthandWithoutSubnet(network, sink);
    for (const pool of network.pools) checkPool(network, pool, sink);
    checkSubnetsPerFamily(network, sink);
  }
}

/**
 * The bridge driver takes one subnet per address family ("bridge driver doesn't support multiple
 * subnets", Engine 20.10 and 28.5); macvlan, ipvlan and overlay take several (docs/spec.md,
 * "Subnets per driver"). A plugin driver decides for itself.
 */
function checkSubnetsPerFamily(network: NetworkFacts, sink: Sink): void {
  if (network.driver !== 'bridge') return;
  const first = new Map<4 | 6, PoolFacts>();
  for (const pool of network.pools) {
    if (!pool.subnet) continue;
    const earlier = first.get(pool.subnet.family);
    if (!earlier) {
      first.set(pool.subnet.family, pool);
      continue;
    }
    sink.atValue(CODES.bridgeSeveralSubnets, [...pool.path, 'subnet'], {
      message: `a second ${familyName(pool.subnet.family)} subnet (${pool.subnet.text}) on bridge network ${network.key}, which already has ${earlier.subnet!.text}: the bridge driver takes one subnet per address family`,
      hint: 'keep one subnet of each family (widen it if you need more addresses), or use another network for the other subnet',
    });
  }
}

function checkShorthandWithoutSubnet(network: NetworkFacts, sink: Sink): void {
  const { spec } = network;
  if (spec.ipam || spec.subnet !== undefined) return;
  for (const key of ['ip_range', 'gateway', 'aux_addresses'] as const) {
    if (spec[key] === undefined) continue;
    sink.atKey(CODES.poolKeyWithoutSubnet, [...network.path, key], {
      message: `${key} is given without a subnet`,
      hint: `add subnet: (the CIDR that ${key} belongs to), as Docker refuses ${key} on a daemon-chosen subnet`,
    });
  }
}

function checkPool(network: NetworkFacts, pool: PoolFacts, sink: Sink): void {
  const { spec } = pool;
  const subnetPath = [...pool.path, 'subnet'];
  const subnet = pool.subnet;
  if (!subnet) {
    sink.atValue(CODES.invalidCidr, subnetPath, {
      message: `${JSON.stringify(spec.subnet)} is not a valid CIDR`,
      hint: CIDR_HINT,
    });
  } else {
    if (subnet.hostBitsSet) {
      sink.atValue(CODES.hostBitsSet, subnetPath, {
        message: `subnet ${spec.subnet} has host bits set`,
        hint: `write ${subnet.text}`,
      });
    }
    if (subnet.family === 6 && !network.enableIPv6) {
      sink.atValue(CODES.ipv6WithoutEnable, subnetPath, {
        message: `IPv6 subnet ${subnet.text} on a network without enable_ipv6`,
        hint: `add enable_ipv6: true to networks.${network.key}`,
      });
    }
  }

  if (spec.ip_range !== undefined) checkIpRange(pool, subnet, sink);
  if (spec.gateway !== undefined) checkGateway(pool, subnet, sink);
  checkAuxAddresses(pool, subnet, sink);
}

function checkIpRange(pool: PoolFacts, subnet: Cidr | undefined, sink: Sink): void {
  const path = [...pool.path, 'ip_range'];
  const text = pool.spec.ip_range!;
  const range = parseCidr(text);
  if (!range) {
    sink.atValue(CODES.invalidCidr, path, {
      message: `${JSON.stringify(text)} is not a valid CIDR`,
      hint: CIDR_HINT,
    });
    return;
  }
  if (!subnet) return;
  if (range.family !== subnet.family) {
    sink.atValue(CODES.ipRangeFamily, path, {
      message: `ip_range ${text} is ${familyName(range.family)} but subnet ${subnet.text} is ${familyName(subnet.family)}`,
      hint: 'give each subnet its own ip_range of the same family (use ipam.config for several subnets)',
    });
  } else if (!containsCidr(subnet, range)) {
    sink.atValue(CODES.ipRangeOutsideSubnet, path, {
      message: `${text} is not inside subnet ${subnet.text}`,
      hint: `choose a range inside ${subnet.text}, or widen the subnet`,
    });
  }
}

function checkGateway(pool: PoolFacts, subnet: Cidr | undefined, sink: Sink): void {
  const path = [...pool.path, 'gateway'];
  const text = pool.spec.gateway!;
  const gateway = parseAddress(text);
  if (!gateway) {
    sink.atValue(CODES.invalidAddress, path, {
      message: `gateway ${JSON.stringify(text)} is not a valid IP address`,
      hint: 'write a single address without a prefix length, e.g. 10.0.42.1',
    });
    return;
  }
  if (!subnet) return;
  if (gateway.family !== subnet.family) {
    sink.atValue(CODES.ipRangeFamily, path, {
      message: `gateway ${text} is ${familyName(gateway.family)} but subnet ${subnet.text} is ${familyName(subnet.family)}`,
      hint: 'give each subnet a gateway of its own family',
    });
  } else if (!containsAddress(subnet, gateway)) {
    sink.atValue(CODES.gatewayOutsideSubnet, path, {
      message: `gateway ${text} is not inside subnet ${subnet.text}`,
      hint: `choose an address inside ${subnet.text}, or leave gateway out and let Docker pick one`,
    });
  } else if (isV4NetworkOrBroadcast(subnet, gateway)) {
    sink.atValue(CODES.reservedV4Address, path, {
      message: `gateway ${text} is the ${gateway.value === subnet.first ? 'network' : 'broadcast'} address of ${subnet.text}`,
      hint: 'choose a host address, conventionally the first one',
    });
  }
}

function checkAuxAddresses(pool: PoolFacts, subnet: Cidr | undefined, sink: Sink): void {
  const seen = new Map<string, string>();
  if (pool.gateway) seen.set(pool.gateway.text, 'the gateway');
  for (const [name, text] of Object.entries(pool.spec.aux_addresses ?? {})) {
    const path = [...pool.path, 'aux_addresses', name];
    const address = parseAddress(text);
    if (!address) {
      sink.atValue(CODES.invalidAddress, path, {
        message: `aux address ${JSON.stringify(text)} is not a valid IP address`,
        hint: 'write a single address without a prefix length, e.g. 10.0.42.2',
      });
      continue;
    }
    if (subnet && !containsAddress(subnet, address)) {
      sink.atValue(CODES.auxOutsideSubnet, path, {
        message: `aux address ${text} is not inside subnet ${subnet.text}`,
        hint: `choose an address inside ${subnet.text}`,
      });
      continue;
    }
    if (subnet && isV4NetworkOrBroadcast(subnet, address)) {
      sink.atValue(CODES.reservedV4Address, path, {
        message: `aux address ${text} is the ${address.value === subnet.first ? 'network' : 'broadcast'} address of ${subnet.text}`,
        hint: 'Docker never assigns it anyway; remove this entry',
      });
      continue;
    }
    const other = seen.get(address.text);
    if (other !== undefined) {
      sink.atValue(CODES.poolAddressConflict, path, {
        message: `aux address ${text} is the same address as ${other}`,
        hint: 'each reserved address must be different; remove or change one',
      });
      continue;
    }
    seen.set(address.text, `aux address ${JSON.stringify(name)}`);
  }
}

/**
 * Overlapping subnets, within one network and between declared networks (external ones excluded:
 * their subnets are not ours). A sweep over the subnets sorted by first address: linear after
 * the sort, so thousands of networks stay fast.
 */
export function checkOverlaps(networks: readonly NetworkFacts[], sink: Sink): void {
  interface Entry {
    network: NetworkFacts;
    pool: PoolFacts;
    subnet: Cidr;
    order: number;
  }
  const entries: Entry[] = [];
  for (const network of networks) {
    if (network.external) continue;
    for (const pool of network.pools) {
      if (pool.subnet) entries.push({ network, pool, subnet: pool.subnet, order: entries.length });
    }
  }
  entries.sort((a, b) =>
    a.subnet.family !== b.subnet.family
      ? a.subnet.family - b.subnet.family
      : a.subnet.first < b.subnet.first
        ? -1
        : a.subnet.first > b.subnet.first
          ? 1
          : a.order - b.order,
  );
  let reach: Entry | undefined;
  for (const entry of entries) {
    if (reach && reach.subnet.family === entry.subnet.family && entry.subnet.first <= reach.subnet.last) {
      // Report on the one written later, naming the earlier.
      const [first, later] = reach.order < entry.order ? [reach, entry] : [entry, reach];
      const same = first.network === later.network;
      sink.atValue(CODES.subnetOverlap, [...later.pool.path, 'subnet'], {
        message: same
          ? `subnet ${later.subnet.text} overlaps subnet ${first.subnet.text} of the same network`
          : `subnet ${later.subnet.text} overlaps subnet ${first.subnet.text} of network ${first.network.key}`,
        hint: 'Docker refuses overlapping subnets; choose a subnet that does not overlap',
      });
    }
    if (!reach || reach.subnet.family !== entry.subnet.family || entry.subnet.last > reach.subnet.last)
      reach = entry;
  }
}
