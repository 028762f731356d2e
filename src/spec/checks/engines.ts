import { closest, distance } from 'fastest-levenshtein';
import {
  containsAddress,
  containsCidr,
  overlaps,
  parseAddress,
  parseCidr,
  type Address,
  type Cidr,
} from '../../core/cidr.js';
import { DOCKER_HOST_HINT, parseDockerHost } from '../../core/docker-host.js';
import type { ContainerSpec, EngineOrNull, NetworkEngineSpec } from '../../model/spec.generated.js';
import { CODES } from '../codes.js';
import { listOf } from '../normalize-engines.js';
import { attachmentsOf } from '../normalize.js';
import type { SpecPath } from '../source-map.js';
import {
  NAME_PATTERN,
  isV4NetworkOrBroadcast,
  type NetworkFacts,
  type PoolFacts,
  type Sink,
} from './context.js';
import { checkLabels, NO_PARENT_DRIVERS, PARENT_DRIVERS } from './networks.js';

/**
 * The checks of a spec with several engines (docs/spec.md#engines): the `engines:` entries, every
 * place that names an engine, a network's settings per engine, where containers run, and the
 * checks across engines of a macvlan or ipvlan network that several engines share (one subnet on
 * several engines is one layer-2 segment: their ranges, gateways and static addresses must not
 * collide). All offline.
 */
export function checkEngines(
  engines: Record<string, EngineOrNull> | undefined,
  containers: Record<string, ContainerSpec | null> | undefined,
  networks: readonly NetworkFacts[],
  sink: Sink,
): void {
  const declared = checkEngineEntries(engines, sink);
  const placements = new Map<string, Placement>();
  for (const network of networks) placements.set(network.key, checkNetworkEngines(network, declared, sink));
  const statics = checkContainerEngines(containers, networks, placements, declared, sink);
  for (const network of networks) {
    const placement = placements.get(network.key)!;
    const onNetwork = statics.filter((s) => s.network === network.key);
    checkStaticsOnEngines(network, placement, onNetwork, sink);
    checkLayer2(network, placement, enginesOf(placement, declared), onNetwork, sink);
  }
}

/** Where a network is placed: its `engines:` entries (absent: on every engine of the spec). */
interface Placement {
  entries?: EngineEntry[];
}

/** One engine a network names, with its per-engine addresses parsed. */
interface EngineEntry {
  engine: string;
  /** The map key, or the list item, that names the engine. */
  path: SpecPath;
  named: 'key' | 'value';
  ranges: { cidr: Cidr; pool: PoolFacts; path: SpecPath }[];
  gateways: { address: Address; pool: PoolFacts; path: SpecPath }[];
}

/** A static address the spec gives a container on a network, and the engines it applies on. */
interface StaticAddress {
  container: string;
  network: string;
  engines: string[];
  address: Address;
  path: SpecPath;
}

const enginesOf = (placement: Placement, declared: readonly string[] | undefined): string[] =>
  placement.entries ? placement.entries.map((e) => e.engine) : [...(declared ?? [])];

const joinNames = (names: readonly string[]): string => names.join(', ');

/** The top-level entries; returns the declared engine names (undefined without `engines:`). */
function checkEngineEntries(
  engines: Record<string, EngineOrNull> | undefined,
  sink: Sink,
): string[] | undefined {
  if (engines === undefined) return undefined;
  const names = Object.keys(engines);
  if (names.length === 0) {
    sink.atKey(CODES.emptyEngineList, ['engines'], {
      message: 'engines: names no engine',
      hint: 'name each engine with its host: or context:, or remove engines: to work on one engine',
    });
  }
  for (const name of names) {
    const path = ['engines', name];
    const entry = engines[name] ?? {};
    if (!NAME_PATTERN.test(name)) {
      sink.atKey(CODES.invalidName, path, {
        message: `engine name ${JSON.stringify(name)} is not valid`,
        hint: 'use letters, digits, and _ . - (not first)',
      });
    }
    if (entry.host === undefined && entry.context === undefined) {
      sink.atKey(CODES.engineAddressMissing, path, {
        message: `engine ${name} says neither how to reach it (host:) nor which docker context to use (context:)`,
        hint: 'add host: unix:///…, tcp://HOST:PORT or ssh://USER@HOST, or context: NAME',
      });
    } else if (entry.host !== undefined && entry.context !== undefined) {
      sink.atKey(CODES.engineAddressMissing, [...path, 'context'], {
        message: `engine ${name} has both host: and context:`,
        hint: 'keep one: a docker context already names its host and TLS files',
      });
    }
    let kind: string | undefined;
    if (entry.host !== undefined) {
      const parsed = parseDockerHost(entry.host);
      if ('error' in parsed) {
        sink.atValue(CODES.engineHostInvalid, [...path, 'host'], {
          message: parsed.error,
          hint: DOCKER_HOST_HINT,
        });
      } else {
        kind = parsed.kind;
      }
    }
    if (entry.tls !== undefined) checkTls(name, entry.tls, entry.context !== undefined, kind, path, sink);
  }
  return names;
}

