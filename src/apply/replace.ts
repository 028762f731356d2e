import { hostname } from 'node:os';
import { hasStaticAddress } from '../core/order.js';
import type { EndpointSettings } from '../model/desired.js';
import type { ObservedService } from '../model/observed.js';
import { replanServiceNetworks } from '../core/plan-services.js';
import type {
  ReplaceEndpoint,
  ReplaceNetworkAction,
  ReplaceService,
  ServiceNetworkState,
  ServiceUpdateAction,
} from '../model/plan.js';
import type { NetworkCreateRequest, ServiceNetworkAttachment } from '../model/port.js';
import { errorMessage, firstRejection } from './errors.js';
import type { ActionEnd, ActionRun } from './action-run.js';
import { networkCreateRequest } from './network-request.js';
import { createNetworkWhenNameFree, removeNetworkOf, StaleIngressError } from './network-removal.js';
import { isClusterNetwork } from '../core/swarm-fleet.js';
import { sendServiceUpdate, serviceAttachment } from './service-update.js';
import { restorePointRequest } from './restore-point.js';
import {
  replaceConfigOnlyNetworks,
  restoreConfigOnlyNetworks,
  type ConfigOnlyProgress,
} from './config-only-replace.js';

/**
 * Replaces a network Docker cannot change in place: take every Swarm service off it (one update
 * each) and disconnect every endpoint (declared or not, running or stopped), remove it (for a
 * swarm network made from config-only networks, replace those that changed, each on its engine),
 * create it as the spec says, reconnect each endpoint with its settings and put each service back with its
 * aliases (one update each: docs/swarm.md). Whatever step fails, what was already changed is
 * undone — the old network is created again from `before` (which carries all its labels) and
 * every endpoint and service restored with the settings it had — and the action ends
 * `rolled-back` with the engine's message. Only when the undo fails too does it end `failed`,
 * with both messages.
 *
 * Before its first change it writes a restore point on the engine (src/apply/restore-point.ts),
 * so a process killed half-way loses nothing: the next run restores from it. The point is removed
 * when the replace ends done or undone, and kept when the undo failed too.
 */
export async function replaceNetwork(run: ActionRun, action: ReplaceNetworkAction): Promise<ActionEnd> {
  const point = restorePointRequest(run.project, action, {
    pid: process.pid,
    host: hostname(),
    now: new Date(),
  });
  const target = `restore point ${point.name} of network ${action.network}`;
  const pointId = await run.request('create-network', target, () => run.port.createNetwork(point));
  const end = await replaceSteps(run, action);
  if (end.rollbackError !== undefined) {
    return {
      ...end,
      rollbackError: `${end.rollbackError} (what to restore is kept in ${point.name}: the next \`netform apply\` restores it)`,
    };
  }
  try {
    await run.request('remove-network', target, () => run.port.removeNetwork(pointId));
  } catch (error) {
    const removal = `its restore point ${point.name} could not be removed (${errorMessage(error)}): remove it with \`docker network rm ${point.name}\``;
    return { status: 'failed', error: end.error === undefined ? removal : `${end.error}; ${removal}` };
  }
  return end;
}

