import { orderActions, summarizeActions } from '../core/order.js';
import { indexEndpoints } from '../core/normalize-observed.js';
import { planReplacementEndpoints } from '../core/plan-endpoints.js';
import { isClusterNetwork } from '../core/swarm-fleet.js';
import type { ReplaceDecision } from '../core/decide-networks.js';
import type { DesiredState } from '../model/desired.js';
import type { ObservedState } from '../model/observed.js';
import type { Action, Plan, ReplaceNetworkAction } from '../model/plan.js';

/**
 * A swarm node's containers on a cluster network the manager's plan replaces (docs/swarm.md,
 * "Several engines on a swarm"). Only the node's own engine can take them off, and the manager
 * refuses to remove an overlay while they are on it ("in use by task"). So the node's plan gets,
 * for each of its containers on the network (listed by the spec or not), a `disconnect`, which
 * runs before the manager's stage (src/apply/swarm-fleet.ts, waves), and, unless the spec drops
 * the attachment, a `connect` after it, to the network made again, with the spec's settings (its
 * own, for a container the spec does not list), as the replace does for the manager's own
 * containers. The connect names the network, which the node's port resolves through the manager
 * once the new network exists. An action the node's plan already had on such an endpoint (a
 * reconnect for new aliases, a disconnect) is folded into the pair.
 *
 * Pure; `observed` and `desired` are the node's as it was planned with them (the cluster networks
 * as the manager lists them).
 */
export function withNodeReplaceEndpoints(
  nodePlan: Plan,
  observed: ObservedState,
  desired: DesiredState,
  managerPlan: Plan,
): Plan {
  const replaces = managerPlan.actions.filter(
    (action): action is ReplaceNetworkAction =>
      action.kind === 'replace' && (isClusterNetwork(action.before) || isClusterNetwork(action.after)),
  );
  if (replaces.length === 0) return nodePlan;
  const endpoints = indexEndpoints(observed);
  let actions: Action[] = [...nodePlan.actions];
  let added = false;
  for (const replace of replaces) {
    const network = observed.networks.find((n) => n.id === replace.networkId);
    const declared = desired.networks[replace.network];
    if (!network || !declared) continue;
    const decision: ReplaceDecision = {
      status: 'replace',
      name: replace.network,
      desired: declared,
      observed: network,
      changes: replace.forcedBy,
      adopt: false,
      diagnostics: [],
      notes: [],
    };
    const leaving = planReplacementEndpoints(desired, endpoints, decision);
    if (leaving.length === 0) continue;
    added = true;
    const moved = new Set(leaving.map((e) => e.containerId));
    actions = actions.filter(
      (action) =>
        !(
          (action.kind === 'disconnect' || action.kind === 'reconnect' || action.kind === 'connect') &&
          action.network === replace.network &&
          moved.has(action.containerId)
        ),
    );
    const why = `the manager replaces ${replace.network}`;
    for (const endpoint of leaving) {
      actions.push({
        kind: 'disconnect',
        container: endpoint.container,
        containerId: endpoint.containerId,
        network: replace.network,
        networkId: replace.networkId,
        before: endpoint.before,
        reason: `${why}: the container leaves it first, through this node's engine`,
      });
      if (endpoint.after === null) continue;
      actions.push({
        kind: 'connect',
        container: endpoint.container,
        containerId: endpoint.containerId,
        network: replace.network,
        // The new network's name: the node's port resolves it through the manager.
        networkId: replace.network,
        after: endpoint.after,
        reason: `${why}: the container joins the new network after it is made`,
      });
    }
  }
  if (!added) return nodePlan;
  const ordered = orderActions(actions);
  return { ...nodePlan, actions: ordered, summary: { ...nodePlan.summary, ...summarizeActions(ordered) } };
}

/** One engine's fresh plan, with what it was planned from. */
export interface PlannedEngine {
  engine: string;
  plan: Plan;
  observed: ObservedState;
  desired: DesiredState;
}

/**
 * Every node's plan with its containers on the cluster networks the manager's plan replaces
 * (withNodeReplaceEndpoints), by engine; the manager's and other engines' plans as they are.
 * Only for plans made now (a saved plan already carries these actions).
 */
export function nodePlansAroundReplaces(
  topology: { manager: string; others: readonly string[] } | undefined,
  planned: readonly PlannedEngine[],
): Map<string, Plan> {
  const plans = new Map(planned.map(({ engine, plan }) => [engine, plan]));
  const managerPlan = topology ? plans.get(topology.manager) : undefined;
  if (!topology || !managerPlan) return plans;
  for (const entry of planned) {
    if (!topology.others.includes(entry.engine)) continue;
    plans.set(entry.engine, withNodeReplaceEndpoints(entry.plan, entry.observed, entry.desired, managerPlan));
  }
  return plans;
}