function checkTls(
  name: string,
  tls: NonNullable<NonNullable<EngineOrNull>['tls']>,
  viaContext: boolean,
  kind: string | undefined,
  path: SpecPath,
  sink: Sink,
): void {
  if (viaContext || (kind !== undefined && kind !== 'tcp')) {
    sink.atKey(CODES.engineTlsMisplaced, [...path, 'tls'], {
      message: viaContext
        ? `engine ${name} uses a docker context, which holds its own TLS files`
        : `engine ${name} is reached by ${kind}://, which takes no TLS files`,
      hint: viaContext
        ? 'remove tls: (the context holds its TLS files: docker context update NAME --docker ...)'
        : 'remove tls:, or reach the engine by tcp://HOST:2376',
    });
    return;
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    const given = tls.cert !== undefined ? 'cert' : 'key';
    sink.atKey(CODES.engineTlsMisplaced, [...path, 'tls', given], {
      message: `engine ${name} has a TLS ${given} without its ${given === 'cert' ? 'key' : 'cert'}`,
      hint: 'give the client certificate and its key together, or neither',
    });
  }
}

/** Reports a name that is not a declared engine; true when it is one. */
function checkEngineName(
  name: string,
  path: SpecPath,
  named: 'key' | 'value',
  declared: readonly string[] | undefined,
  sink: Sink,
): boolean {
  const report = named === 'key' ? sink.atKey.bind(sink) : sink.atValue.bind(sink);
  if (declared === undefined) {
    report(CODES.undeclaredEngine, path, {
      message: `engine ${name} is named here, but the spec declares no engines`,
      hint: 'declare the engines at the top level (engines: NAME: { host: … }), or remove this engines:',
    });
    return false;
  }
  if (declared.includes(name)) return true;
  const suggestion = declared.length > 0 ? closest(name, [...declared]) : undefined;
  const close =
    suggestion !== undefined && distance(name, suggestion) <= Math.max(2, Math.floor(name.length / 3));
  report(CODES.undeclaredEngine, path, {
    message: `engine ${name} is not declared under engines:`,
    hint: close ? `did you mean ${suggestion}?` : `the declared engines: ${joinNames(declared)}`,
  });
  return false;
}

/** A network's `engines:` (list or map) and its settings per engine. */
function checkNetworkEngines(
  network: NetworkFacts,
  declared: readonly string[] | undefined,
  sink: Sink,
): Placement {
  const engines = network.spec.engines;
  if (engines === undefined) return {};
  const path = [...network.path, 'engines'];
  const entries: EngineEntry[] = [];
  const names = Array.isArray(engines) ? engines : Object.keys(engines);
  if (names.length === 0) {
    sink.atKey(CODES.emptyEngineList, path, {
      message: `network ${network.key} is placed on no engine`,
      hint: 'name the engines it exists on, or remove the network (netform then removes it everywhere)',
    });
  }
  if (Array.isArray(engines)) {
    engines.forEach((name, index) => {
      const where = [...path, index];
      if (checkEngineName(name, where, 'value', declared, sink)) {
        entries.push({ engine: name, path: where, named: 'value', ranges: [], gateways: [] });
      }
    });
    return { entries };
  }
  for (const [name, settings] of Object.entries(engines)) {
    const where = [...path, name];
    const known = checkEngineName(name, where, 'key', declared, sink);
    const entry: EngineEntry = { engine: name, path: where, named: 'key', ranges: [], gateways: [] };
    if (settings) checkSettingsOnEngine(network, entry, settings, sink);
    if (known) entries.push(entry);
  }
  checkParentsOnEngines(network, engines, path, sink);
  return { entries };
}