async function replaceSteps(run: ActionRun, action: ReplaceNetworkAction): Promise<ActionEnd> {
  const network = action.network;
  const disconnected: ReplaceEndpoint[] = [];
  const services = action.services ?? [];
  const off: ReplaceService[] = [];

  // 1. Take every service off the network (one update each, with the plan's version), and
  // disconnect every endpoint.
  for (const service of services) {
    try {
      await takeServiceOff(run, service, network, action.networkId, service.version);
      off.push(service);
    } catch (error) {
      return undo(run, action, errorMessage(error), {
        oldNetworkId: action.networkId,
        disconnected,
        servicesOff: off,
      });
    }
  }
  const disconnects = await Promise.allSettled(
    action.endpoints.map(async (endpoint) => {
      await run.disconnect(action.networkId, network, endpoint.containerId, endpoint.container);
      disconnected.push(endpoint);
    }),
  );
  const disconnectFailure = firstRejection(disconnects);
  if (disconnectFailure !== undefined) {
    return undo(run, action, errorMessage(disconnectFailure), {
      oldNetworkId: action.networkId,
      disconnected,
      servicesOff: off,
    });
  }

  // 2. Remove the old network: a cluster network once no task of the services taken off is left
  // on it on any node (the engine accepts the update at once and stops them later; a node still
  // holding the old network would refuse the new one's tasks), and retried while a node's
  // containers leave it; the ingress network once no task is left on it on any node.
  try {
    await removeNetworkOf(run, network, action.networkId, action.before, { servicesOff: off });
  } catch (error) {
    return undo(run, action, errorMessage(error), {
      oldNetworkId: action.networkId,
      disconnected,
      servicesOff: off,
    });
  }

  // 3. For a swarm network made from config-only networks, replace those that changed, each on
  // its engine; then create the new network.
  const configOnly: ConfigOnlyProgress[] = [];
  let newId: string;
  try {
    await replaceConfigOnlyNetworks(run, action.configOnly ?? [], configOnly);
    newId = await run.request('create-network', `network ${network}`, () =>
      createNetwork(run, action, networkCreateRequest(action.after, run.project)),
    );
  } catch (error) {
    // The swarm still lists the removed ingress network under its name: the old one cannot be
    // made again under that name either (docs/swarm.md, "The ingress network").
    const nameTaken = error instanceof StaleIngressError && action.before.name === action.after.name;
    return undo(run, action, errorMessage(error), { disconnected, servicesOff: off, configOnly, nameTaken });
  }
  run.setNetworkId(network, newId);

  // 4. Reconnect every endpoint the spec keeps, with its new settings: static addresses first, so
  // no dynamic endpoint takes one of them.
  const reconnected: ReplaceEndpoint[] = [];
  const reconnects = await inWaves(
    action.endpoints.filter((endpoint) => endpoint.after !== null),
    (endpoint) => endpoint.after!,
    async (endpoint) => {
      await run.connect(newId, network, endpoint.containerId, endpoint.container, endpoint.after!);
      reconnected.push(endpoint);
    },
  );
  const reconnectFailure = firstRejection(reconnects);
  if (reconnectFailure !== undefined) {
    return undo(run, action, errorMessage(reconnectFailure), {
      newNetworkId: newId,
      reconnected,
      disconnected,
      servicesOff: off,
      servicesBack: [],
      configOnly,
    });
  }

  // 5. Put every service the spec keeps on it back, with its aliases and driver options: the
  // version is read again, since taking it off moved it on.
  const back: ReplaceService[] = [];
  for (const service of off) {
    if (service.after === null) continue;
    try {
      // The service's own update of this plan (its other networks), if any, goes in the same
      // update: two rolling restarts instead of three.
      const own = ownUpdate(run, service);
      await putServiceOn(run, service, network, newId, service.after, action.networkId, {}, own);
      if (own) run.setServiceUpdateCarried(service.serviceId, true);
      back.push(service);
    } catch (error) {
      return undo(run, action, errorMessage(error), {
        newNetworkId: newId,
        reconnected,
        disconnected,
        servicesOff: off,
        servicesBack: back,
        configOnly,
      });
    }
  }
  return { status: 'done' };
}

/**
 * Puts the network back as it was. `oldNetworkId`: the old network still exists (only endpoints
 * were disconnected, services taken off); otherwise it is created again from `before`.
 * `newNetworkId`: the new network exists with `reconnected` and `servicesBack` on it, and goes
 * first. The services taken off are put back on the old network with what they had.
 */
