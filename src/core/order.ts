import type { EndpointSettings } from '../model/desired.js';
import type { Action, ActionKind, PlanSummary } from '../model/plan.js';
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
 * priority first. Each container's actions of a kind are reordered among the places they already
 * hold, so a plan without priorities keeps the order above; apply runs them one after another.
 */
function byConnectPriority(actions: Action[]): Action[] {
  const slots = new Map<string, number[]>();
  actions.forEach((action, index) => {
    if (action.kind !== 'connect' && action.kind !== 'reconnect') return;
    const key = `${action.kind}\u0000${action.container}`;
    slots.set(key, [...(slots.get(key) ?? []), index]);
  });
  const out = [...actions];
  for (const indexes of slots.values()) {
    if (indexes.every((i) => connectPriority(actions[i]!) === 0)) continue;
    const mine = indexes
      .map((i) => actions[i] as Extract<Action, { kind: 'connect' | 'reconnect' }>)
      .sort((a, b) => connectPriority(b) - connectPriority(a) || compareText(a.network, b.network));
    indexes.forEach((slot, n) => {
      out[slot] = mine[n]!;
    });
  }
  return out;
}

export function summarizeActions(actions: readonly Action[]): PlanSummary {
  const summary: PlanSummary = { create: 0, replace: 0, remove: 0, connect: 0, disconnect: 0, reconnect: 0 };
  for (const action of actions) {
    if (action.kind === 'service-update') summary['service-update'] = (summary['service-update'] ?? 0) + 1;
    else summary[action.kind] += 1;
  }
  return summary;
}
