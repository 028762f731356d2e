import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { hasStaticAddress } from '../core/order.js';
import type { Action, Plan, ServiceNetworkState, ServiceUpdateAction } from '../model/plan.js';
import type { DockerPort, ServiceNetworkAttachment } from '../model/port.js';
import { removeNetworkOf } from './network-removal.js';
import { sendServiceUpdate } from './service-update.js';
import { ActionRun, Execution, NotAttempted, type ActionEnd } from './action-run.js';
import { describeAction } from './describe.js';
import { errorMessage, firstRejection } from './errors.js';
import { replanServiceNetworks } from '../core/plan-services.js';
import { networkCreateRequest } from './network-request.js';
import { resolveParallelism, type ParallelismOption } from './parallelism.js';
import { replaceNetwork } from './replace.js';
import {
  EXECUTION_PHASES,
  phaseOf,
  type ActionOutcome,
  type ExecutionEvent,
  type ExecutionResult,
} from './result.js';

export type { ExecutionEvent } from './result.js';

export interface ExecuteOptions {
  /** Concurrent engine requests: one number for every phase, or per phase (the rest default). */
  parallelism?: ParallelismOption;
  logger?: Logger;
  onEvent?: (event: ExecutionEvent) => void;
  /**
   * Aborting stops the execution as a failure does: actions in flight finish (a replace rolls
   * forward or back), nothing new starts, the rest is reported `not-attempted`.
   */
  signal?: AbortSignal;
  /**
   * Carries out only the actions of these indexes (the rest stay `not-attempted` and report no
   * event): a swarm node's plan runs in two stages around the manager's (docs/swarm.md). Absent:
   * every action.
   */
  only?: ReadonlySet<number>;
  /**
   * How many of the plan's actions earlier stages finished (a swarm node's plan run in two
   * stages, src/apply/swarm-fleet.ts): the progress events count on from there.
   */
  finishedBefore?: number;
  /**
   * The session's engines by name (a session across engines on a swarm): the replace of a swarm
   * network made from config-only networks replaces those on the other nodes through these
   * (docs/swarm.md).
   */
  enginePorts?: ReadonlyMap<string, DockerPort>;
  /**
   * The session's engines that are nodes of this engine's swarm, by name, this one included: the
   * removal of the ingress network waits until no task is on it on any of them (docs/swarm.md,
   * "The ingress network"). Absent: this engine only.
   */
  swarmNodes?: ReadonlyMap<string, DockerPort>;
}

/**
 * Carries out `plan` through `port`: phase by phase (creates, replaces, disconnects, reconnects,
 * connects, removes), the actions of one phase concurrently up to that phase's parallelism.
 * When an action fails, actions already started finish (a replace rolls back), nothing new
 * starts, and the rest are reported `not-attempted`. Never throws for an engine failure: the
 * result says what was done, what failed (with the engine's words) and what was not attempted.
 */
export async function executePlan(
  plan: Plan,
  port: DockerPort,
  options: ExecuteOptions = {},
): Promise<ExecutionResult> {
  const t0 = performance.now();
  const parallelism = resolveParallelism(options.parallelism);
  const execution = new Execution(
    plan,
    port,
    options.logger,
    options.onEvent,
    options.enginePorts,
    options.swarmNodes,
    options.finishedBefore,
  );
  const stop = (): void => {
    execution.stopping = true;
  };
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  const outcomes: ActionOutcome[] = plan.actions.map((action, index) => ({
    index,
    kind: action.kind,
    description: describeAction(action),
    status: 'not-attempted',
    operations: [],
  }));

  for (const phase of EXECUTION_PHASES) {
    const indexes = plan.actions.flatMap((action, index) =>
      phaseOf(action) === phase && (options.only?.has(index) ?? true) ? [index] : [],
    );
    if (indexes.length === 0) continue;
    if (execution.stopping) {
      for (const index of indexes) execution.emitEnd(outcomes[index]!);
      continue;
    }
    options.logger?.info({ phase, actions: indexes.length, parallelism: parallelism[phase] }, 'phase');
    // Two limits of the same size: engine requests in flight, and actions in flight. Without the
    // second, every multi-request action (a remove, a replace) would start at once and take turns
    // with all the others, so a failure would find them all "in flight" and stop nothing.
    const requests = pLimit(parallelism[phase]);
    const actions = pLimit(parallelism[phase]);
    const waitsFor = predecessors(plan.actions, indexes, parallelism[phase]);
    const done = new Map<number, Promise<void>>();
    // An action that waits for others starts once they have all ended. Every wait points to an
    // earlier index in the plan (predecessors), so the recursion ends and nothing waits in a cycle.
    const start = (index: number): Promise<void> => {
      const started = done.get(index);
      if (started) return started;
      const promise = Promise.all((waitsFor.get(index) ?? []).map(start)).then(() =>
        actions(async () => {
          const outcome = outcomes[index]!;
          const run = new ActionRun(outcome, execution, requests);
          await runAction(run, plan.actions[index]!);
          if (outcome.status !== 'done' && outcome.status !== 'not-attempted') execution.stopping = true;
          execution.emitEnd(outcome);
        }),
      );
      done.set(index, promise);
      return promise;
    };
    for (const index of indexes) void start(index);
    await Promise.all(done.values());
  }

  options.signal?.removeEventListener('abort', stop);
  return {
    status: outcomes.every((o) => o.status === 'done' || !(options.only?.has(o.index) ?? true))
      ? 'applied'
      : 'failed',
    actions: outcomes,
    durationMs: Math.round(performance.now() - t0),
    parallelism,
    ...(options.signal?.aborted ? { interrupted: true } : {}),
  };
}

