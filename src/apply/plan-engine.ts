import { observeScope } from '../core/observe-scope.js';
import { planChanges } from '../core/plan.js';
import type { DesiredState } from '../model/desired.js';
import type { ObservedState } from '../model/observed.js';
import type { Plan, PlanOptions } from '../model/plan.js';
import type { DockerPort } from '../model/port.js';
import { withEngineChecks } from '../spec/online.js';

/**
 * The one plan netform makes (`plan`, `apply`, `destroy`, the library's `plan()`): the minimal
 * actions (src/core/plan.ts) with the engine checks of what they would send (src/spec/online.ts),
 * so what the engine would certainly refuse is an error before anything runs. Pure.
 */
export function planForEngine(
  desired: DesiredState,
  observed: ObservedState,
  options: PlanOptions = {},
): Plan {
  return withEngineChecks(planChanges(desired, observed, options), desired, observed);
}

/** Observes what a plan for `desired` reads (src/core/observe-scope.ts) and plans. */
export async function observeAndPlan(
  port: DockerPort,
  desired: DesiredState,
  options: PlanOptions = {},
): Promise<{ observed: ObservedState; plan: Plan }> {
  const observed = await port.observe(observeScope(desired));
  return { observed, plan: planForEngine(desired, observed, options) };
}
