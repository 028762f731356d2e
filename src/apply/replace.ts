import { hostname } from 'node:os';
import { hasStaticAddress } from '../core/order.js';
import type { EndpointSettings } from '../model/desired.js';
import type { ReplaceEndpoint, ReplaceNetworkAction } from '../model/plan.js';
import { errorMessage, firstRejection } from './errors.js';
import type { ActionEnd, ActionRun } from './action-run.js';
import { networkCreateRequest } from './network-request.js';
import { restorePointRequest } from './restore-point.js';

/**
 * Replaces a network Docker cannot change in place: disconnect every endpoint (declared or not,
 * running or stopped), remove it, create it as the spec says, and reconnect each endpoint with
 * its settings. Whatever step fails, what was already changed is undone — the old network is
 * created again from `before` (which carries all its labels) and every endpoint restored with the
 * settings it had — and the action ends `rolled-back` with the engine's message. Only when the
 * undo fails too does it end `failed`, with both messages.
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

  // 1. Disconnect every endpoint.
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
    });
  }

  // 2. Remove the old network.
  try {
    await run.request('remove-network', `network ${network}`, () => run.port.removeNetwork(action.networkId));
  } catch (error) {
    return undo(run, action, errorMessage(error), { oldNetworkId: action.networkId, disconnected });
  }

  // 3. Create the new one.
  let newId: string;
  try {
    newId = await run.request('create-network', `network ${network}`, () =>
      run.port.createNetwork(networkCreateRequest(action.after, run.project)),
    );
  } catch (error) {
    return undo(run, action, errorMessage(error), { disconnected });
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
    });
  }
  return { status: 'done' };
}

/**
 * Puts the network back as it was. `oldNetworkId`: the old network still exists (only endpoints
 * were disconnected); otherwise it is created again from `before`. `newNetworkId`: the new
 * network exists with `reconnected` on it, and goes first.
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
        await run.request(
          'remove-network',
          `network ${network}`,
          () => run.port.removeNetwork(newId),
          rollback,
        );
      }
      oldId = await run.request(
        'create-network',
        `network ${network}`,
        () => run.port.createNetwork(networkCreateRequest(action.before)),
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
  } catch (undoError) {
    failures.push(errorMessage(undoError));
  }
  if (failures.length > 0) return { status: 'failed', error, rollbackError: failures.join('; ') };
  const changedSomething = state.disconnected.length > 0 || state.oldNetworkId === undefined;
  return changedSomething ? { status: 'rolled-back', error } : { status: 'failed', error };
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
