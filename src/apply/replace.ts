import { hostname } from 'node:os';
import { hasStaticAddress } from '../core/order.js';
import type { EndpointSettings } from '../model/desired.js';
import type { ObservedServiceNetwork } from '../model/observed.js';
import type {
  ReplaceEndpoint,
  ReplaceNetworkAction,
  ReplaceService,
  ServiceNetworkState,
} from '../model/plan.js';
import type { NetworkCreateRequest, ServiceNetworkAttachment } from '../model/port.js';
import { errorMessage, firstRejection } from './errors.js';
import type { ActionEnd, ActionRun } from './action-run.js';
import { networkCreateRequest } from './network-request.js';
import { createNetworkWhenNameFree, removeNetworkWhenFree, TASK_IN_USE } from './network-removal.js';
import { isClusterNetwork } from '../core/swarm-fleet.js';
import { sendServiceUpdate } from './service-update.js';
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

  // 2. Remove the old network: once services were taken off, retried while their tasks are still
  // leaving it (the engine accepts the update at once and stops the tasks later).
  try {
    await removeNetwork(run, network, action.networkId, off.length > 0);
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
    return undo(run, action, errorMessage(error), { disconnected, servicesOff: off, configOnly });
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
      await putServiceOn(run, service, network, newId, service.after, action.networkId);
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
        await removeNetwork(run, network, newId, (state.servicesBack ?? []).length > 0, rollback);
      }
      const configFailures = await restoreConfigOnlyNetworks(run, state.configOnly ?? []);
      if (configFailures.length > 0) throw new Error(configFailures.join('; '));
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
        await putServiceOn(run, service, network, restoredOn, service.before, action.networkId, rollback);
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
  return changedSomething ? { status: 'rolled-back', error } : { status: 'failed', error };
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

/** Removes a network of the replace; retried while tasks leave it when services were on it. */
function removeNetwork(
  run: ActionRun,
  network: string,
  networkId: string,
  servicesWereOn: boolean,
  options: { rollback?: boolean } = {},
): Promise<void> {
  return run.request(
    'remove-network',
    `network ${network}`,
    () =>
      servicesWereOn
        ? removeNetworkWhenFree(run.port, networkId, TASK_IN_USE)
        : run.port.removeNetwork(networkId),
    options,
  );
}

const attachment = (n: ObservedServiceNetwork | ServiceNetworkAttachment): ServiceNetworkAttachment => ({
  networkId: n.networkId,
  aliases: [...n.aliases],
  driverOpts: { ...n.driverOpts },
});

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
        ? now.networks.filter((n) => n.networkId !== networkId).map(attachment)
        : service.others.map((n) => attachment({ ...n, networkId: run.networkId(n.network, n.networkId) })),
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
): Promise<void> {
  return sendServiceUpdate(
    run,
    {
      service: service.service,
      serviceId: service.serviceId,
      what: `service ${service.service} on ${network}`,
    },
    undefined,
    (now) => [
      ...(now?.networks ?? [])
        .filter((n) => n.networkId !== networkId && n.networkId !== oldId)
        .map(attachment),
      { networkId, aliases: [...settings.aliases], driverOpts: { ...settings.driverOpts } },
    ],
    options,
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
