import type { ApplyResult } from '../apply/result.js';
import { apply, observe, plan } from '../index.js';
import type { DesiredState } from '../model/desired.js';
import { EngineError, NetformError } from '../model/errors.js';
import type { ObservedState } from '../model/observed.js';
import type { Plan } from '../model/plan.js';
import type { DockerPort } from '../model/port.js';
import { EngineRequestError } from '../docker/errors.js';

/** `enforce`: plan and apply, as `apply --auto-approve`; `report`: plan only. */
export type WatchMode = 'enforce' | 'report';

/**
 * What one reconcile came to (the `result` label of netform_reconcile_total):
 * - `converged`: the engine matched the spec; nothing was done.
 * - `changed`: enforce mode found drift, applied the plan, and verified the engine matches.
 * - `drift`: report mode found drift; nothing was changed.
 * - `failed`: it could not plan (engine, plan errors), or the apply failed or did not converge.
 */
export type ReconcileResult = 'converged' | 'changed' | 'drift' | 'failed';

export interface ReconcileOutcome {
  result: ReconcileResult;
  /** The plan made, when one was made. */
  plan?: Plan;
  /** What the plan was made from. */
  observed?: ObservedState;
  /** The apply's result, in enforce mode when the plan had actions. */
  applied?: ApplyResult;
  /** Why it failed. */
  error?: Error;
  /** True when the failure says the engine does not answer (rather than refused something). */
  engineLost: boolean;
}

/**
 * One reconcile through the library's own plan() and apply() (src/index.ts), so that watch does
 * exactly what `plan` and `apply --auto-approve` do: apply() takes the project's lock only for
 * the change, executes, and verifies. Never throws.
 */
export async function reconcileOnce(
  port: DockerPort,
  desired: DesiredState,
  mode: WatchMode,
): Promise<ReconcileOutcome> {
  let observed: ObservedState | undefined;
  let thePlan: Plan | undefined;
  try {
    observed = await observe(port, desired);
    thePlan = plan(desired, observed);
    const errors = thePlan.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      const first = errors.map((d) => `${d.code} ${d.message}`).join('; ');
      return {
        result: 'failed',
        plan: thePlan,
        observed,
        error: new NetformError(`the plan has ${errors.length} error(s); nothing was changed: ${first}`),
        engineLost: false,
      };
    }
    if (thePlan.actions.length === 0)
      return { result: 'converged', plan: thePlan, observed, engineLost: false };
    if (mode === 'report') return { result: 'drift', plan: thePlan, observed, engineLost: false };
    const applied = await apply(port, thePlan, desired, { owner: { command: 'watch' } });
    const result = applied.status === 'applied' || applied.status === 'no-changes' ? 'changed' : 'failed';
    return {
      result,
      plan: thePlan,
      observed,
      applied,
      ...(result === 'failed' ? { error: new NetformError(applyFailure(applied)) } : {}),
      engineLost: false,
    };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    return {
      result: 'failed',
      ...(thePlan ? { plan: thePlan } : {}),
      ...(observed ? { observed } : {}),
      error: e,
      engineLost: isEngineLost(e),
    };
  }
}

/** An engine error without an answer from the engine: it is unreachable or timed out. */
function isEngineLost(error: Error): boolean {
  return error instanceof EngineError && !(error instanceof EngineRequestError);
}

function applyFailure(applied: ApplyResult): string {
  if (applied.status === 'not-converged') {
    return `the apply did not converge: ${applied.residual?.actions.length ?? 0} action(s) left`;
  }
  const failed = applied.execution?.actions.filter(
    (a) => a.status === 'failed' || a.status === 'rolled-back',
  );
  const words = failed?.map((a) => `${a.description}: ${a.error ?? a.status}`).join('; ');
  return `the apply failed${words ? `: ${words}` : ''}`;
}
