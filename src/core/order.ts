import type { EndpointSettings } from '../model/desired.js';
import type { Action, ActionKind, PlanSummary } from '../model/plan.js';
import { compareText } from './normalize-observed.js';

/**
 * Execution order (docs/plan.md, "Reading a plan"): creates, replaces, endpoint actions, removes.
 * Among endpoint actions, disconnects come first so an address or alias they free can be taken by
 * a connect; within a kind, by network, then the endpoints with a static address before those
 * the daemon gives one (a dynamic endpoint connected first could take the static one's address),
 * then container name, so a plan is deterministic.
 */
const KIND_RANK: Record<ActionKind, number> = {
  create: 0,
  replace: 1,
  disconnect: 2,
  reconnect: 3,
  connect: 4,
  remove: 5,
};

const containerOf = (action: Action): string => ('container' in action ? action.container : '');

/** 0 for a connect or reconnect that asks for a static address, else 1. */
const staticRank = (action: Action): number =>
  (action.kind === 'connect' || action.kind === 'reconnect') && hasStaticAddress(action.after) ? 0 : 1;

/** True when the endpoint asks for a static IPv4 or IPv6 address. */
export const hasStaticAddress = (settings: EndpointSettings): boolean =>
  settings.ipv4Address !== undefined || settings.ipv6Address !== undefined;

export function orderActions(actions: readonly Action[]): Action[] {
  return [...actions].sort(
    (a, b) =>
      KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
      compareText(a.network, b.network) ||
      staticRank(a) - staticRank(b) ||
      compareText(containerOf(a), containerOf(b)),
  );
}

export function summarizeActions(actions: readonly Action[]): PlanSummary {
  const summary: PlanSummary = { create: 0, replace: 0, remove: 0, connect: 0, disconnect: 0, reconnect: 0 };
  for (const action of actions) summary[action.kind] += 1;
  return summary;
}
