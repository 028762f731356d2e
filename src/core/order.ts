import type { EndpointSettings } from '../model/desired.js';
import type { Action, ActionKind, PlanNote, PlanSummary } from '../model/plan.js';
import { compareText } from './normalize-observed.js';

/**
 * The order action kinds are carried out in (docs/apply.md): creates, replaces, endpoint actions,
 * removes. Among endpoint actions, disconnects come first so an address or alias they free can
 * be taken by a connect. A plan lists its actions in this order and the executor runs one phase
 * per kind in this order, each waiting for the one before.
 */
export const ACTION_KIND_ORDER: readonly ActionKind[] = [
  'create',
  'replace',
  'disconnect',
  'reconnect',
  'connect',
  // After the networks they join exist, before the removal of networks they leave (docs/swarm.md).
  'service-update',
  'remove',
];

const KIND_RANK = Object.fromEntries(ACTION_KIND_ORDER.map((kind, rank) => [kind, rank])) as Record<
  ActionKind,
  number
>;

const containerOf = (action: Action): string => ('container' in action ? action.container : '');

/** The network an action is about; a service update's service name (it touches several). */
export const actionSubject = (action: Action): string =>
  action.kind === 'service-update' ? action.service : action.network;

/**
 * Config-only networks are created before, and removed after, the networks made from them
 * (docs/swarm.md): the plan lists them in the order the executor runs them.
 */
const configOnlyRank = (action: Action): number =>
  action.kind === 'create'
    ? action.after.configOnly
      ? 0
      : 1
    : action.kind === 'remove' && action.before.configOnly
      ? 1
      : 0;

/** 0 for a connect or reconnect that asks for a static address, else 1. */
const staticRank = (action: Action): number =>
  (action.kind === 'connect' || action.kind === 'reconnect') && hasStaticAddress(action.after) ? 0 : 1;

/** True when the endpoint asks for a static IPv4 or IPv6 address. */
export const hasStaticAddress = (settings: EndpointSettings): boolean =>
  settings.ipv4Address !== undefined || settings.ipv6Address !== undefined;

/**
 * Within a kind, by network, then the endpoints with a static address before those the daemon
 * gives one (a dynamic endpoint connected first could take the static one's address: docs/plan.md,
 * "Reading a plan"), then container name, so a plan is deterministic.
 */
export function orderActions(actions: readonly Action[]): Action[] {
  const sorted = [...actions].sort(
    (a, b) =>
      KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
      configOnlyRank(a) - configOnlyRank(b) ||
      compareText(actionSubject(a), actionSubject(b)) ||
      staticRank(a) - staticRank(b) ||
      compareText(containerOf(a), containerOf(b)),
  );
  return byConnectPriority(sorted);
}

/** Compose's `priority` of the endpoint an action connects; 0 when none. */
export const connectPriority = (action: Action): number =>
  action.kind === 'connect' || action.kind === 'reconnect' ? (action.after.priority ?? 0) : 0;

/**
 * Compose's `priority` (docs/spec.md): one container's connects, and its reconnects, go highest
 * priority first, and still, on each network, the endpoints with a static address before those
 * the daemon gives one. Each kind's actions are merged in the order above (a topological order of
 * both rules, taking the earliest action in that order whenever several are free to go), so a
 * plan without priorities keeps it unchanged. Apply keeps both orders at any parallelism
 * (src/apply/execute.ts). Only when the two rules contradict each other (container A's priority
 * puts its dynamic endpoint on N before its static one on M, container B's the other way round)
 * does an endpoint go before a static one on its network: the one earliest in the order above.
 */
function byConnectPriority(actions: Action[]): Action[] {
  const out = [...actions];
  for (const kind of ['connect', 'reconnect'] as const) {
    const first = actions.findIndex((a) => a.kind === kind);
    if (first < 0) continue;
    let end = first;
    while (end < actions.length && actions[end]!.kind === kind) end += 1;
    const block = actions.slice(first, end) as Extract<Action, { kind: 'connect' | 'reconnect' }>[];
    if (block.every((a) => connectPriority(a) === 0)) continue;
    mergeEndpointOrders(block).forEach((n, k) => {
      out[first + k] = block[n]!;
    });
  }
  return out;
}

/**
 * The positions of `block` (endpoint actions of one kind, in the order orderActions sorts them) in
 * the order that keeps each container's actions highest priority first and each network's static
 * endpoints before its dynamic ones, by Kahn's algorithm, smallest position first.
 */
