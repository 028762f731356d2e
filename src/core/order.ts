import type { Action, ActionKind, PlanSummary } from '../model/plan.js';
import { compareText } from './normalize-observed.js';

/**
 * Execution order (PRODUCT.md §4): creates, replaces, endpoint actions, removes. Among endpoint
 * actions, disconnects come first so an address or alias they free can be taken by a connect;
 * within a kind, by network then container name, so a plan is deterministic.
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

export function orderActions(actions: readonly Action[]): Action[] {
  return [...actions].sort(
    (a, b) =>
      KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
      compareText(a.network, b.network) ||
      compareText(containerOf(a), containerOf(b)),
  );
}

export function summarizeActions(actions: readonly Action[]): PlanSummary {
  const summary: PlanSummary = { create: 0, replace: 0, remove: 0, connect: 0, disconnect: 0, reconnect: 0 };
  for (const action of actions) summary[action.kind] += 1;
  return summary;
}
