import type { PlanOptions } from '../core/plan.js';
import type { DesiredState } from '../model/desired.js';
import type { Plan } from '../model/plan.js';
import type { DockerPort } from '../model/port.js';
import { executePlan, type ExecuteOptions } from './execute.js';
import type { ApplyResult } from './result.js';
import { verifyConvergence } from './verify.js';

export interface ApplyPlanOptions extends ExecuteOptions {
  /** The options the plan was made with, so the verifying plan is made the same way. */
  planOptions?: PlanOptions;
}

/**
 * Executes `plan` (made from `desired`) and verifies the outcome: after a clean execution the
 * engine is observed again and planned again; anything left makes the result `not-converged`.
 * A failed execution is not verified (its report already says what is left). The caller holds
 * the project lock. Engine failures while executing are in the result; an engine that cannot be
 * observed for the verification throws an EngineError.
 */
export async function applyPlan(
  port: DockerPort,
  plan: Plan,
  desired: DesiredState,
  options: ApplyPlanOptions = {},
): Promise<ApplyResult> {
  if (plan.actions.length === 0) return { status: 'no-changes', project: plan.project, plan };
  const execution = await executePlan(plan, port, options);
  if (execution.status !== 'applied') return { status: 'failed', project: plan.project, plan, execution };
  const { converged, residual } = await verifyConvergence(port, desired, options.planOptions);
  return {
    status: converged ? 'applied' : 'not-converged',
    project: plan.project,
    plan,
    execution,
    residual,
  };
}
