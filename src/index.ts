/**
 * netform as a library: the same functions the CLI uses, with no process-level side effects
 * (nothing here reads process.env, writes to stdout or exits).
 *
 * ```ts
 * import { loadSpec, connectDocker, observe, validate, plan, renderPlan, apply } from 'netform';
 *
 * const loaded = await loadSpec(['netform.yaml']);
 * if (!loaded.ok) throw new Error(loaded.errors.map((d) => d.message).join('\n'));
 * const docker = await connectDocker({ env: process.env });
 * try {
 *   const observed = await observe(docker, loaded.spec);
 *   const problems = validate(loaded.spec, observed);      // the online checks
 *   const thePlan = plan(loaded.spec, observed);
 *   console.log(renderPlan(thePlan));
 *   const result = await apply(docker, thePlan, loaded.spec); // locks, executes, verifies
 * } finally {
 *   await docker.close();
 * }
 * ```
 */
import { applyPlan, type ApplyPlanOptions } from './apply/apply-plan.js';
import { acquireLock, processLockOwner, type AcquireOptions, type LockOwner } from './apply/lock.js';
import type { ApplyResult } from './apply/result.js';
import { observeScope } from './core/observe-scope.js';
import { planChanges, type PlanOptions } from './core/plan.js';
import type { DesiredState } from './model/desired.js';
import type { Diagnostic } from './model/diagnostic.js';
import type { ObservedState } from './model/observed.js';
import type { Plan } from './model/plan.js';
import type { DockerPort } from './model/port.js';
import { renderPlanJson } from './render/plan-json.js';
import { renderPlanText } from './render/plan-text.js';
import { checkAgainstEngine, withEngineChecks } from './spec/online.js';

export { compileSpec, loadSpec, normalizeSpec } from './spec/index.js';
export type { CompileOptions, LoadOptions, SpecSource, ValidationResult } from './spec/index.js';
export { connectDocker, type ConnectOptions } from './docker/connect.js';
// Several engines (docs/spec.md#engines, docs/engines.md#several-engines).
export {
  closeEngines,
  connectEngines,
  type ConnectEnginesOptions,
  type EngineClientInput,
  type ModemHolder,
} from './docker/connect-engines.js';
export { desiredForEngine, engineNames, SINGLE_ENGINE } from './core/engine-projection.js';
export { exportSpec, renderExportYaml } from './core/export.js';
export { buildPlanFile, parsePlanFile, serializePlanFile, checkPlanFreshness } from './core/plan-file.js';
export { NetformError, EngineError, InternalError } from './model/errors.js';
export type { ApplyResult } from './apply/result.js';
export type { PlanOptions } from './core/plan.js';
export type * from './model/desired.js';
export type * from './model/diagnostic.js';
export type * from './model/observed.js';
export type * from './model/plan.js';
export type * from './model/port.js';
export { MANAGED_LABEL, PROJECT_LABEL, PREDEFINED_NETWORKS } from './model/desired.js';
export { PLAN_FORMAT_VERSION } from './model/plan.js';

/** The online checks of `netform validate`: the spec against the engine's current state. */
export function validate(spec: DesiredState, observed: ObservedState): Diagnostic[] {
  return checkAgainstEngine(spec, observed);
}

/**
 * Reads the engine: networks, containers in every state, and their endpoints. Give `desired` to
 * inspect only the containers a plan for it reads (as the CLI does); without it, every container
 * on a user network is inspected.
 */
export function observe(docker: DockerPort, desired?: DesiredState): Promise<ObservedState> {
  return docker.observe(desired ? observeScope(desired) : undefined);
}

/**
 * The minimal plan that makes `observed` match `desired`, with errors for what the engine would
 * certainly refuse (as `netform plan`). Pure and deterministic.
 */
export function plan(desired: DesiredState, observed: ObservedState, options: PlanOptions = {}): Plan {
  return withEngineChecks(planChanges(desired, observed, options), desired, observed);
}

/** The plan as people read it (`text`, Terraform's symbols) or as `plan --json` prints it. */
export function renderPlan(
  thePlan: Plan,
  options: { format?: 'text' | 'json'; color?: boolean } = {},
): string {
  return options.format === 'json'
    ? renderPlanJson(thePlan)
    : renderPlanText(thePlan, { color: options.color ?? false });
}

export interface ApplyOptions extends ApplyPlanOptions {
  /** Who holds the engine-side project lock while applying (shown to a second run). */
  owner?: Partial<LockOwner>;
  lock?: AcquireOptions;
}

/**
 * Applies `thePlan` (made from `desired`) under the project's engine-side lock, then observes
 * and plans again to verify. Engine failures of single operations are in the result (its
 * `status` says applied, failed, rolled back or not converged); a held lock throws a
 * NetformError naming the holder.
 */
export async function apply(
  docker: DockerPort,
  thePlan: Plan,
  desired: DesiredState,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const owner: LockOwner = { ...processLockOwner('apply'), ...options.owner };
  const lock = await acquireLock(docker, desired.project, owner, { host: docker.host, ...options.lock });
  try {
    return await applyPlan(docker, thePlan, desired, options);
  } finally {
    await lock.release();
  }
}
