import { desiredForEngine } from '../core/engine-projection.js';
import type { DesiredState } from '../model/desired.js';
import type { FleetPlan } from '../model/fleet.js';
import { isError } from '../model/diagnostic.js';
import { EngineError, NetformError } from '../model/errors.js';
import type { ObservedState } from '../model/observed.js';
import type { Plan, PlanOptions, PlanSummary } from '../model/plan.js';
import type { DockerPort } from '../model/port.js';
import { asError } from './errors.js';
import { executePlan } from './execute.js';
import { acquireLock, processLockOwner, type HeldLock } from './lock.js';
import { observeAndPlan } from './plan-engine.js';
import type { ApplyResult, ExecutionResult } from './result.js';

export type { EnginePlan, FleetPlan } from '../model/fleet.js';
import { asDestroyPlan, type SessionEvent, type SessionOptions } from './session.js';
import { verifyConvergence } from './verify.js';

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

interface PreparedChange {
  plan: Plan;
  desired: DesiredState;
  planOptions: PlanOptions;
}

async function runFleet(
  ports: EnginePorts,
  command: 'apply' | 'destroy',
  project: string,
  options: FleetSessionOptions,
  prepare: (engine: string, port: DockerPort) => Promise<PreparedChange>,
): Promise<FleetResult> {
  const names = [...ports.keys()].sort();
  const emit = (engine: string, event: SessionEvent): void =>
    options.onEvent?.({ type: 'engine', engine, event });
  const held: { engine: string; lock: HeldLock }[] = [];
  try {
    // One at a time, in engine order: two runs that want the same engines queue on the first.
    for (const engine of names) {
      const port = ports.get(engine)!;
      const lock = await onEngine(
        engine,
        acquireLock(
          port,
          project,
          { ...processLockOwner(command), ...options.owner },
          {
            timeoutMs: options.lockTimeoutMs ?? 0,
            host: port.host,
            onWait: (holder) => emit(engine, { type: 'lock-wait', holder }),
          },
        ),
      );
      held.push({ engine, lock });
      emit(engine, { type: 'lock-acquired', lease: lock.lease });
    }
    options.logger?.info({ project, engines: names }, 'locks acquired');

    const prepared = await Promise.all(
      names.map(async (engine) => {
        const port = ports.get(engine)!;
        const change = await onEngine(engine, prepare(engine, port));
        emit(engine, { type: 'planned', plan: change.plan });
        return { engine, port, ...change };
      }),
    );
    const fleetPlan: FleetPlan = {
      project,
      engines: prepared.map(({ engine, port, plan }) => ({ engine, host: port.host, plan })),
      summary: fleetSummary(prepared),
    };
    options.onEvent?.({ type: 'planned-all', plan: fleetPlan });
    const all = (status: 'blocked' | 'cancelled' | 'no-changes'): FleetResult => ({
      status,
      project,
      engines: prepared.map(({ engine, port, plan }) => ({
        engine,
        host: port.host,
        result: { status, project, plan },
      })),
    });
    if (prepared.some(({ plan }) => plan.diagnostics.some(isError))) return all('blocked');
    if (prepared.every(({ plan }) => plan.actions.length === 0)) return all('no-changes');
    if (options.confirm && !(await options.confirm(fleetPlan))) return all('cancelled');

    // One stop for every engine: Ctrl-C, or the first engine whose execution fails.
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    if (options.signal?.aborted) stop.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let results: EngineResult[];
    try {
      results = await Promise.all(
        prepared.map(async ({ engine, port, plan, desired, planOptions }): Promise<EngineResult> => {
          const host = port.host;
          if (plan.actions.length === 0)
            return { engine, host, result: { status: 'no-changes', project, plan } };
          emit(engine, { type: 'executing', plan });
          const execution: ExecutionResult = await executePlan(plan, port, {
            signal: stop.signal,
            onEvent: (event) => emit(engine, event),
            ...(options.parallelism !== undefined ? { parallelism: options.parallelism } : {}),
            ...(options.logger ? { logger: options.logger.child({ engine }) } : {}),
          });
          if (execution.status !== 'applied') {
            stop.abort();
            return { engine, host, result: { status: 'failed', project, plan, execution } };
          }
          emit(engine, { type: 'verifying' });
          const { converged, residual } = await onEngine(
            engine,
            verifyConvergence(port, desired, planOptions),
          );
          return {
            engine,
            host,
            result: converged
              ? { status: 'applied', project, plan, execution, residual }
              : { status: 'not-converged', project, plan, execution, residual },
          };
        }),
      );
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    const statuses = results.map(({ result }) => result.status);
    const status = statuses.includes('failed')
      ? 'failed'
      : statuses.includes('not-converged')
        ? 'not-converged'
        : 'applied';
    return { status, project, engines: results };
  } finally {
    for (const { engine, lock } of held.reverse()) {
      try {
        await lock.release();
      } catch (error) {
        options.logger?.warn(
          { engine, lock: lock.lease.name, error: asError(error).message },
          'lock not released',
        );
        emit(engine, { type: 'lock-release-failed', lease: lock.lease, error: asError(error) });
      }
    }
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
