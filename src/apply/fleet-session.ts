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

export type { EnginePlan, FleetPlan } from '../model/fleet.js';
import {
  asDestroyPlan,
  executeAndVerify,
  lockEngine,
  prepareUnderLock,
  releaseLock,
  type PreparedChange,
  type SessionEvent,
  type SessionOptions,
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
    for (const key of Object.keys(total) as (keyof PlanSummary)[]) total[key] += plan.summary[key];
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
  const planned = await Promise.all(
    names.map(async (engine) => {
      const port = ports.get(engine)!;
      const { observed, plan } = await onEngine(
        engine,
        observeAndPlan(port, desiredForEngine(spec, engine), options),
      );
      return { engine, host: port.host, plan, observed };
    }),
  );
  const engines = planned.map(({ engine, host, plan }) => ({ engine, host, plan }));
  return {
    plan: { project: spec.project, engines, summary: fleetSummary(engines) },
    observed: new Map(planned.map(({ engine, observed }) => [engine, observed])),
  };
}

/** Makes every engine of `ports` match its part of `spec` (see the top of this file). */
export function applyEngines(
  spec: DesiredState,
  ports: EnginePorts,
  options: FleetSessionOptions & { planOptions?: PlanOptions } = {},
): Promise<FleetResult> {
  const planOptions = options.planOptions ?? {};
  return runFleet(ports, 'apply', spec.project, options, async (engine, port) => {
    const desired = desiredForEngine(spec, engine);
    const { plan } = await observeAndPlan(port, desired, planOptions);
    return { plan, desired, planOptions };
  });
}

/** Removes every network `project` manages on every engine of `ports`. */
export function destroyEngines(
  project: string,
  ports: EnginePorts,
  options: FleetSessionOptions = {},
): Promise<FleetResult> {
  const nothing: DesiredState = { project, networks: {}, containers: {} };
  return runFleet(ports, 'destroy', project, options, async (_engine, port) => {
    const { plan } = await observeAndPlan(port, nothing);
    return { plan: asDestroyPlan(plan), desired: nothing, planOptions: {} };
  });
}

async function runFleet(
  ports: EnginePorts,
  command: 'apply' | 'destroy',
  project: string,
  options: FleetSessionOptions,
  prepare: (engine: string, port: DockerPort) => Promise<PreparedChange>,
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
        const port = ports.get(engine)!;
        const change = await onEngine(
          engine,
          prepareUnderLock(port, command, project, engineOptions(engine), () => prepare(engine, port)),
        );
        return { engine, port, change };
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

    const results = await Promise.all(
      prepared.map(async ({ engine, port, change }): Promise<EngineResult> => {
        const host = port.host;
        if (change.plan.actions.length === 0) {
          return { engine, host, result: { status: 'no-changes', project, plan: change.plan } };
        }
        const result = await onEngine(engine, executeAndVerify(port, project, change, engineOptions(engine)));
        if (result.status === 'failed') stop.abort();
        return { engine, host, result };
      }),
    );
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