/** The per-engine keys: parent, ip_range, gateway, aux_addresses, driver_opts, labels. */
function checkSettingsOnEngine(
  network: NetworkFacts,
  entry: EngineEntry,
  settings: NetworkEngineSpec,
  sink: Sink,
): void {
  const where = entry.path;
  if (network.external) {
    for (const key of Object.keys(settings)) {
      sink.atKey(CODES.externalWithSettings, [...where, key], {
        message: `an external network takes no ${key} per engine: netform never creates or changes it`,
        hint: `list the engines it exists on (engines: [${entry.engine}]), or remove external: true to let netform manage it`,
      });
    }
    return;
  }
  if (settings.parent !== undefined && !PARENT_DRIVERS.includes(network.driver)) {
    const builtIn = NO_PARENT_DRIVERS.includes(network.driver);
    sink.atKey(CODES.parentOnWrongDriver, [...where, 'parent'], {
      severity: builtIn ? 'error' : 'warning',
      message: builtIn
        ? `the ${network.driver} driver takes no parent interface`
        : `parent is given for the driver ${network.driver}; only macvlan and ipvlan are known to take one`,
      hint: builtIn
        ? 'remove parent, or set driver: macvlan or ipvlan'
        : 'check that the plugin takes a parent option',
    });
  }
  const pools = network.pools.filter(
    (pool): pool is PoolFacts & { subnet: Cidr } => pool.subnet !== undefined,
  );
  const subnets = (): string =>
    `${pools.length === 1 ? 'subnet' : 'any of the subnets'} ${pools.map((p) => p.subnet.text).join(', ')} of network ${network.key}`;
  const withoutSubnet = (key: string): void => {
    sink.atKey(CODES.poolKeyWithoutSubnet, [...where, key], {
      message: `${key} is given for engine ${entry.engine}, but network ${network.key} declares no subnet`,
      hint: `declare subnet: on networks.${network.key}; Docker refuses ${key} on a daemon-chosen subnet`,
    });
  };
  const items = (key: 'ip_range' | 'gateway'): { text: string; path: SpecPath }[] => {
    const value = settings[key];
    return listOf(value).map((text, index) => ({
      text,
      path: Array.isArray(value) ? [...where, key, index] : [...where, key],
    }));
  };

  const ranges = items('ip_range');
  if (ranges.length > 0 && network.pools.length === 0) withoutSubnet('ip_range');
  for (const { text, path } of ranges) {
    const cidr = parseCidr(text);
    if (!cidr) {
      sink.atValue(CODES.invalidCidr, path, {
        message: `${JSON.stringify(text)} is not a valid CIDR`,
        hint: 'write an address and a prefix length, e.g. 192.168.1.64/27',
      });
      continue;
    }
    if (pools.length === 0) continue;
    const pool = pools.find((p) => containsCidr(p.subnet, cidr));
    if (!pool) {
      sink.atValue(CODES.ipRangeOutsideSubnet, path, {
        message: `${text} is not inside ${subnets()}`,
        hint: 'choose a range inside a subnet of the network',
      });
      continue;
    }
    if (entry.ranges.some((r) => r.pool === pool)) {
      sink.atValue(CODES.layer2RangesOverlap, path, {
        message: `engine ${entry.engine} gives a second ip_range in subnet ${pool.subnet.text}`,
        hint: 'give one ip_range per subnet and engine',
      });
      continue;
    }
    entry.ranges.push({ cidr, pool, path });
  }

  const gateways = items('gateway');
  if (gateways.length > 0 && network.pools.length === 0) withoutSubnet('gateway');
  for (const { text, path } of gateways) {
    const address = parseAddress(text);
    if (!address) {
      sink.atValue(CODES.invalidAddress, path, {
        message: `gateway ${JSON.stringify(text)} is not a valid IP address`,
        hint: 'write a single address without a prefix length, e.g. 192.168.1.1',
      });
      continue;
    }
    if (pools.length === 0) continue;
    const pool = pools.find((p) => containsAddress(p.subnet, address));
    if (!pool) {
      sink.atValue(CODES.gatewayOutsideSubnet, path, {
        message: `gateway ${text} is not inside ${subnets()}`,
        hint: 'choose an address inside a subnet of the network, or leave gateway out',
      });
      continue;
    }
    if (isV4NetworkOrBroadcast(pool.subnet, address)) {
      sink.atValue(CODES.reservedV4Address, path, {
        message: `gateway ${text} is the ${address.value === pool.subnet.first ? 'network' : 'broadcast'} address of ${pool.subnet.text}`,
        hint: 'choose a host address',
      });
      continue;
    }
    if (entry.gateways.some((g) => g.pool === pool)) {
      sink.atValue(CODES.layer2RangesOverlap, path, {
        message: `engine ${entry.engine} gives a second gateway in subnet ${pool.subnet.text}`,
        hint: 'give one gateway per subnet and engine',
      });
      continue;
    }
    entry.gateways.push({ address, pool, path });
  }

  const aux = settings.aux_addresses;
  if (aux !== undefined && Object.keys(aux).length > 0 && network.pools.length === 0)
    withoutSubnet('aux_addresses');
  const seen = new Map<string, string>();
  for (const [name, text] of Object.entries(aux ?? {})) {
    const path = [...where, 'aux_addresses', name];
    const address = parseAddress(text);
    if (!address) {
      sink.atValue(CODES.invalidAddress, path, {
        message: `aux address ${JSON.stringify(text)} is not a valid IP address`,
        hint: 'write a single address without a prefix length, e.g. 192.168.1.2',
      });
      continue;
    }
    if (pools.length === 0) continue;
    const pool = pools.find((p) => containsAddress(p.subnet, address));
    if (!pool) {
      sink.atValue(CODES.auxOutsideSubnet, path, {
        message: `aux address ${text} is not inside ${subnets()}`,
        hint: 'choose an address inside a subnet of the network',
      });
      continue;
    }
    if (isV4NetworkOrBroadcast(pool.subnet, address)) {
      sink.atValue(CODES.reservedV4Address, path, {
        message: `aux address ${text} is the ${address.value === pool.subnet.first ? 'network' : 'broadcast'} address of ${pool.subnet.text}`,
        hint: 'Docker never assigns it anyway; remove this entry',
      });
      continue;
    }
    const gateway = entry.gateways.find((g) => g.pool === pool)?.address ?? pool.gateway;
    const other =
      gateway?.value === address.value ? `the gateway on engine ${entry.engine}` : seen.get(address.text);
    if (other !== undefined) {
      sink.atValue(CODES.poolAddressConflict, path, {
        message: `aux address ${text} is the same address as ${other}`,
        hint: 'each reserved address must be different; remove or change one',
      });
      continue;
    }
    seen.set(address.text, `aux address ${JSON.stringify(name)}`);
  }

  if (settings.labels !== undefined) checkLabels({ spec: { labels: settings.labels }, path: where }, sink);
}

