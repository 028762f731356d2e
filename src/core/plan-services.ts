import type { DesiredService, DesiredState } from '../model/desired.js';
import type { Diagnostic, SourcePosition } from '../model/diagnostic.js';
import type { ObservedNetwork, ObservedService, ObservedServiceNetwork } from '../model/observed.js';
import type {
  FieldChange,
  PlanNote,
  ReplaceService,
  ServiceNetworkChange,
  ServiceNetworkState,
  ServiceUpdateAction,
} from '../model/plan.js';
import { formatValue } from './describe.js';

/*
 * The pure planning of Swarm services (docs/swarm.md): desired services against what a manager
 * reports, giving one update per service that carries every network change of that service, so
 * its tasks restart once. planChanges (src/core/plan.ts) calls it when the engine is a manager
 * that reported its services.
 */

export type { ServiceNetworkChange, ServiceNetworkState, ServiceUpdateAction } from '../model/plan.js';

/** Codes of the plan step for services (NF2xx, stable; NF230-NF239 are kept for services). */
export const SERVICE_PLAN_CODES = {
  pendingService: 'NF230',
  stackOwned: 'NF231',
  updateInProgress: 'NF232',
} as const;

/** `docker service update` states in which a rollout is still going on (or stuck). */
const ROLLOUT_STATES = new Set(['updating', 'paused', 'rollback_started', 'rollback_paused']);

export interface ServicePlanInput {
  desired: DesiredState;
  /** Every service a manager reports. */
  services: readonly ObservedService[];
  /** The manager's networks (swarm-scoped ones included), for names and IDs. */
  networks: readonly ObservedNetwork[];
  /** Declared networks (Docker names) this plan creates or replaces: their IDs come at apply time. */
  networksCreated?: ReadonlySet<string>;
  /** Networks (Docker names) this plan removes: services are taken off them first. */
  networksRemoved?: ReadonlySet<string>;
  /**
   * Networks (Docker names) this plan replaces: the replace takes the services on them off and
   * puts them back (planReplacedServices), so an update leaves that attachment to it.
   */
  networksReplaced?: ReadonlySet<string>;
  /** Missing services are errors instead of warnings. */
  strict?: boolean;
}

/** The service part of a plan: updates in service-name order, problems and notes beside them. */
export interface ServicePlan {
  actions: ServiceUpdateAction[];
  diagnostics: Diagnostic[];
  notes: PlanNote[];
}

/**
 * One update per service whose attachments to the declared networks differ from the spec. A
 * listed service owns its attachments to the declared networks (as a container does): missing
 * ones are added, ones the spec does not list are removed, ones whose aliases or driver options
 * differ are changed. Its attachments to networks the spec does not declare are kept as they are,
 * except on networks this plan removes. Pure and deterministic.
 */
