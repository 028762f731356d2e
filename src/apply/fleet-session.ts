import { desiredForEngine } from '../core/engine-projection.js';
import type { DesiredState } from '../model/desired.js';
import type { FleetPlan } from '../model/fleet.js';
import { isError } from '../model/diagnostic.js';
import { EngineError, NetformError } from '../model/errors.js';
import type { ObservedState } from '../model/observed.js';
import type { Plan, PlanOptions, PlanSummary } from '../model/plan.js';
import type { DockerPort } from '../model/port.js';
import type { HeldLock } from './lock.js';
import { observeAndPlan } from './plan-engine.js';
import type { ApplyResult } from './result.js';
import type { ActionOutcome, ExecutionResult } from './result.js';
import { swarmPlanning, type Stage, type SwarmPlanning } from './swarm-fleet.js';

export type { EnginePlan, FleetPlan } from '../model/fleet.js';
import {
  asDestroyPlan,
  executeStage,
  lockEngine,
  prepareUnderLock,
  releaseLock,
  type PreparedChange,
  type SessionEvent,
  type SessionOptions,
  verifyExecution,
} from './session.js';

/**
 * The apply session across several engines (docs/apply.md#several-engines): the single-engine
 * session's steps (src/apply/session.ts) on every engine of a spec with `engines:`, each on its
 * own projection of the spec (desiredForEngine). One lock per engine, taken in a fixed order
 * (engine names, sorted) so two runs never hold one each and wait for the other; plans made
 * under the locks, concurrently; one confirmation for all; engines executed concurrently, where
 * the first failure on any engine stops new work on every engine; each engine verified on its
 * own; locks released in the reverse order.
 */

/** One engine's result, as the single-engine session reports it. */
export interface EngineResult {
  engine: string;
  host: string;
  result: ApplyResult;
}

/**
 * What a session across engines came to. `status` is the worst of the engines' (`failed`, then
 * `not-converged`, then `applied`), or `blocked` / `cancelled` / `no-changes` for all of them:
 * - `blocked`: some engine's plan has errors; nothing was sent to any engine;
 * - `cancelled`: the confirmation said no; nothing was sent;
 * - `no-changes`: every engine's plan was empty.
 */
export interface FleetResult {
  status: ApplyResult['status'];
  project: string;
  engines: EngineResult[];
}

/** What a session across engines reports while it runs: each engine's session events, named. */
export type FleetEvent =
  | { type: 'engine'; engine: string; event: SessionEvent }
  /** Every engine is planned (before confirmation). */
  | { type: 'planned-all'; plan: FleetPlan };

export interface FleetSessionOptions extends Omit<SessionOptions, 'confirm' | 'onEvent'> {
  /** Asked once, for every engine's plan together; absent: approved. */
  confirm?: (plan: FleetPlan) => Promise<boolean>;
  onEvent?: (event: FleetEvent) => void;
}

/** The ports of the engines to work on, by engine name (connectEngines gives them). */
export type EnginePorts = ReadonlyMap<string, DockerPort>;

/** Sums the summaries of every engine's plan. */
export function fleetSummary(plans: readonly { plan: Plan }[]): PlanSummary {
  const total: PlanSummary = { create: 0, replace: 0, remove: 0, connect: 0, disconnect: 0, reconnect: 0 };
  for (const { plan } of plans) {
    for (const key of Object.keys(total) as (keyof PlanSummary)[]) total[key] += plan.summary[key] ?? 0;
    const services = plan.summary['service-update'];
    if (services !== undefined) total['service-update'] = (total['service-update'] ?? 0) + services;
  }
  return total;
}

/**
 * Observes and plans every engine concurrently, each on its projection of the spec (as
 * `netform plan` does for a spec with engines:). No lock is taken: a plan changes nothing.
 */
export async function planEngines(
  spec: DesiredState,
  ports: EnginePorts,
  options: PlanOptions = {},
): Promise<{ plan: FleetPlan; observed: Map<string, ObservedState> }> {
  const names = [...ports.keys()].sort();
  const swarm = await swarmPlanning(spec, ports);
  const planned = await Promise.all(
    names.map(async (engine) => {
      const work = await onEngine(
        engine,
        swarm.forEngine(engine, ports.get(engine)!, desiredForEngine(spec, engine)),
      );
      const { observed, plan } = await onEngine(engine, observeAndPlan(work.port, work.desired, options));
      return { engine, host: work.port.host, plan, observed };
    }),
  );
  const engines = planned.map(({ engine, host, plan }) => ({ engine, host, plan }));
  return {
    plan: { project: spec.project, engines, summary: fleetSummary(engines) },
    observed: new Map(planned.map(({ engine, observed }) => [engine, observed])),
  };
}

