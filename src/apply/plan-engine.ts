import { observeScope } from '../core/observe-scope.js';
import { planChanges } from '../core/plan.js';
import type { SwarmPlanInput } from '../core/swarm-fleet.js';
import type { DesiredState } from '../model/desired.js';
import { NetformError } from '../model/errors.js';
import type { ObservedState } from '../model/observed.js';
import type { Plan, PlanOptions } from '../model/plan.js';
import type { DockerPort } from '../model/port.js';
import { withEngineChecks } from '../spec/online.js';
import { restoreNotes } from './restore-point.js';

/**
 * The one plan netform makes (`plan`, `apply`, `destroy`, the library's `plan()`): the minimal
 * actions (src/core/plan.ts) with the engine checks of what they would send (src/spec/online.ts),
 * so what the engine would certainly refuse is an error before anything runs, and a note for
 * each interrupted replace waiting to be restored (src/apply/restore-point.ts). `swarm`: what a
 * swarm's manager is told about the other nodes (src/apply/swarm-fleet.ts). Pure.
 */
export function planForEngine(
  desired: DesiredState,
  observed: ObservedState,
  options: PlanOptions = {},
  swarm: SwarmPlanInput = {},
): Plan {
  refuseCompose(desired);
  const plan = withEngineChecks(planChanges(desired, observed, options, swarm), desired, observed);
  const pending = restoreNotes(observed, desired.project);
  return pending.length === 0 ? plan : { ...plan, notes: [...plan.notes, ...pending] };
}

/** Observes what a plan for `desired` reads (src/core/observe-scope.ts) and plans. */
export async function observeAndPlan(
  port: DockerPort,
  desired: DesiredState,
  options: PlanOptions = {},
  swarm: SwarmPlanInput = {},
): Promise<{ observed: ObservedState; plan: Plan }> {
  refuseCompose(desired);
  const observed = await port.observe(observeScope(desired));
  return { observed, plan: planForEngine(desired, observed, options, swarm) };
}

/** A Compose file's networks are Compose's to create (docs/compose.md): netform only validates them. */
function refuseCompose(desired: DesiredState): void {
  if (!desired.compose) return;
  throw new NetformError(
    `project ${desired.compose.project} was read from a Compose file: netform validates Compose files but never plans, applies or destroys their networks`,
    {
      hint: 'run `netform validate -f FILE` before `docker compose up`, which creates them (docs/compose.md)',
    },
  );
}