export function planServices(input: ServicePlanInput): ServicePlan {
  const { desired } = input;
  const plan: ServicePlan = { actions: [], diagnostics: [], notes: [] };
  const wanted = desired.services ?? {};
  const byName = new Map(input.services.map((s) => [s.name, s]));
  const networkById = new Map(input.networks.map((n) => [n.id, n]));
  const networkByName = new Map(input.networks.map((n) => [n.name, n]));
  const declared = new Set(Object.keys(desired.networks));
  const created = input.networksCreated ?? new Set<string>();
  const removed = input.networksRemoved ?? new Set<string>();
  const replaced = input.networksReplaced ?? new Set<string>();

  // A service the spec does not list is left alone, except on a network this plan removes: the
  // engine refuses to remove a network a service is on, so it is taken off first.
  const unlisted = input.services
    .filter((s) => !Object.hasOwn(wanted, s.name))
    .filter((s) => s.networks.some((n) => removed.has(stateOf(n, networkById).network)))
    .map((s) => s.name);
  for (const name of [...Object.keys(wanted), ...unlisted].sort()) {
    const listed = Object.hasOwn(wanted, name);
    const spec: DesiredService = listed ? wanted[name]! : { name, attachments: {} };
    const service = byName.get(name);
    if (!service) {
      plan.diagnostics.push(pendingService(name, input.strict === true, spec.source));
      continue;
    }
    const before = service.networks
      .map((n) => stateOf(n, networkById))
      .sort((a, b) => compareText(a.network, b.network));
    const after: ServiceNetworkState[] = [];
    const changes: ServiceNetworkChange[] = [];
    const seen = new Set<string>();
    for (const current of before) {
      seen.add(current.network);
      if (replaced.has(current.network)) {
        // The replace puts it back on the new network as the spec says; the update keeps that.
        const back = putBack(current, listed ? spec : undefined, declared);
        if (back) after.push(back);
        continue;
      }
      const owned = listed && declared.has(current.network);
      const attachment = owned ? spec.attachments[current.network] : undefined;
      if ((owned && !attachment) || removed.has(current.network)) {
        changes.push({ kind: 'remove', network: current.network, before: current });
        continue;
      }
      if (!attachment) {
        after.push(current);
        continue;
      }
      const next = wantedState(
        current.network,
        attachment.aliases,
        attachment.driverOpts,
        networkByName,
        created,
      );
      after.push(next);
      const fields = fieldChanges(current, next);
      if (fields.length > 0) {
        changes.push({
          kind: 'change',
          network: current.network,
          before: current,
          after: next,
          changes: fields,
        });
      }
    }
    for (const network of Object.keys(spec.attachments).sort()) {
      if (seen.has(network)) continue;
      const attachment = spec.attachments[network]!;
      const next = wantedState(network, attachment.aliases, attachment.driverOpts, networkByName, created);
      after.push(next);
      changes.push({ kind: 'add', network, after: next });
    }
    if (changes.length === 0) continue;
    after.sort((a, b) => compareText(a.network, b.network));
    changes.sort((a, b) => compareText(a.network, b.network));
    const tasks = service.runningTasks ?? service.replicas;
    plan.actions.push({
      kind: 'service-update',
      service: name,
      serviceId: service.id,
      version: service.version,
      ...(service.stack !== undefined ? { stack: service.stack } : {}),
      before,
      after,
      changes,
      ...(tasks !== undefined ? { tasksRestarting: tasks } : {}),
      legacyNetworks: service.legacyNetworks,
      reason:
        `the spec's networks for service ${name} differ (${changes.length} network change${changes.length === 1 ? '' : 's'}); ` +
        `one update restarts ${tasks !== undefined ? `its ${tasks} task${tasks === 1 ? '' : 's'}` : 'its tasks'}`,
    });
    if (service.stack !== undefined) plan.diagnostics.push(stackOwned(name, service.stack, spec.source));
    if (service.updateState !== undefined && ROLLOUT_STATES.has(service.updateState)) {
      plan.diagnostics.push(updateInProgress(name, service.updateState, spec.source));
    }
    if (service.legacyNetworks) {
      plan.notes.push({
        message: `service ${name} keeps its networks in the deprecated Spec.Networks; the update moves them to Spec.TaskTemplate.Networks`,
      });
    }
  }
  return plan;
}

/**
 * The services on a network this plan replaces (docs/swarm.md): each is taken off it before the
 * removal, with the version read now, and put back on the new network with the spec's aliases
 * and driver options (a service the spec lists) or those it has (one it does not). Pure.
 */
export function planReplacedServices(
  input: Pick<ServicePlanInput, 'desired' | 'services' | 'networks'>,
  network: string,
): ReplaceService[] {
  const networkById = new Map(input.networks.map((n) => [n.id, n]));
  const declared = new Set(Object.keys(input.desired.networks));
  const wanted = input.desired.services ?? {};
  const result: ReplaceService[] = [];
  for (const service of [...input.services].sort((a, b) => compareText(a.name, b.name))) {
    const states = service.networks.map((n) => stateOf(n, networkById));
    const current = states.find((s) => s.network === network);
    if (!current) continue;
    const spec = Object.hasOwn(wanted, service.name) ? wanted[service.name] : undefined;
    const tasks = service.runningTasks ?? service.replicas;
    result.push({
      service: service.name,
      serviceId: service.id,
      version: service.version,
      ...(service.stack !== undefined ? { stack: service.stack } : {}),
      before: current,
      after: putBack(current, spec, declared),
      others: states.filter((s) => s.network !== network).sort((a, b) => compareText(a.network, b.network)),
      ...(tasks !== undefined ? { tasksRestarting: tasks } : {}),
    });
  }
  return result;
}

/**
 * What a service is put back on a replaced network with (its ID comes at apply time): the spec's
 * attachment when the spec lists the service and declares the network (null when it drops it),
 * else what it has.
 */
function putBack(
  current: ServiceNetworkState,
  spec: DesiredService | undefined,
  declared: ReadonlySet<string>,
): ServiceNetworkState | null {
  if (spec && declared.has(current.network)) {
    const attachment = spec.attachments[current.network];
    if (!attachment) return null;
    return {
      network: current.network,
      aliases: [...attachment.aliases],
      driverOpts: { ...attachment.driverOpts },
    };
  }
  return { network: current.network, aliases: [...current.aliases], driverOpts: { ...current.driverOpts } };
}

