/**
 * netform as a library: the same functions the CLI uses, with no process-level side effects
 * (nothing here reads process.env, writes to stdout, installs signal handlers or exits).
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
 *   console.log(renderPlan(plan(loaded.spec, observed)));   // what apply would do now
 *   // Locks, plans again under the lock, asks, executes, verifies, releases:
 *   const result = await apply(docker, { desired: loaded.spec }, {
 *     confirm: async (thePlan) => { console.log(renderPlan(thePlan)); return true; },
 *   });
 * } finally {
 *   await docker.close();
 * }
 * ```
 */
import { observeScope } from './core/observe-scope.js';
import type { DesiredState } from './model/desired.js';
import type { Diagnostic } from './model/diagnostic.js';
import type { ObservedState } from './model/observed.js';
import type { Plan } from './model/plan.js';
import type { DockerPort } from './model/port.js';
import { PLAN_REPORTERS, type PlanFormat } from './render/plan-formats.js';
import { checkAgainstEngine } from './spec/online.js';
import type { Watcher, WatchOptions } from './watch/controller.js';

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
export { applyEngines, destroyEngines, planEngines } from './apply/fleet-session.js';
export type {
  EngineResult,
  FleetEvent,
  FleetResult,
  FleetSessionOptions,
  SavedFleetSource,
} from './apply/fleet-session.js';
export type { EnginePlan, FleetPlan, FleetPlanFile, SavedEngine } from './model/fleet.js';
export { renderFleetPlan } from './render/fleet-plan.js';
export { renderFleetApplyJson, renderFleetApplyText } from './apply/fleet-report.js';
export { exportSpec, renderExportYaml } from './core/export.js';
export {
  buildFleetPlanFile,
  buildPlanFile,
  checkPlanFreshness,
  isFleetPlanFile,
  parsePlanFile,
  parseSavedPlanFile,
  serializePlanFile,
} from './core/plan-file.js';
export { NetformError, EngineError, InternalError } from './model/errors.js';
export type * from './model/desired.js';
export type * from './model/diagnostic.js';
export type * from './model/observed.js';
export type * from './model/plan.js';
export type * from './model/port.js';
export { MANAGED_LABEL, PROJECT_LABEL, PREDEFINED_NETWORKS } from './model/desired.js';
export { PLAN_FORMAT_VERSION } from './model/plan.js';
export type { Watcher, WatchOptions, WatchStatus } from './watch/controller.js';
export type { ReconcileResult, WatchMode } from './watch/reconcile.js';

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
export { planForEngine as plan, observeAndPlan } from './apply/plan-engine.js';

/** The plan as people read it (`text`, Terraform's symbols), as `plan --json` prints it, or as Markdown. */
export function renderPlan(thePlan: Plan, options: { format?: PlanFormat; color?: boolean } = {}): string {
  return PLAN_REPORTERS[options.format ?? 'text'](thePlan, { color: options.color ?? false });
}

/**
 * The apply session (the one `netform apply` and `netform destroy` run): under the project's
 * engine-side lock, plan (or check a saved plan), confirm, execute, verify, release.
 */
export { apply, destroy } from './apply/session.js';
export type { ApplySource, SessionEvent, SessionOptions } from './apply/session.js';
export type { ApplyResult, ApplyStatus, ExecutionResult, ActionOutcome } from './apply/result.js';
export { renderApplyJson, renderApplyText } from './apply/report.js';
export type { PlanFormat } from './render/plan-formats.js';
export type { EngineErrorKind } from './model/errors.js';

/**
 * `netform watch` as a library (docs/watch.md): keeps the engine matching the spec files until
 * `stop()` is called. Loaded on first use, so that importing netform does not load the watch's
 * Prometheus client and file watcher. Installs no signal handlers and logs nothing unless given
 * a logger.
 */
export async function watch(options: WatchOptions = {}): Promise<Watcher> {
  const { startWatch } = await import('./watch/controller.js');
  return startWatch(options);
}
