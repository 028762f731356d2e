import {
  applyEngines,
  fleetPlanOf,
  planEngines,
  type EnginePorts,
  type FleetResult,
} from '../apply/fleet-session.js';
import { restoreNotes } from '../apply/restore-point.js';
import type { ApplyResult } from '../apply/result.js';
import { apply, observeAndPlan } from '../index.js';
import type { DesiredState } from '../model/desired.js';
import type { FleetPlan } from '../model/fleet.js';
import { isError } from '../model/diagnostic.js';
import { EngineError, NetformError } from '../model/errors.js';
import type { ObservedState } from '../model/observed.js';
import type { Plan } from '../model/plan.js';
import type { DockerPort } from '../model/port.js';

/** `enforce`: plan and apply, as `apply --auto-approve`; `report`: plan only. */
export type WatchMode = 'enforce' | 'report';

/**
 * What one reconcile came to (the `result` label of netform_reconcile_total):
 * - `converged`: the engine matched the spec; nothing was done.
 * - `changed`: enforce mode found drift, applied it, and verified the engine matches.
 * - `drift`: report mode found drift; nothing was changed.
 * - `failed`: it could not plan (engine, plan errors), or the apply failed or did not converge.
 */
export type ReconcileResult = 'converged' | 'changed' | 'drift' | 'failed';

export interface ReconcileOutcome {
  result: ReconcileResult;
  /** The latest plan made: the apply's own (made under the lock) when it ran. */
  plan?: Plan;
  /** What the first plan was made from. */
  observed?: ObservedState;
  /** The apply session's result, in enforce mode when the first plan had actions. */
  applied?: ApplyResult;
  /** Why it failed. */
  error?: Error;
  /** True when the failure says the engine does not answer (rather than refused something). */
  engineLost: boolean;
}

/**
 * One reconcile through the library (src/index.ts), so watch does what `netform plan` and
 * `netform apply --auto-approve` do: a plan without the lock first (most reconciles find nothing
 * to do and never touch the lock), and when it has actions in enforce mode, the apply session,
 * which takes the project's lock, plans again under it, executes, verifies and releases.
 * Never throws.
 */
export async function reconcileOnce(
  port: DockerPort,
  desired: DesiredState,
  mode: WatchMode,
): Promise<ReconcileOutcome> {
  let observed: ObservedState | undefined;
  let plan: Plan | undefined;
  try {
    ({ observed, plan } = await observeAndPlan(port, desired));
    if (plan.diagnostics.some(isError)) return blocked(plan, observed);
    // An interrupted replace's restore point is work too, though the plan cannot show it as
    // actions (docs/apply.md): the apply session restores it first.
    const restorePending = restoreNotes(observed, desired.project).length > 0;
    if (plan.actions.length === 0 && !restorePending) {
      return { result: 'converged', plan, observed, engineLost: false };
    }
    if (mode === 'report') return { result: 'drift', plan, observed, engineLost: false };
    let restored = 0;
    const applied = await apply(
      port,
      { desired },
      {
        owner: { command: 'watch' },
        onEvent: (event) => {
          if (event.type === 'restored') restored += 1;
        },
      },
    );
    const base = { plan: applied.plan, observed, applied, engineLost: false };
    switch (applied.status) {
      case 'applied':
        return { ...base, result: 'changed' };
      // Someone else repaired it between the two plans, or only a restore point was put back.
      case 'no-changes':
        return { ...base, result: restored > 0 ? 'changed' : 'converged' };
      case 'blocked':
        return blocked(applied.plan, observed);
      case 'cancelled':
      case 'failed':
      case 'not-converged':
        return { ...base, result: 'failed', error: new NetformError(applyFailure(applied)) };
    }
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    return {
      result: 'failed',
      ...(plan ? { plan } : {}),
      ...(observed ? { observed } : {}),
      error: e,
      engineLost: e instanceof EngineError && e.kind === 'unreachable',
    };
  }
}

function blocked(plan: Plan, observed: ObservedState): ReconcileOutcome {
  const errors = plan.diagnostics.filter(isError);
  return {
    result: 'failed',
    plan,
    observed,
    error: new NetformError(
      `the plan has ${errors.length} error(s); nothing was changed: ${errors.map((d) => `${d.code} ${d.message}`).join('; ')}`,
    ),
    engineLost: false,
  };
}

