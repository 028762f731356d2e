import type { DesiredNetwork, DesiredState } from '../model/desired.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { ObservedNetwork, ObservedState } from '../model/observed.js';
import type {
  Action,
  CreateNetworkAction,
  Plan,
  PlanOptions,
  PlanNote,
  ConfigOnlyReplace,
  RemoveNetworkAction,
  ReplaceNetworkAction,
} from '../model/plan.js';
import { isDefaultIpamDriver } from '../model/docker-rules.js';
import { PLAN_FORMAT_VERSION } from '../model/plan.js';
import { addressInUseProblems } from './address-in-use.js';
import { compareCidrText, containsAddress, parseAddress, parseCidr } from './cidr.js';
import {
  decideNetworks,
  type NetworkDecision,
  type RemoveDecision,
  type ReplaceDecision,
} from './decide-networks.js';
import { indexEndpoints, observedNetworkAsCreatable, type EndpointIndex } from './normalize-observed.js';
import { privateNetworkModeProblems } from './network-mode.js';
import { ingressInUse, ingressNodesUnreached } from './plan-diagnostics.js';
import { planReplacedServices, planServices } from './plan-services.js';
import { orderActions, staticsOvertakenNotes, summarizeActions } from './order.js';
import {
  planAttachmentChanges,
  planReplacementEndpoints,
  recordEndpoints,
  replacementAddressProblems,
} from './plan-endpoints.js';
import { expandSelectors } from './selectors.js';
import { subnetReuseProblems } from './subnet-reuse.js';
import {
  configOnlyChangePaths,
  configOnlyReplaceOf,
  configSourcesInUse,
  withConfigOnlyNetworks,
  type SwarmPlanInput,
} from './swarm-fleet.js';
import { resolveTargets, type TargetScope } from './targets.js';

export type { PlanOptions } from '../model/plan.js';

/**
 * The minimal set of actions that makes the engine match the spec (PRODUCT.md §2), with every
 * problem found as a diagnostic beside it. Pure and deterministic: the same inputs give the same
 * plan, byte for byte.
 */