/**
 * Makes every engine of `ports` match its part of `spec` (see the top of this file). On a swarm
 * (docs/swarm.md), cluster objects are planned and changed through one manager.
 */
export async function applyEngines(
  spec: DesiredState,
  ports: EnginePorts,
  options: FleetSessionOptions & { planOptions?: PlanOptions } = {},
): Promise<FleetResult> {
  const planOptions = options.planOptions ?? {};
  const swarm = await swarmPlanning(spec, ports);
  return runFleet(ports, 'apply', spec.project, options, swarm, async (engine, port) => {
    const work = await swarm.forEngine(engine, port, desiredForEngine(spec, engine));
    const { plan } = await observeAndPlan(work.port, work.desired, planOptions);
    return { port: work.port, change: { plan, desired: work.desired, planOptions } };
  });
}

/**
 * Removes every network `project` manages on every engine of `ports`; on a swarm, the cluster
 * networks once, on the manager, after the nodes' containers left them (docs/swarm.md).
 */
export async function destroyEngines(
  project: string,
  ports: EnginePorts,
  options: FleetSessionOptions = {},
): Promise<FleetResult> {
  const nothing: DesiredState = { project, networks: {}, containers: {} };
  const swarm = await swarmPlanning(nothing, ports);
  return runFleet(ports, 'destroy', project, options, swarm, async (engine, port) => {
    const work = await swarm.forEngine(engine, port, nothing);
    const { plan } = await observeAndPlan(work.port, work.desired);
    return { port: work.port, change: { plan: asDestroyPlan(plan), desired: work.desired, planOptions: {} } };
  });
}