/**
 * A macvlan or ipvlan network whose parent is given for some engines only: the others would get
 * a dummy interface (networks.ts warns once when no engine has one).
 */
function checkParentsOnEngines(
  network: NetworkFacts,
  engines: Record<string, NetworkEngineSpec | null>,
  path: SpecPath,
  sink: Sink,
): void {
  if (network.external || !PARENT_DRIVERS.includes(network.driver)) return;
  if (network.spec.parent !== undefined || network.spec.driver_opts?.parent !== undefined) return;
  const hasParent = (entry: NetworkEngineSpec | null): boolean =>
    entry?.parent !== undefined || entry?.driver_opts?.parent !== undefined;
  const entries = Object.entries(engines);
  if (!entries.some(([, entry]) => hasParent(entry))) return;
  for (const [name, entry] of entries) {
    if (hasParent(entry)) continue;
    sink.atKey(CODES.parentMissing, [...path, name], {
      severity: 'warning',
      message: `${network.driver} network ${network.key} has no parent interface on engine ${name}: Docker creates a dummy one there, with no outside connectivity`,
      hint: `add parent: under networks.${network.key}.engines.${name}, or a parent for every engine on the network`,
    });
  }
}

/** Containers' `engines:`, where they run against where their networks exist; returns their static addresses. */
function checkContainerEngines(
  containers: Record<string, ContainerSpec | null> | undefined,
  networks: readonly NetworkFacts[],
  placements: ReadonlyMap<string, Placement>,
  declared: readonly string[] | undefined,
  sink: Sink,
): StaticAddress[] {
  const byKey = new Map(networks.map((n) => [n.key, n]));
  const statics: StaticAddress[] = [];
  for (const [name, container] of Object.entries(containers ?? {})) {
    const path = ['containers', name];
    const engines = container?.engines;
    let on: string[];
    if (engines === undefined) {
      if (declared !== undefined && declared.length >= 2) {
        sink.atKey(CODES.containerEnginesMissing, path, {
          message: `container ${name} does not say which engines it runs on, and the spec declares several (${joinNames(declared)})`,
          hint: `add engines: [${declared[0]}] (the engines it runs on) or engines: all`,
        });
      }
      on = [...(declared ?? [])];
    } else if (engines === 'all') {
      if (declared === undefined) checkEngineName('all', [...path, 'engines'], 'value', declared, sink);
      on = [...(declared ?? [])];
    } else {
      if (engines.length === 0) {
        sink.atKey(CODES.emptyEngineList, [...path, 'engines'], {
          message: `container ${name} is placed on no engine`,
          hint: 'name the engines it runs on, or engines: all',
        });
      }
      on = engines.filter((engine, index) =>
        checkEngineName(engine, [...path, 'engines', index], 'value', declared, sink),
      );
    }
    for (const { network: key, endpoint, segment } of attachmentsOf(container?.networks)) {
      const network = byKey.get(key);
      if (!network) continue; // containers.ts reports undeclared networks (NF027)
      const where = [...path, 'networks', segment];
      const placement = placements.get(key)!;
      const there = enginesOf(placement, declared);
      const missing = placement.entries ? on.filter((engine) => !there.includes(engine)) : [];
      if (missing.length > 0) {
        sink.atKey(CODES.networkNotOnEngine, where, {
          message: `network ${key} does not exist on engine${missing.length === 1 ? '' : 's'} ${joinNames(missing)}, where container ${name} runs (networks.${key}.engines: ${joinNames(there) || 'none'})`,
          hint: `add ${joinNames(missing)} to networks.${key}.engines, or run the container on fewer engines (its engines:)`,
        });
      }
      for (const field of ['ipv4_address', 'ipv6_address'] as const) {
        const text = endpoint[field];
        const address = text === undefined ? undefined : parseAddress(text);
        if (!address) continue; // containers.ts reports invalid addresses
        statics.push({
          container: name,
          network: key,
          engines: on.filter((engine) => there.includes(engine)),
          address,
          path: [...where, field],
        });
      }
    }
  }
  return statics;
}