export function planChanges(
  spec: DesiredState,
  observed: ObservedState,
  options: PlanOptions = {},
  swarm: SwarmPlanInput = {},
): Plan {
  // Selector rules become container attachments first: below, a matched container is a listed one.
  // A swarm network made from config-only networks is planned with its config-only network
  // (docs/swarm.md); the swarm session has split it already for each engine.
  const selected = expandSelectors(withConfigOnlyNetworks(spec), observed);
  const desired = selected.desired;
  const diagnostics: Diagnostic[] = [...selected.diagnostics];
  const notes: PlanNote[] = [...selected.notes];
  const { scope, diagnostics: targetProblems } = resolveTargets(options.targets, desired, observed);
  diagnostics.push(...targetProblems);
  const { decisions, diagnostics: networkProblems } = decideNetworks(
    desired,
    observed,
    new Set(options.adopt ?? []),
  );
  diagnostics.push(...networkProblems);

  const endpoints = indexEndpoints(observed);
  const neededByTargets = networksNeededByTargets(desired, observed, scope);
  const actions: Action[] = [];
  const effective = new Map<string, NetworkDecision>();
  const configOnly = joinConfigOnlyReplaces(desired, observed, endpoints, decisions, swarm);
  for (const planned of decisions) {
    const inScope = scope.all || scope.networks.has(planned.name);
    const needed = inScope || neededByTargets.has(planned.name);
    if (needed) {
      diagnostics.push(...planned.diagnostics);
      notes.push(...planned.notes);
    }
    if (configOnly.carried.has(planned.name) && planned.status === 'replace') {
      // Carried out by the replace of the swarm network made from it (below).
      const { changes: _changes, adopt: _adopt, ...rest } = planned;
      effective.set(planned.name, { ...rest, status: 'keep' });
      continue;
    }
    const decision = withConfigOnlyChanges(planned, configOnly.bySwarmNetwork.get(planned.name));
    if (decision.status === 'remove') {
      if (!inScope) continue;
      actions.push(planNetworkRemoval(desired, endpoints, decision));
      if (decision.observed.ingress) {
        // netform removes only what it manages, and makes nothing in its place (docs/swarm.md).
        notes.push({
          network: decision.name,
          message: `network ${decision.name} is the swarm's ingress network: once it is removed, the swarm has none, and services cannot publish ports through the routing mesh until one is made (docker network create -d overlay --ingress ingress)`,
        });
      }
      continue;
    }
    if (decision.status === 'create' && !needed) continue;
    if (decision.status === 'replace' && !inScope) {
      // A replace outside the targets is not carried out: its endpoints are planned against the network as it is.
      const { changes: _changes, adopt: _adopt, ...rest } = decision;
      effective.set(decision.name, { ...rest, status: 'keep' });
      continue;
    }
    effective.set(decision.name, decision);
    if (decision.status === 'create') actions.push(planNetworkCreation(decision.desired));
    if (decision.status === 'replace') {
      const replace = planNetworkReplacement(desired, endpoints, decision);
      const carried = configOnly.bySwarmNetwork.get(decision.name);
      actions.push(carried ? { ...replace, configOnly: carried } : replace);
      diagnostics.push(...replacementAddressProblems(desired, replace));
    }
  }

  const attachments = planAttachmentChanges(
    desired,
    observed,
    endpoints,
    effective,
    scope,
    options.strict === true,
  );
  actions.push(...attachments.actions);
  diagnostics.push(...attachments.diagnostics);
  notes.push(...attachments.notes);
  diagnostics.push(...addressInUseProblems(desired, observed, endpoints, actions));
  diagnostics.push(...privateNetworkModeProblems(desired, observed, actions));
  diagnostics.push(...subnetReuseProblems(desired, actions));
  diagnostics.push(...ingressInUseProblems(desired, observed, actions));
  diagnostics.push(...ingressNodesProblems(desired, observed, actions, swarm));

  // Services, on a manager that reported them (docs/swarm.md): after the network decisions, since
  // an update names networks this plan creates and leaves networks it removes.
  // With --target, only the targeted services are planned as the spec lists them; every other
  // service is as if unlisted: taken off a network the plan removes (a targeted one), else left.
  const removes = actions.some((a) => a.kind === 'remove');
  if (observed.services && (scope.all || scope.services.size > 0 || removes)) {
    const services = planServices({
      desired: scope.all ? desired : withServices(desired, scope.services),
      services: observed.services,
      networks: observed.networks,
      networksCreated: new Set(
        [...effective.values()]
          .filter((d) => d.status === 'create' || d.status === 'replace')
          .map((d) => d.name),
      ),
      networksRemoved: new Set(actions.filter((a) => a.kind === 'remove').map((a) => a.network)),
      networksReplaced: new Set(actions.filter((a) => a.kind === 'replace').map((a) => a.network)),
      strict: options.strict === true,
    });
    // A replaced network's services are taken off it and put back by the replace itself.
    for (const [i, action] of actions.entries()) {
      if (action.kind !== 'replace') continue;
      const onIt = planReplacedServices(
        { desired, services: observed.services, networks: observed.networks },
        action.network,
      );
      if (onIt.length > 0) actions[i] = { ...action, services: onIt };
    }
    actions.push(...services.actions);
    diagnostics.push(...services.diagnostics);
    notes.push(...services.notes);
  } else if (desired.services && Object.keys(desired.services).length > 0 && scope.all) {
    notes.push({
      message: `the spec lists services, but this engine is not a swarm manager: services are planned through a manager (docs/swarm.md)`,
    });
  }

  const ordered = orderActions(actions);
  notes.push(
    ...staticsOvertakenNotes(ordered, (network, address) => inDynamicRange(desired, network, address)),
  );
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    project: desired.project,
    actions: ordered,
    diagnostics,
    notes,
    summary: summarizeActions(ordered),
  };
}

/**
 * The replaces of config-only networks that the replace of a swarm network made from them carries
 * out (docs/swarm.md, "Replacing a swarm macvlan or ipvlan"): this engine's own (`carried`, left
 * out of the plan as actions of their own) and those the other nodes planned (`swarm`), by the
 * swarm network, when that network exists here.
 */