/**
 * What each action of one phase waits for: the indexes (of the same phase) that must end before
 * it starts; the rest of the phase runs side by side up to the phase's parallelism, and at
 * parallelism 1 every action waits for the one before it. Every wait
 * goes from a later index in the plan to an earlier one, so there is never a cycle (and the
 * executor's recursion over waits always ends): keep it that way when adding one.
 */
function predecessors(
  actions: readonly Action[],
  indexes: readonly number[],
  parallelism: number,
): Map<number, number[]> {
  const waitsFor = new Map<number, number[]>();
  const wait = (index: number, before: number): void => {
    if (before >= index) throw new Error(`internal: action ${index} would wait for a later one (${before})`);
    const list = waitsFor.get(index);
    if (list) list.push(before);
    else waitsFor.set(index, [before]);
  };
  // One at a time: in the plan's order exactly, so a log reads as the plan (the plan's order
  // already keeps every order below).
  if (parallelism === 1) {
    for (let n = 1; n < indexes.length; n++) wait(indexes[n]!, indexes[n - 1]!);
    return waitsFor;
  }
  configOnlyOrder(actions, indexes, wait);
  endpointOrder(actions, indexes, wait);
  return waitsFor;
}

/**
 * The two orders the plan gives connects and reconnects (src/core/order.ts; docs/apply.md,
 * "Concurrency"), kept at any parallelism:
 * - on one network, an endpoint the daemon gives an address to waits for every endpoint with a
 *   static address listed before it, so it cannot take one of their addresses;
 * - one container's connects (and its reconnects) run one after another in plan order, so its
 *   interfaces come in the order the plan says (Compose's `priority`, highest first).
 * `indexes` are in plan order; each wait is for an earlier one.
 */
function endpointOrder(
  actions: readonly Action[],
  indexes: readonly number[],
  wait: (index: number, before: number) => void,
): void {
  const staticOn = new Map<string, number[]>();
  const lastOf = new Map<string, number>();
  for (const index of indexes) {
    const action = actions[index]!;
    if (action.kind !== 'connect' && action.kind !== 'reconnect') continue;
    const previous = lastOf.get(action.container);
    if (previous !== undefined) wait(index, previous);
    lastOf.set(action.container, index);
    let statics = staticOn.get(action.network);
    if (!statics) staticOn.set(action.network, (statics = []));
    if (hasStaticAddress(action.after)) statics.push(index);
    else for (const before of statics) if (before !== previous) wait(index, before);
  }
}

/**
 * Within one phase, the order the engine accepts for networks made from config-only networks
 * (docs/swarm.md): a create of such a network waits for the create of its config-only network
 * (the engine looks it up by name), and the removal of a config-only network waits for the
 * removal of the network made from it. The plan lists each pair in that order (order.ts).
 */