/** A static address against the gateway and ip_range the network has on the container's own engine. */
function checkStaticsOnEngines(
  network: NetworkFacts,
  placement: Placement,
  statics: readonly StaticAddress[],
  sink: Sink,
): void {
  if (!placement.entries || network.external) return;
  for (const s of statics) {
    for (const engine of s.engines) {
      const entry = placement.entries.find((e) => e.engine === engine);
      const gateway = entry?.gateways.find((g) => g.address.value === s.address.value);
      if (gateway) {
        sink.atValue(CODES.staticIsReserved, s.path, {
          message: `${s.address.text} is the gateway of network ${network.key} on engine ${engine}`,
          hint: 'choose another address',
        });
        break;
      }
      const range = entry?.ranges.find((r) => containsAddress(r.cidr, s.address));
      if (range) {
        sink.atValue(CODES.staticInsideIpRange, s.path, {
          severity: 'warning',
          message: `${s.address.text} is inside ip_range ${range.cidr.text} of engine ${engine}, from which Docker assigns dynamic addresses`,
          hint: 'choose a static address outside the ip_range, so it is free even when other containers start first',
        });
        break;
      }
    }
  }
}

/**
 * A macvlan or ipvlan network on several engines with one subnet is one layer-2 segment: each
 * engine needs its own ip_range in each subnet, the ranges must not overlap, and no engine's
 * gateway or container address may fall in another engine's range or be used on two engines.
 */
