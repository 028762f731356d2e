import { parseCidr } from './cidr.js';

/**
 * The address the daemon picks as gateway when none is given: the first address it can allocate,
 * which is the ip_range's first address when there is a range, else the subnet's first host
 * (docs/plan.md, "What is drift and what is not"). Seen on 20.10 and 28.5, for IPv4 and IPv6,
 * bridge and macvlan: subnet 10.213.101.0/24 with ip_range 10.213.101.128/25 gets gateway
 * 10.213.101.128, and a container asking for that address is refused ("Address already in use").
 * Undefined when the pool does not parse. Used by the diff, by the replace checks and by
 * validate (a static address equal to it), so it lives where spec/ may import it.
 */
export function daemonGatewayValue(pool: { subnet: string; ipRange?: string }): bigint | undefined {
  const block = parseCidr(pool.subnet);
  if (!block) return undefined;
  const range = pool.ipRange === undefined ? undefined : parseCidr(pool.ipRange);
  const start = range && range.family === block.family ? range.first : block.first;
  return start === block.first ? start + 1n : start;
}
