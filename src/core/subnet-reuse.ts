import type { DesiredNetwork, DesiredState } from '../model/desired.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { isDefaultIpamDriver } from '../model/docker-rules.js';
import type { Action } from '../model/plan.js';
import { overlaps, parseCidr, type Cidr } from './cidr.js';
import { defaultScopeOf } from './normalize-observed.js';
import { subnetStillHeld } from './plan-diagnostics.js';

interface HeldPool {
  network: string;
  subnet: string;
  block: Cidr;
  space: string;
}

/**
 * The default IPAM driver refuses a pool that overlaps one already allocated in the same address
 * space (local or global). Overlap with another IPAM driver's pools is that driver's affair.
 */
function poolsOf(network: DesiredNetwork): HeldPool[] {
  if (!isDefaultIpamDriver(network.ipam.driver)) return [];
  const scope = network.scope ?? defaultScopeOf(network.driver);
  const space = scope === 'swarm' || scope === 'global' ? 'global' : 'local';
  return network.ipam.config.flatMap((pool) => {
    const block = parseCidr(pool.subnet);
    return block ? [{ network: network.name, subnet: pool.subnet, block, space }] : [];
  });
}

/**
 * A network the plan creates (or replaces) with a subnet that a network it removes (or replaces)
 * still holds at that moment: apply creates before it replaces and replaces before it removes
 * (PRODUCT.md §4), so the engine answers "Pool overlaps with other one on this address space",
 * and running apply again fails the same way. Renaming a network in the spec is the usual case.
 */
export function subnetReuseProblems(desired: DesiredState, actions: readonly Action[]): Diagnostic[] {
  const removed = actions.flatMap((a) => (a.kind === 'remove' ? poolsOf(a.before) : []));
  const replacedOld = actions.flatMap((a) => (a.kind === 'replace' ? poolsOf(a.before) : []));
  const problems: Diagnostic[] = [];
  const check = (taker: DesiredNetwork, held: HeldPool[], how: 'removes' | 'replaces'): void => {
    for (const pool of poolsOf(taker)) {
      const holder = held.find(
        (h) => h.network !== taker.name && h.space === pool.space && overlaps(h.block, pool.block),
      );
      if (!holder) continue;
      problems.push(
        subnetStillHeld(
          taker.name,
          pool.subnet,
          holder.network,
          holder.subnet,
          how,
          desired.networks[taker.name]?.source,
        ),
      );
    }
  };
  for (const action of actions) {
    if (action.kind === 'create') {
      check(action.after, removed, 'removes');
      check(action.after, replacedOld, 'replaces');
    }
    if (action.kind === 'replace') check(action.after, removed, 'removes');
  }
  return problems;
}