function applyFailure(applied: ApplyResult): string {
  switch (applied.status) {
    case 'not-converged':
      return `the apply did not converge: ${applied.residual.actions.length} action(s) left`;
    case 'failed': {
      const failed = applied.execution.actions.filter(
        (a) => a.status === 'failed' || a.status === 'rolled-back',
      );
      const words = failed.map((a) => `${a.description}: ${a.error ?? a.status}`).join('; ');
      return `the apply failed${words ? `: ${words}` : ''}`;
    }
    default:
      return `the apply ended ${applied.status}`;
  }
}

/** What one reconcile across the engines of a spec with `engines:` came to. */
export interface FleetReconcileOutcome {
  result: ReconcileResult;
  /** The latest plan across engines made: the apply session's own (made under the locks) when it ran. */
  plan?: FleetPlan;
  /** What the first plan was made from, by engine. */
  observed?: ReadonlyMap<string, ObservedState>;
  /** The session's result, in enforce mode when the first plan had actions. */
  applied?: FleetResult;
  error?: Error;
  /**
   * The engine the failure says does not answer, by the spec's name; `*` when the failure is an
   * unreachable engine the session did not name.
   */
  lostEngine?: string;
}

/**
 * One reconcile of every engine of a spec with `engines:` (docs/watch.md, "Several engines"),
 * as `netform plan` and `netform apply --auto-approve` do it for such a spec: planEngines
 * without the locks first, and when some engine's plan has actions in enforce mode, the session
 * across engines (applyEngines), which locks every engine, plans again under the locks,
 * executes, verifies and releases. Never throws.
 */
export async function reconcileEngines(
  ports: EnginePorts,
  desired: DesiredState,
  mode: WatchMode,
): Promise<FleetReconcileOutcome> {
  let observed: Map<string, ObservedState> | undefined;
  let plan: FleetPlan | undefined;
  try {
    ({ observed, plan } = await planEngines(desired, ports));
    if (plan.engines.some((e) => e.plan.diagnostics.some(isError))) {
      return { result: 'failed', plan, observed, error: fleetBlocked(plan) };
    }
    const restorePending = [...observed.values()].some(
      (state) => restoreNotes(state, desired.project).length > 0,
    );
    if (plan.engines.every((e) => e.plan.actions.length === 0) && !restorePending) {
      return { result: 'converged', plan, observed };
    }
    if (mode === 'report') return { result: 'drift', plan, observed };
    let restored = 0;
    const applied = await applyEngines(desired, ports, {
      owner: { command: 'watch' },
      onEvent: (event) => {
        if (event.type === 'engine' && event.event.type === 'restored') restored += 1;
      },
    });
    const appliedPlan = fleetPlanOf(applied);
    const base = { plan: appliedPlan, observed, applied };
    switch (applied.status) {
      case 'applied':
        return { ...base, result: 'changed' };
      case 'no-changes':
        return { ...base, result: restored > 0 ? 'changed' : 'converged' };
      case 'blocked':
        return { ...base, result: 'failed', error: fleetBlocked(appliedPlan) };
      case 'cancelled':
      case 'failed':
      case 'not-converged': {
        const words = applied.engines
          .filter(({ result }) => result.status !== 'applied' && result.status !== 'no-changes')
          .map(({ engine, result }) => `engine ${engine}: ${applyFailure(result)}`);
        return { ...base, result: 'failed', error: new NetformError(words.join('; ')) };
      }
    }
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const lost = e instanceof EngineError && e.kind === 'unreachable';
    return {
      result: 'failed',
      ...(plan ? { plan } : {}),
      ...(observed ? { observed } : {}),
      error: e,
      ...(lost ? { lostEngine: e.engine ?? '*' } : {}),
    };
  }
}

function fleetBlocked(plan: FleetPlan): NetformError {
  const errors = plan.engines.flatMap(({ engine, plan: p }) =>
    p.diagnostics.filter(isError).map((d) => `engine ${engine}: ${d.code} ${d.message}`),
  );
  return new NetformError(
    `the plan has ${errors.length} error(s); nothing was changed on any engine: ${errors.join('; ')}`,
  );
}