/** One line per update, for logs and the plan text: `web (2 tasks restart): + mesh [www]; - old`. */
export function describeServiceUpdate(action: ServiceUpdateAction): string {
  const restart =
    action.tasksRestarting !== undefined
      ? `${action.tasksRestarting} task${action.tasksRestarting === 1 ? '' : 's'} restart`
      : 'its tasks restart';
  const parts = action.changes.map((change) => {
    switch (change.kind) {
      case 'add':
        return `+ ${change.network} ${describeSettings(change.after)}`;
      case 'remove':
        return `- ${change.network}`;
      case 'change':
        return `~ ${change.network} ${change.changes
          .map((c) => `${c.path} ${formatValue(c.before)} → ${formatValue(c.after)}`)
          .join(', ')}`;
    }
  });
  return `${action.service} (${restart}${action.stack !== undefined ? `; stack ${action.stack}` : ''}): ${parts.join('; ')}`;
}

function describeSettings(state: ServiceNetworkState): string {
  const aliases = state.aliases.length > 0 ? `aliases ${formatValue(state.aliases)}` : 'no aliases';
  const opts =
    Object.keys(state.driverOpts).length > 0 ? `, driver_opts ${formatValue(state.driverOpts)}` : '';
  return `(${aliases}${opts})`;
}

function stateOf(
  network: ObservedServiceNetwork,
  byId: ReadonlyMap<string, ObservedNetwork>,
): ServiceNetworkState {
  // An old client may have left a name in Target; the manager's list then knows it by name only.
  const name = network.networkName ?? byId.get(network.networkId)?.name ?? network.networkId;
  return {
    network: name,
    networkId: network.networkId,
    aliases: [...network.aliases],
    driverOpts: { ...network.driverOpts },
  };
}

function wantedState(
  network: string,
  aliases: string[],
  driverOpts: Record<string, string>,
  byName: ReadonlyMap<string, ObservedNetwork>,
  created: ReadonlySet<string>,
): ServiceNetworkState {
  const existing = created.has(network) ? undefined : byName.get(network);
  return {
    network,
    ...(existing ? { networkId: existing.id } : {}),
    aliases: [...aliases],
    driverOpts: { ...driverOpts },
  };
}

function fieldChanges(before: ServiceNetworkState, after: ServiceNetworkState): FieldChange[] {
  const changes: FieldChange[] = [];
  if (!sameList(before.aliases, after.aliases)) {
    changes.push({ path: 'aliases', before: before.aliases, after: after.aliases });
  }
  if (!sameMap(before.driverOpts, after.driverOpts)) {
    changes.push({ path: 'driver_opts', before: before.driverOpts, after: after.driverOpts });
  }
  // A network this plan creates or replaces gets a new ID: the service must follow it.
  if (before.networkId !== undefined && after.networkId === undefined) {
    changes.push({ path: 'network', before: before.networkId, after: '(the new network)' });
  }
  return changes;
}

function pendingService(name: string, strict: boolean, position?: SourcePosition): Diagnostic {
  return {
    severity: strict ? 'error' : 'warning',
    code: SERVICE_PLAN_CODES.pendingService,
    path: `services.${name}`,
    message: `service ${name} does not exist (pending): its networks are not planned`,
    hint: strict
      ? 'create the service first (docker service create), or run without --strict to plan the rest'
      : 'a later apply updates it once it exists; --strict makes this an error',
    ...(position ? { position } : {}),
  };
}

function stackOwned(name: string, stack: string, position?: SourcePosition): Diagnostic {
  return {
    severity: 'warning',
    code: SERVICE_PLAN_CODES.stackOwned,
    path: `services.${name}`,
    message: `service ${name} belongs to stack ${stack}: the next \`docker stack deploy\` of ${stack} reverts this update`,
    hint: `change the networks in stack ${stack}'s Compose file too, or drop ${name} from this spec`,
    ...(position ? { position } : {}),
  };
}

function updateInProgress(name: string, state: string, position?: SourcePosition): Diagnostic {
  return {
    severity: 'warning',
    code: SERVICE_PLAN_CODES.updateInProgress,
    path: `services.${name}`,
    message: `service ${name} is in the middle of an update (${state}); netform's update replaces that rollout`,
    hint: 'let the rollout finish (docker service ps), or go ahead knowingly',
    ...(position ? { position } : {}),
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key])
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The networks to send when a service moved on since the plan (docs/swarm.md): the update's own
 * changes applied to the networks the service has now, so a write that landed in between (to
 * networks the update does not touch) is kept. The one re-plan apply makes before giving up.
 */
export function replanServiceNetworks(
  action: ServiceUpdateAction,
  now: ObservedService,
): ServiceNetworkState[] {
  const byName = new Map<string, ServiceNetworkState>();
  for (const network of now.networks) {
    const name = network.networkName ?? network.networkId;
    byName.set(name, {
      network: name,
      networkId: network.networkId,
      aliases: [...network.aliases],
      driverOpts: { ...network.driverOpts },
    });
  }
  for (const change of action.changes) {
    if (change.kind === 'remove') byName.delete(change.network);
    else byName.set(change.network, change.after);
  }
  return [...byName.values()].sort((a, b) => compareText(a.network, b.network));
}