function checkLayer2(
  network: NetworkFacts,
  placement: Placement,
  engines: readonly string[],
  statics: readonly StaticAddress[],
  sink: Sink,
): void {
  if (network.external || !PARENT_DRIVERS.includes(network.driver) || engines.length < 2) return;
  const segment = `${network.driver} network ${network.key} is on engines ${joinNames(engines)}`;
  if (network.pools.length === 0) {
    sink.atKey(CODES.layer2WithoutEngineRanges, network.path, {
      message: `${segment} without a subnet: each engine would pick the same subnet and hand out the same addresses on one layer-2 segment`,
      hint: `declare subnet: (the segment's subnet) and give each engine its own ip_range under networks.${network.key}.engines`,
    });
    return;
  }
  const entryOf = (engine: string): EngineEntry | undefined =>
    placement.entries?.find((e) => e.engine === engine);
  for (const pool of network.pools) {
    const subnet = pool.subnet;
    if (!subnet) continue;
    const rangeOf = (engine: string): EngineEntry['ranges'][number] | undefined =>
      entryOf(engine)?.ranges.find((r) => r.pool === pool);
    const lacking = engines.filter((engine) => !rangeOf(engine));
    if (lacking.length > 0 && !placement.entries) {
      sink.atValue(CODES.layer2WithoutEngineRanges, [...pool.path, 'subnet'], {
        message: `${segment} with one subnet ${subnet.text} (one layer-2 segment) and no ip_range per engine: the engines would hand out the same addresses`,
        hint: `list the engines under networks.${network.key}.engines, each with its own ip_range inside ${subnet.text}`,
      });
    } else {
      for (const engine of lacking) {
        const entry = entryOf(engine)!;
        const report = entry.named === 'key' ? sink.atKey.bind(sink) : sink.atValue.bind(sink);
        report(CODES.layer2WithoutEngineRanges, entry.path, {
          message: `engine ${engine} has no ip_range of its own in subnet ${subnet.text}: ${segment} (one layer-2 segment), and the engines would hand out the same addresses`,
          hint: `give networks.${network.key}.engines.${engine} an ip_range inside ${subnet.text} that no other engine's overlaps`,
        });
      }
    }

    const ranges = engines.flatMap((engine) => {
      const range = rangeOf(engine);
      return range ? [{ engine, ...range }] : [];
    });
    ranges.forEach((later, index) => {
      const earlier = ranges.slice(0, index).find((r) => overlaps(r.cidr, later.cidr));
      if (earlier) {
        sink.atValue(CODES.layer2RangesOverlap, later.path, {
          message: `ip_range ${later.cidr.text} of engine ${later.engine} overlaps ip_range ${earlier.cidr.text} of engine ${earlier.engine}: ${segment} (one layer-2 segment)`,
          hint: "give each engine a range of its own that no other engine's overlaps",
        });
      }
    });

    const gatewayOf = (engine: string): { address: Address; path: SpecPath } | undefined => {
      const own = entryOf(engine)?.gateways.find((g) => g.pool === pool);
      if (own) return own;
      return pool.gateway ? { address: pool.gateway, path: [...pool.path, 'gateway'] } : undefined;
    };
    const reported = new Set<string>();
    for (const engine of engines) {
      const gateway = gatewayOf(engine);
      if (!gateway) continue;
      for (const other of ranges) {
        if (other.engine === engine || !containsAddress(other.cidr, gateway.address)) continue;
        if (gatewayOf(other.engine)?.address.value === gateway.address.value) continue;
        const key = `${gateway.path.join('\u0000')}\u0001${other.engine}`;
        if (reported.has(key)) continue;
        reported.add(key);
        sink.atValue(CODES.layer2AddressCollision, gateway.path, {
          message: `gateway ${gateway.address.text} of engine ${engine} is inside ip_range ${other.cidr.text} of engine ${other.engine}: ${segment} (one layer-2 segment), and ${other.engine} may hand it to a container`,
          hint: `choose a gateway outside every engine's ip_range`,
        });
      }
    }

    for (const s of statics) {
      if (!containsAddress(subnet, s.address)) continue;
      const collision = collisionOf(s, engines, ranges, gatewayOf);
      if (collision) {
        sink.atValue(CODES.layer2AddressCollision, s.path, {
          message: `${s.address.text} of container ${s.container} ${collision}: ${segment} (one layer-2 segment)`,
          hint:
            s.engines.length >= 2
              ? 'run the container on one engine of this network, or leave the static address out'
              : "choose an address outside every engine's ip_range and gateway",
        });
      }
    }
  }
}

function collisionOf(
  s: StaticAddress,
  engines: readonly string[],
  ranges: readonly { engine: string; cidr: Cidr }[],
  gatewayOf: (engine: string) => { address: Address } | undefined,
): string | undefined {
  if (s.engines.length >= 2) return `is given on engines ${joinNames(s.engines)} at once`;
  const others = engines.filter((engine) => !s.engines.includes(engine));
  const range = ranges.find((r) => others.includes(r.engine) && containsAddress(r.cidr, s.address));
  if (range) {
    return `on engine ${s.engines[0] ?? '?'} is inside ip_range ${range.cidr.text} of engine ${range.engine}, which may hand it to another container`;
  }
  const gatewayEngine = others.find((engine) => gatewayOf(engine)?.address.value === s.address.value);
  if (gatewayEngine) return `on engine ${s.engines[0] ?? '?'} is the gateway of engine ${gatewayEngine}`;
  return undefined;
}