function configOnlyOrder(
  actions: readonly Action[],
  indexes: readonly number[],
  wait: (index: number, before: number) => void,
): void {
  const configOnly = new Map<string, number>();
  for (const index of indexes) {
    const action = actions[index]!;
    if (
      (action.kind === 'create' && action.after.configOnly) ||
      (action.kind === 'remove' && action.before.configOnly)
    ) {
      configOnly.set(`${action.kind}\u0000${action.network}`, index);
    }
  }
  for (const index of indexes) {
    const action = actions[index]!;
    if (action.kind === 'create' && action.after.configFrom !== undefined) {
      const config = configOnly.get(`create\u0000${action.after.configFrom}`);
      if (config !== undefined) wait(index, config);
    }
    if (action.kind === 'remove' && action.before.configFrom !== undefined) {
      const config = configOnly.get(`remove\u0000${action.before.configFrom}`);
      if (config !== undefined) wait(config, index);
    }
  }
}

async function runAction(run: ActionRun, action: Action): Promise<void> {
  const outcome = run.outcome;
  try {
    const result = await carryOut(run, action);
    outcome.status = result.status;
    if (result.error !== undefined) outcome.error = result.error;
    if (result.rollbackError !== undefined) outcome.rollbackError = result.rollbackError;
    if (result.undone !== undefined) outcome.undone = result.undone;
  } catch (error) {
    if (error instanceof NotAttempted) {
      outcome.status = 'not-attempted';
    } else {
      outcome.status = 'failed';
      outcome.error = errorMessage(error);
    }
  } finally {
    run.finish();
  }
}

async function carryOut(run: ActionRun, action: Action): Promise<ActionEnd> {
  switch (action.kind) {
    case 'create': {
      const id = await run.request('create-network', `network ${action.network}`, () =>
        run.port.createNetwork(networkCreateRequest(action.after, run.project)),
      );
      run.setNetworkId(action.network, id);
      return { status: 'done' };
    }
    case 'replace':
      return replaceNetwork(run, action);
    case 'remove': {
      // The endpoints lose their place on purpose: the network goes away. `force` also clears an
      // endpoint whose container was removed since the plan was made.
      const results = await Promise.allSettled(
        action.disconnect.map((endpoint) =>
          run.disconnect(action.networkId, action.network, endpoint.containerId, endpoint.container, {
            force: true,
          }),
        ),
      );
      const failure = firstRejection(results);
      if (failure !== undefined) throw failure;
      await removeNetworkOf(run, action.network, action.networkId, action.before);
      return { status: 'done' };
    }
    case 'connect': {
      const networkId = run.networkId(action.network, action.networkId);
      await run.connect(networkId, action.network, action.containerId, action.container, action.after);
      return { status: 'done' };
    }
    case 'disconnect':
      await run.disconnect(action.networkId, action.network, action.containerId, action.container);
      return { status: 'done' };
    case 'reconnect': {
      // Always disconnect first: connecting a stopped container that is still listed on the
      // network silently keeps its old settings.
      const networkId = run.networkId(action.network, action.networkId);
      await run.disconnect(networkId, action.network, action.containerId, action.container);
      try {
        await run.connect(networkId, action.network, action.containerId, action.container, action.after);
        return { status: 'done' };
      } catch (error) {
        try {
          await run.connect(networkId, action.network, action.containerId, action.container, action.before, {
            rollback: true,
          });
          return { status: 'rolled-back', error: errorMessage(error) };
        } catch (restoreError) {
          return { status: 'failed', error: errorMessage(error), rollbackError: errorMessage(restoreError) };
        }
      }
    }
    case 'service-update':
      await updateService(run, action);
      return { status: 'done' };
  }
}

/**
 * One `service update` with every network change of the service, sent with the version read at
 * plan time (docs/swarm.md). When the service moved on since, it is read again and the same
 * changes are applied to what it has now, once (sendServiceUpdate).
 */
async function updateService(run: ActionRun, action: ServiceUpdateAction): Promise<void> {
  // Already sent with the replace's update that put the service back (replace.ts).
  if (run.serviceUpdateCarried(action.serviceId)) {
    run.logger?.info({ service: action.service }, "service update carried by a replace's put-back update");
    return;
  }
  const attachments = (networks: ServiceNetworkState[]): ServiceNetworkAttachment[] =>
    networks.map((n) => ({
      networkId: run.networkId(n.network, n.networkId),
      aliases: n.aliases,
      driverOpts: n.driverOpts,
    }));
  await sendServiceUpdate(
    run,
    { service: action.service, serviceId: action.serviceId, what: `service ${action.service}` },
    action.version,
    (now) => attachments(now ? replanServiceNetworks(action, now) : action.after),
  );
}
