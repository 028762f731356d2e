import { parseAddress, parseCidr, type Address, type Cidr } from '../../core/cidr.js';
import type { IpamPoolSpec, NetworkSpec } from '../../model/spec.generated.js';
import { PREDEFINED_NETWORKS } from '../../model/desired.js';
import type { DiagnosticSink } from '../diagnose.js';
import { dockerNetworkName, networkDefaults, poolsOf } from '../normalize.js';
import type { SpecPath } from '../source-map.js';

/** One IPAM pool of a declared network, with the parts that parsed. */
export interface PoolFacts {
  spec: IpamPoolSpec;
  /** Where the pool's keys live: the network itself (shorthand) or ipam.config[i]. */
  path: SpecPath;
  subnet?: Cidr;
  ipRange?: Cidr;
  gateway?: Address;
  aux: { name: string; address: Address }[];
}

/** What the checks need to know about one declared network. */
export interface NetworkFacts {
  key: string;
  path: SpecPath;
  spec: NetworkSpec;
  dockerName: string;
  driver: string;
  external: boolean;
  predefined: boolean;
  enableIPv6: boolean;
  pools: PoolFacts[];
}

export interface CheckContext {
  project: string;
  /** False when the project was derived from the directory name (a problem is then worded so). */
  projectFromSpec: boolean;
}

/** Parses each declared network's pools once; syntax problems are reported by checkIpam. */
export function networkFacts(networks: Record<string, NetworkSpec | null> | undefined): NetworkFacts[] {
  return Object.entries(networks ?? {}).map(([key, declared]) => {
    const spec = declared ?? {};
    const path = ['networks', key];
    const dockerName = dockerNetworkName(key, spec);
    const { pools, path: poolPath } = poolsOf(spec);
    return {
      key,
      path,
      spec,
      dockerName,
      ...pick(networkDefaults(spec), 'driver', 'external', 'enableIPv6'),
      predefined: PREDEFINED_NETWORKS.includes(dockerName),
      pools: pools.map((pool, index) => {
        const facts: PoolFacts = { spec: pool, path: [...path, ...poolPath(index)], aux: [] };
        const subnet = parseCidr(pool.subnet);
        if (subnet) facts.subnet = subnet;
        const ipRange = pool.ip_range === undefined ? undefined : parseCidr(pool.ip_range);
        if (ipRange) facts.ipRange = ipRange;
        const gateway = pool.gateway === undefined ? undefined : parseAddress(pool.gateway);
        if (gateway) facts.gateway = gateway;
        for (const [name, text] of Object.entries(pool.aux_addresses ?? {})) {
          const address = parseAddress(text);
          if (address) facts.aux.push({ name, address });
        }
        return facts;
      }),
    };
  });
}

export { NAME_PATTERN } from '../../model/docker-rules.js';

function pick<T, K extends keyof T>(from: T, ...keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, from[key]])) as Pick<T, K>;
}

export type Sink = DiagnosticSink;

export const familyName = (family: 4 | 6): string => (family === 4 ? 'IPv4' : 'IPv6');

/** True for the IPv4 network or broadcast address of a block that has them (/30 and larger). */
export function isV4NetworkOrBroadcast(block: Cidr, address: Address): boolean {
  return (
    block.family === 4 &&
    block.prefix <= 30 &&
    (address.value === block.first || address.value === block.last)
  );
}