function joinConfigOnlyReplaces(
  desired: DesiredState,
  observed: ObservedState,
  endpoints: EndpointIndex,
  decisions: readonly NetworkDecision[],
  swarm: SwarmPlanInput,
): { bySwarmNetwork: Map<string, ConfigOnlyReplace[]>; carried: Set<string> } {
  const sources = configSourcesInUse(desired, observed);
  const bySwarmNetwork = new Map<string, ConfigOnlyReplace[]>();
  const carried = new Set<string>();
  const add = (swarmNetwork: string, replace: ConfigOnlyReplace): void => {
    bySwarmNetwork.set(swarmNetwork, [...(bySwarmNetwork.get(swarmNetwork) ?? []), replace]);
  };
  for (const decision of decisions) {
    const swarmNetwork = sources.get(decision.name);
    if (decision.status !== 'replace' || decision.desired.configOnly !== true || !swarmNetwork) continue;
    carried.add(decision.name);
    const own = configOnlyReplaceOf(planNetworkReplacement(desired, endpoints, decision));
    add(swarmNetwork, swarm.engine !== undefined ? { engine: swarm.engine, ...own } : own);
  }
  for (const replace of swarm.configOnlyReplaces ?? []) {
    const swarmNetwork = sources.get(replace.network);
    if (swarmNetwork) add(swarmNetwork, replace);
  }
  return { bySwarmNetwork, carried };
}

/** A swarm network whose config-only networks change is replaced, forced by their changes. */
function withConfigOnlyChanges(
  decision: NetworkDecision,
  replaces: readonly ConfigOnlyReplace[] | undefined,
): NetworkDecision {
  if (!replaces || (decision.status !== 'keep' && decision.status !== 'replace') || !decision.observed) {
    return decision;
  }
  const changes = replaces.flatMap(configOnlyChangePaths);
  if (decision.status === 'replace') return { ...decision, changes: [...decision.changes, ...changes] };
  return { ...decision, observed: decision.observed, status: 'replace', changes, adopt: false };
}

/**
 * A replace or removal of the swarm's ingress network while services publish ports through it
 * (the routing mesh): the engine refuses to remove it, so it is an error before anything runs,
 * naming the services and their ports (docs/swarm.md, "The ingress network").
 */