async function undo(
  run: ActionRun,
  action: ReplaceNetworkAction,
  error: string,
  state: {
    oldNetworkId?: string;
    newNetworkId?: string;
    reconnected?: ReplaceEndpoint[];
    disconnected: ReplaceEndpoint[];
    servicesOff: ReplaceService[];
    servicesBack?: ReplaceService[];
    /** Config-only networks replaced (or removed) on their engines: made again as they were. */
    configOnly?: ConfigOnlyProgress[];
    /** The new network's create found the name still taken for good: the old one is not tried. */
    nameTaken?: boolean;
  },
): Promise<ActionEnd> {
  const network = action.network;
  const rollback = { rollback: true };
  const failures: string[] = [];
  try {
    let oldId = state.oldNetworkId;
    if (oldId === undefined) {
      if (state.newNetworkId !== undefined) {
        const newId = state.newNetworkId;
        for (const service of state.servicesBack ?? []) {
          await takeServiceOff(run, service, network, newId, undefined, rollback);
        }
        const out = await Promise.allSettled(
          (state.reconnected ?? []).map((endpoint) =>
            run.disconnect(newId, network, endpoint.containerId, endpoint.container, {
              ...rollback,
              force: true,
            }),
          ),
        );
        const failure = firstRejection(out);
        if (failure !== undefined) throw failure;
        await removeNetworkOf(run, network, newId, action.after, {
          ...rollback,
          servicesOff: state.servicesBack ?? [],
        });
      }
      const configFailures = await restoreConfigOnlyNetworks(run, state.configOnly ?? []);
      if (configFailures.length > 0) throw new Error(configFailures.join('; '));
      if (state.nameTaken) {
        throw new Error(
          `network ${network} was not made again as it was: the swarm refuses its name the same way, so it has no ingress network it can use now`,
        );
      }
      oldId = await run.request(
        'create-network',
        `network ${network}`,
        () => createNetwork(run, action, networkCreateRequest(action.before)),
        rollback,
      );
      run.setNetworkId(network, oldId);
    }
    const restoredOn = oldId;
    const restores = await inWaves(
      state.disconnected,
      (endpoint) => endpoint.before,
      (endpoint) =>
        run.connect(restoredOn, network, endpoint.containerId, endpoint.container, endpoint.before, rollback),
    );
    for (const [i, result] of restores.entries()) {
      if (result.status === 'rejected') {
        failures.push(`${state.disconnected[i]!.container}: ${errorMessage(result.reason)}`);
      }
    }
    for (const service of state.servicesOff) {
      try {
        // A service whose own update was carried goes back to its other networks at plan time.
        const carried = run.serviceUpdateCarried(service.serviceId);
        await putServiceOn(
          run,
          service,
          network,
          restoredOn,
          service.before,
          action.networkId,
          rollback,
          undefined,
          carried,
        );
        run.setServiceUpdateCarried(service.serviceId, false);
      } catch (serviceError) {
        failures.push(`service ${service.service}: ${errorMessage(serviceError)}`);
      }
    }
  } catch (undoError) {
    failures.push(errorMessage(undoError));
  }
  if (failures.length > 0) return { status: 'failed', error, rollbackError: failures.join('; ') };
  const changedSomething =
    state.disconnected.length > 0 || state.servicesOff.length > 0 || state.oldNetworkId === undefined;
  if (!changedSomething) return { status: 'failed', error };
  const undone = undoneHow(
    network,
    state.oldNetworkId === undefined,
    state.servicesOff,
    state.disconnected.length,
  );
  return { status: 'rolled-back', error, ...(undone !== undefined ? { undone } : {}) };
}

/**
 * What a rollback left, when it is not simply the engine as it was (docs/swarm.md): the old
 * network created again (same settings, a new ID), and each service put back on it with the
 * aliases it had, which restarted its tasks.
 */
function undoneHow(
  network: string,
  recreated: boolean,
  services: readonly ReplaceService[],
  endpoints: number,
): string | undefined {
  if (!recreated && services.length === 0) return undefined;
  const parts: string[] = [];
  if (recreated) parts.push(`network ${network} created again as it was, with a new ID`);
  else parts.push(`network ${network} left as it was`);
  if (services.length > 0) {
    const each = services.map((s) => {
      const aliases = s.before.aliases.length > 0 ? `aliases [${s.before.aliases.join(', ')}]` : 'no aliases';
      return `service ${s.service} put back on it with ${aliases}`;
    });
    parts.push(
      `${each.join(', ')} (taken off and put back: two updates, each restarting ${services.length === 1 ? 'its' : 'their'} tasks)`,
    );
  }
  if (endpoints > 0) {
    parts.push(
      `${endpoints} container endpoint${endpoints === 1 ? '' : 's'} reconnected with ${endpoints === 1 ? 'its' : 'their'} settings`,
    );
  }
  return parts.join('; ');
}

