import { observeScope } from '../core/observe-scope.js';
import { planChanges, type PlanOptions } from '../core/plan.js';
import type { DesiredState } from '../model/desired.js';
import type { Plan } from '../model/plan.js';
import type { DockerPort } from '../model/port.js';

/**
 * Observes the engine afresh and plans again (nmstate's verify): what is left is what the apply
 * did not achieve. Converged when the residual plan has no action; diagnostics that were already
 * warnings (a pending container) do not count.
 */
export async function verifyConvergence(
  port: DockerPort,
  desired: DesiredState,
  options: PlanOptions = {},
): Promise<{ converged: boolean; residual: Plan }> {
  const observed = await port.observe(observeScope(desired));
  const residual = planChanges(desired, observed, options);
  return { converged: residual.actions.length === 0, residual };
}