function ingressInUseProblems(
  desired: DesiredState,
  observed: ObservedState,
  actions: readonly Action[],
): Diagnostic[] {
  const publishing = (observed.services ?? [])
    .filter((service) => service.ingressPorts !== undefined)
    .map((service) => ({ name: service.name, ports: service.ingressPorts! }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (publishing.length === 0) return [];
  return actions.flatMap((action) =>
    (action.kind === 'replace' || action.kind === 'remove') && action.before.ingress
      ? [
          ingressInUse(
            action.network,
            action.kind === 'remove',
            publishing,
            desired.networks[action.network]?.source,
          ),
        ]
      : [],
  );
}

/**
 * A replace or removal of the swarm's ingress network while some node of the swarm is not an
 * engine of this run (the swarm's nodes as the manager lists them, `swarm.sessionNodes` the ones
 * reached; without it, a spec of one engine: this engine's own node): an error before anything
 * runs, naming the nodes missing (docs/swarm.md, "The ingress network"). Not read: an error too.
 */
function ingressNodesProblems(
  desired: DesiredState,
  observed: ObservedState,
  actions: readonly Action[],
  swarm: SwarmPlanInput,
): Diagnostic[] {
  const touched = actions.filter(
    (action): action is Extract<Action, { kind: 'replace' | 'remove' }> =>
      (action.kind === 'replace' || action.kind === 'remove') && action.before.ingress === true,
  );
  if (touched.length === 0) return [];
  const nodes = observed.swarmNodes;
  const reached = new Set(swarm.sessionNodes ?? (nodes ?? []).filter((n) => n.self).map((n) => n.id));
  const missing = nodes?.filter((node) => !reached.has(node.id));
  if (missing !== undefined && missing.length === 0) return [];
  return touched.map((action) =>
    ingressNodesUnreached(
      action.network,
      action.kind === 'remove',
      missing,
      swarm.sessionNodes === undefined,
      desired.networks[action.network]?.source,
    ),
  );
}

/** The spec with only these of its services listed. */
function withServices(desired: DesiredState, names: ReadonlySet<string>): DesiredState {
  const services = Object.fromEntries(
    Object.entries(desired.services ?? {}).filter(([name]) => names.has(name)),
  );
  return { ...desired, services };
}

function networksNeededByTargets(
  desired: DesiredState,
  observed: ObservedState,
  scope: TargetScope,
): Set<string> {
  const needed = new Set<string>();
  if (scope.all) return needed;
  const existing = new Set(observed.containers.map((c) => c.name));
  for (const name of scope.services) {
    for (const network of Object.keys(desired.services?.[name]?.attachments ?? {})) needed.add(network);
  }
  for (const name of scope.containers) {
    if (!existing.has(name)) continue;
    for (const network of Object.keys(desired.containers[name]?.attachments ?? {})) needed.add(network);
  }
  return needed;
}

/** Strips the source position (and spec key): a plan says what to do, not where the spec said it. */
function withoutSource(network: DesiredNetwork): DesiredNetwork {
  const { source: _source, specKey: _specKey, ...rest } = network;
  return rest;
}

export function planNetworkCreation(network: DesiredNetwork): CreateNetworkAction {
  return {
    kind: 'create',
    network: network.name,
    after: withoutSource(network),
    reason: 'declared in the spec and absent from the engine',
  };
}

/**
 * The spec's network, with the pools the old network has for an address family the spec gives no
 * subnet of. The spec leaves those to the daemon, so keeping the old ones is as good as any, and
 * it spares every container on the network a new address (and keeps static addresses of
 * containers the spec does not list valid). Only with the default IPAM driver on both sides.
 */
export function keepDaemonPickedPools(after: DesiredNetwork, current: ObservedNetwork): DesiredNetwork {
  if (!isDefaultIpamDriver(after.ipam.driver) || !isDefaultIpamDriver(current.ipam.driver)) return after;
  const familyOf = (subnet: string): number | undefined => parseCidr(subnet)?.family;
  const declared = new Set(after.ipam.config.map((pool) => familyOf(pool.subnet)));
  const kept = observedNetworkAsCreatable(current).ipam.config.filter((pool) => {
    const family = familyOf(pool.subnet);
    if (family === undefined || declared.has(family)) return false;
    return family === 4 || after.enableIPv6;
  });
  if (kept.length === 0) return after;
  // A range or aux addresses are the user's, never the daemon's: "none" when the spec is silent.
  const picked = kept.map((pool) => ({
    subnet: pool.subnet,
    ...(pool.gateway !== undefined && { gateway: pool.gateway }),
    auxAddresses: {},
  }));
  const config = [...after.ipam.config, ...picked].sort((a, b) => compareCidrText(a.subnet, b.subnet));
  return { ...after, ipam: { ...after.ipam, config } };
}

export function planNetworkReplacement(
  desired: DesiredState,
  endpoints: EndpointIndex,
  decision: ReplaceDecision,
): ReplaceNetworkAction {
  const current = decision.observed;
  const paths = decision.changes.map((c) => c.path).join(', ');
  return {
    kind: 'replace',
    network: decision.name,
    networkId: current.id,
    before: observedNetworkAsCreatable(current),
    after: keepDaemonPickedPools(withoutSource(decision.desired), current),
    forcedBy: decision.changes,
    endpoints: planReplacementEndpoints(desired, endpoints, decision),
    adopt: decision.adopt,
    reason: decision.adopt
      ? `--adopt: exists without netform's labels; recreated as a managed network (${paths})`
      : `${paths} cannot be changed in place`,
  };
}

export function planNetworkRemoval(
  desired: DesiredState,
  endpoints: EndpointIndex,
  decision: RemoveDecision,
): RemoveNetworkAction {
  const current = decision.observed;
  return {
    kind: 'remove',
    network: decision.name,
    networkId: current.id,
    before: observedNetworkAsCreatable(current),
    disconnect: recordEndpoints(endpoints, current),
    reason: `managed by project ${desired.project} and no longer declared in the spec`,
  };
}

/**
 * True when the daemon may give `address` to an endpoint without a static one on `network`: no
 * pool of the spec's network holds it behind an ip_range that leaves it out. A network whose
 * subnets the daemon picks gives out any address it holds.
 */
function inDynamicRange(desired: DesiredState, network: string, address: string): boolean {
  const parsed = parseAddress(address);
  if (!parsed) return true;
  for (const pool of desired.networks[network]?.ipam.config ?? []) {
    const subnet = parseCidr(pool.subnet);
    if (!subnet || !containsAddress(subnet, parsed)) continue;
    const range = pool.ipRange === undefined ? undefined : parseCidr(pool.ipRange);
    return range === undefined || containsAddress(range, parsed);
  }
  return true;
}