function mergeEndpointOrders(block: readonly Extract<Action, { kind: 'connect' | 'reconnect' }>[]): number[] {
  // Each container's actions, highest priority first (then by network: their order in block).
  const chains = new Map<string, number[]>();
  block.forEach((action, n) => chains.set(action.container, [...(chains.get(action.container) ?? []), n]));
  const next = new Array<number | undefined>(block.length);
  const waitsForChain = new Array<boolean>(block.length).fill(false);
  for (const chain of chains.values()) {
    chain.sort((x, y) => connectPriority(block[y]!) - connectPriority(block[x]!) || x - y);
    for (let k = 1; k < chain.length; k++) {
      next[chain[k - 1]!] = chain[k]!;
      waitsForChain[chain[k]!] = true;
    }
  }
  // Each network's static endpoints not yet placed, and its dynamic endpoints waiting for them.
  const staticsLeft = new Map<string, number>();
  const dynamicsOn = new Map<string, number[]>();
  block.forEach((action, n) => {
    if (hasStaticAddress(action.after))
      staticsLeft.set(action.network, (staticsLeft.get(action.network) ?? 0) + 1);
    else dynamicsOn.set(action.network, [...(dynamicsOn.get(action.network) ?? []), n]);
  });
  const free = (n: number): boolean =>
    !waitsForChain[n] && (hasStaticAddress(block[n]!.after) || !staticsLeft.get(block[n]!.network));
  const placed = new Array<boolean>(block.length).fill(false);
  const order: number[] = [];
  while (order.length < block.length) {
    // The smallest position free to go; when the two rules contradict each other, the smallest
    // one that waits only for statics.
    let pick = -1;
    for (let n = 0; n < block.length && pick < 0; n++) if (!placed[n] && free(n)) pick = n;
    for (let n = 0; n < block.length && pick < 0; n++) if (!placed[n] && !waitsForChain[n]) pick = n;
    placed[pick] = true;
    order.push(pick);
    const after = next[pick];
    if (after !== undefined) waitsForChain[after] = false;
    const action = block[pick]!;
    if (hasStaticAddress(action.after)) staticsLeft.set(action.network, staticsLeft.get(action.network)! - 1);
  }
  return order;
}

/**
 * A note for each endpoint without a static address that an ordered plan connects (or
 * reconnects) before a static address asked for on the same network, which the daemon could hand
 * it (`dynamic(network, address)`: the address is in the range the daemon gives addresses from).
 * That happens only where Compose priorities contradict the static-first order
 * (byConnectPriority), and apply keeps the plan's order.
 */
export function staticsOvertakenNotes(
  ordered: readonly Action[],
  dynamic: (network: string, address: string) => boolean,
): PlanNote[] {
  const notes: PlanNote[] = [];
  // From the last action back: the static addresses the daemon could hand out that are asked for
  // after the current action, by kind and network.
  const after = new Map<string, string[]>();
  for (let i = ordered.length - 1; i >= 0; i--) {
    const action = ordered[i]!;
    if (action.kind !== 'connect' && action.kind !== 'reconnect') continue;
    const key = `${action.kind}\0${action.network}`;
    if (hasStaticAddress(action.after)) {
      const exposed = [action.after.ipv4Address, action.after.ipv6Address]
        .filter((a): a is string => a !== undefined && dynamic(action.network, a))
        .map((address) => `${address} (${action.container})`);
      // Gathered last first; read back in plan order.
      if (exposed.length > 0) {
        const list = after.get(key) ?? [];
        list.push(...exposed.reverse());
        after.set(key, list);
      }
      continue;
    }
    const gathered = after.get(key);
    if (!gathered) continue;
    const exposed = gathered.slice(-5).reverse();
    if (gathered.length > 5) exposed.push(`${gathered.length - 5} more`);
    notes.unshift({
      network: action.network,
      container: action.container,
      message:
        `${action.kind} ${action.container} to ${action.network} goes before the static address${exposed.length === 1 ? '' : 'es'} ` +
        `${exposed.join(', ')} there: the containers' Compose priorities contradict the order that connects static ` +
        `addresses first (docs/plan.md, "Reading a plan"). If the daemon hands ${action.container} one of them, that ` +
        `connect fails with "Address already in use"; give ${action.network} an ip_range that leaves the static ` +
        `addresses out, or change a priority.`,
    });
  }
  return notes;
}

export function summarizeActions(actions: readonly Action[]): PlanSummary {
  const summary: PlanSummary = { create: 0, replace: 0, remove: 0, connect: 0, disconnect: 0, reconnect: 0 };
  for (const action of actions) {
    if (action.kind === 'service-update') summary['service-update'] = (summary['service-update'] ?? 0) + 1;
    else summary[action.kind] += 1;
  }
  return summary;
}