async function runFleet(
  ports: EnginePorts,
  command: 'apply' | 'destroy',
  project: string,
  options: FleetSessionOptions,
  swarm: SwarmPlanning,
  prepare: (engine: string, port: DockerPort) => Promise<{ port: DockerPort; change: PreparedChange }>,
): Promise<FleetResult> {
  const names = [...ports.keys()].sort();
  // One stop for every engine: the caller's signal (Ctrl-C), or the first engine that fails.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  if (options.signal?.aborted) stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const { confirm: _confirm, onEvent: _onEvent, signal: _signal, ...shared } = options;
  const engineOptions = (engine: string): SessionOptions => ({
    ...shared,
    signal: stop.signal,
    onEvent: (event) => {
      // The first action that fails on any engine stops new work on every engine, at once.
      if (
        event.type === 'action-end' &&
        (event.outcome.status === 'failed' || event.outcome.status === 'rolled-back')
      ) {
        stop.abort();
      }
      options.onEvent?.({ type: 'engine', engine, event });
    },
    ...(options.logger ? { logger: options.logger.child({ engine }) } : {}),
  });
  const held: { engine: string; lock: HeldLock }[] = [];
  try {
    // One at a time, in engine order: two runs that want the same engines queue on the first.
    for (const engine of names) {
      const lock = await onEngine(
        engine,
        lockEngine(ports.get(engine)!, command, project, engineOptions(engine)),
      );
      held.push({ engine, lock });
    }

    const settled = await Promise.allSettled(
      names.map(async (engine) => {
        // The port the engine is planned with (on a swarm node, one that reads cluster networks
        // from the manager) is the one it is executed and verified with.
        let work: DockerPort = ports.get(engine)!;
        const change = await onEngine(
          engine,
          prepareUnderLock(work, command, project, engineOptions(engine), async () => {
            const prepared = await prepare(engine, work);
            work = prepared.port;
            return prepared.change;
          }),
        );
        return { engine, port: work, change };
      }),
    );
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw failure.reason;
    const prepared = settled.map(
      (s) =>
        (s as PromiseFulfilledResult<{ engine: string; port: DockerPort; change: PreparedChange }>).value,
    );

    const fleetPlan: FleetPlan = {
      project,
      engines: prepared.map(({ engine, port, change }) => ({ engine, host: port.host, plan: change.plan })),
      summary: fleetSummary(prepared.map(({ change }) => change)),
    };
    options.onEvent?.({ type: 'planned-all', plan: fleetPlan });
    const all = (result: (plan: Plan) => ApplyResult): FleetResult => {
      const engines = prepared.map(({ engine, port, change }) => ({
        engine,
        host: port.host,
        result: result(change.plan),
      }));
      return { status: engines[0]?.result.status ?? 'no-changes', project, engines };
    };
    if (prepared.some(({ change }) => change.plan.diagnostics.some(isError))) {
      return all((plan) => ({ status: 'blocked', project, plan }));
    }
    if (prepared.every(({ change }) => change.plan.actions.length === 0)) {
      return all((plan) => ({ status: 'no-changes', project, plan }));
    }
    const cancelled = (by: 'signal' | 'confirmation'): FleetResult =>
      all((plan) => ({ status: 'cancelled', by, project, plan }));
    if (stop.signal.aborted) return cancelled('signal');
    if (options.confirm && !(await options.confirm(fleetPlan))) {
      return cancelled(stop.signal.aborted ? 'signal' : 'confirmation');
    }
    if (stop.signal.aborted) return cancelled('signal');

    const byEngine = new Map(prepared.map((p) => [p.engine, p]));
    // Without a swarm, one wave: every engine at once. On a swarm, the manager before or after
    // the other nodes, a node's plan in two stages around it when it must (src/apply/swarm-fleet.ts).
    const waves = swarm.waves(names, new Map(prepared.map(({ engine, change }) => [engine, change.plan])));
    const stagesLeft = new Map<string, number>();
    for (const { engine } of waves.flat()) stagesLeft.set(engine, (stagesLeft.get(engine) ?? 0) + 1);
    const executions = new Map<string, ExecutionResult[]>();
    const runStage = async ({ engine, actions }: Stage): Promise<EngineResult | undefined> => {
      const { port, change } = byEngine.get(engine)!;
      const host = port.host;
      if (change.plan.actions.length === 0) {
        return { engine, host, result: { status: 'no-changes', project, plan: change.plan } };
      }
      const options = engineOptions(engine);
      const earlier = executions.get(engine) ?? [];
      if (earlier.length === 0) options.onEvent?.({ type: 'executing', plan: change.plan });
      const only = actions ? new Set(actions) : undefined;
      const execution = await onEngine(engine, executeStage(port, change, options, only));
      executions.set(engine, [...earlier, execution]);
      const left = stagesLeft.get(engine)! - 1;
      stagesLeft.set(engine, left);
      if (execution.status === 'failed') stop.abort();
      if (left > 0) return undefined;
      const whole = mergeExecutions(executions.get(engine)!);
      const result = await onEngine(engine, verifyExecution(port, project, change, whole, options));
      if (result.status === 'failed') stop.abort();
      return { engine, host, result };
    };
    const done = new Map<string, EngineResult>();
    for (const wave of waves) {
      for (const result of await Promise.all(wave.map(runStage))) {
        if (result) done.set(result.engine, result);
      }
    }
    const results = names.map((engine) => done.get(engine)!);
    const statuses = results.map(({ result }) => result.status);
    const status = statuses.includes('failed')
      ? 'failed'
      : statuses.includes('not-converged')
        ? 'not-converged'
        : 'applied';
    return { status, project, engines: results };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    for (const { engine, lock } of held.reverse()) await releaseLock(lock, engineOptions(engine));
  }
}

/**
 * The stages of one engine's plan as one execution: each action's outcome from the stage that
 * carried it out (the others left it `not-attempted`).
 */
function mergeExecutions(stages: readonly ExecutionResult[]): ExecutionResult {
  const [first, ...rest] = stages;
  if (rest.length === 0) return first!;
  const attempted = (outcome: ActionOutcome): boolean =>
    outcome.status !== 'not-attempted' || outcome.operations.length > 0;
  const actions = first!.actions.map(
    (outcome, index) => stages.map((stage) => stage.actions[index]!).find(attempted) ?? outcome,
  );
  return {
    status: stages.every((stage) => stage.status === 'applied') ? 'applied' : 'failed',
    actions,
    durationMs: stages.reduce((sum, stage) => sum + stage.durationMs, 0),
    parallelism: first!.parallelism,
    ...(stages.some((stage) => stage.interrupted) ? { interrupted: true } : {}),
  };
}

/** Names the engine in a known error (a held lock, an engine that stopped answering). */
async function onEngine<T>(engine: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof EngineError) {
      throw new EngineError(`engine ${engine}: ${error.message}`, {
        ...error.options,
        kind: error.kind,
        cause: error,
      });
    }
    if (error instanceof NetformError) {
      throw new NetformError(`engine ${engine}: ${error.message}`, { ...error.options, cause: error });
    }
    throw error;
  }
}