/**
 * Creates the new (or, on rollback, the old) network: for a cluster network, retried while the
 * manager still lists the one just removed under its name.
 */
function createNetwork(
  run: ActionRun,
  action: ReplaceNetworkAction,
  request: NetworkCreateRequest,
): Promise<string> {
  return isClusterNetwork(action.before) || isClusterNetwork(action.after)
    ? createNetworkWhenNameFree(run.port, request)
    : run.port.createNetwork(request);
}

/**
 * One update that leaves the service on every network but `networkId`: with the plan's version
 * and networks (`others`) the first time; with the version read now when `version` is undefined
 * (a rollback) or the service moved on.
 */
function takeServiceOff(
  run: ActionRun,
  service: ReplaceService,
  network: string,
  networkId: string,
  version: number | undefined,
  options: { rollback?: boolean } = {},
): Promise<void> {
  return sendServiceUpdate(
    run,
    {
      service: service.service,
      serviceId: service.serviceId,
      what: `service ${service.service} off ${network}`,
    },
    version,
    (now) =>
      now
        ? now.networks.filter((n) => n.networkId !== networkId).map(serviceAttachment)
        : service.others.map((n) =>
            serviceAttachment({ ...n, networkId: run.networkId(n.network, n.networkId) }),
          ),
    options,
  );
}

/**
 * One update that puts the service on `networkId` with `settings`, keeping the networks it has
 * now (the version is read first: taking it off moved it on). `oldId`, the network replaced, is
 * left out in case it is still listed.
 */
function putServiceOn(
  run: ActionRun,
  service: ReplaceService,
  network: string,
  networkId: string,
  settings: ServiceNetworkState,
  oldId: string,
  options: { rollback?: boolean } = {},
  /** The service's own update in this plan: its changes to its other networks go in too. */
  own?: ServiceUpdateAction,
  /** Its other networks as at plan time (a rollback of a service whose own update was carried). */
  asPlanned = false,
): Promise<void> {
  const others = (now: ObservedService | undefined): ServiceNetworkAttachment[] => {
    if (asPlanned) {
      return service.others.map((n) =>
        serviceAttachment({ ...n, networkId: run.networkId(n.network, n.networkId) }),
      );
    }
    if (own && now) {
      return replanServiceNetworks(own, now)
        .filter((n) => n.network !== network)
        .map((n) => serviceAttachment({ ...n, networkId: run.networkId(n.network, n.networkId) }));
    }
    return (now?.networks ?? []).map(serviceAttachment);
  };
  return sendServiceUpdate(
    run,
    {
      service: service.service,
      serviceId: service.serviceId,
      what: `service ${service.service} on ${network}`,
    },
    undefined,
    (now) => [
      ...others(now).filter((n) => n.networkId !== networkId && n.networkId !== oldId),
      serviceAttachment({ ...settings, networkId }),
    ],
    options,
  );
}

/** The plan's own `service-update` action of the service, if it has one (docs/swarm.md). */
function ownUpdate(run: ActionRun, service: ReplaceService): ServiceUpdateAction | undefined {
  return run.plan.actions.find(
    (action): action is ServiceUpdateAction =>
      action.kind === 'service-update' && action.serviceId === service.serviceId,
  );
}

/**
 * Runs `connect` for the endpoints with a static address, then (once those are settled) for the
 * rest: a dynamic endpoint connected alongside could take a static one's address. The results
 * are in the order of `endpoints`.
 */
async function inWaves<T>(
  endpoints: readonly T[],
  settingsOf: (endpoint: T) => EndpointSettings,
  connect: (endpoint: T) => Promise<void>,
): Promise<PromiseSettledResult<void>[]> {
  const results: PromiseSettledResult<void>[] = new Array<PromiseSettledResult<void>>(endpoints.length);
  for (const wave of [true, false]) {
    const indexes = endpoints.flatMap((endpoint, i) =>
      hasStaticAddress(settingsOf(endpoint)) === wave ? [i] : [],
    );
    const settled = await Promise.allSettled(indexes.map((i) => connect(endpoints[i]!)));
    settled.forEach((result, k) => (results[indexes[k]!] = result));
  }
  return results;
}
