import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { observeScope } from '../core/observe-scope.js';
import { actionSubject } from '../core/order.js';
import { isClusterNetwork } from '../core/swarm-fleet.js';
import { checkPlanFreshness, isFleetPlanFile } from '../core/plan-file.js';
import type { DesiredState } from '../model/desired.js';
import { isError } from '../model/diagnostic.js';
import { NetformError } from '../model/errors.js';
import type { Plan, PlanFile, PlanOptions } from '../model/plan.js';
import type { DockerPort } from '../model/port.js';
import { asError } from './errors.js';
import { executePlan } from './execute.js';
import { acquireLock, processLockOwner, type HeldLock, type LockLease, type LockOwner } from './lock.js';
import type { ParallelismOption } from './parallelism.js';
import { observeAndPlan, planForEngine } from './plan-engine.js';
import { restoreInterruptedReplaces, type RestoreReport } from './restore-point.js';
import type { ApplyResult, ExecutionEvent, ExecutionResult } from './result.js';
import { describeStaleness } from './staleness.js';
import { verifyConvergence } from './verify.js';

/**
 * The apply session (docs/apply.md): lock -> plan (or check a saved plan) -> confirm -> execute
 * -> verify -> release. `netform apply`, `netform destroy`, the library's `apply()`/`destroy()`
 * and a `watch` loop all run this one function; the CLI adds only prompts, rendering and exit
 * codes. Nothing here touches the process: signals arrive as `signal`, output as `onEvent`.
 */

/** What to apply: a spec planned now (under the lock), or a plan saved by `plan --out`. */
export type ApplySource =
  | { desired: DesiredState; planOptions?: PlanOptions }
  | {
      planFile: PlanFile;
      /** The file's name, for messages (`p.plan`). */
      fileName?: string;
    };

/** What a session reports while it runs, in order. */
export type SessionEvent =
  | { type: 'lock-wait'; holder: LockLease }
  /**
   * The lock is held. `release` removes the lease at once: for a CLI that quits on a second
   * Ctrl-C without waiting for the session to end (safe to call twice).
   */
  | { type: 'lock-acquired'; lease: LockLease; release: () => Promise<void> }
  /** What an interrupted earlier replace left was put back (before planning). */
  | { type: 'restored'; report: RestoreReport }
  /** The plan is known (before confirmation); it may have errors or no actions. */
  | { type: 'planned'; plan: Plan }
  /** Confirmed: execution starts (the moment a CLI starts handling Ctrl-C as "stop"). */
  | { type: 'executing'; plan: Plan }
  | ExecutionEvent
  | { type: 'verifying' }
  /** Releasing the lock failed; the result stands, the lease is left for `netform unlock`. */
  | { type: 'lock-release-failed'; lease: LockLease; error: Error };

export interface SessionOptions {
  /**
   * Asked once the plan has actions and no errors; false cancels (`cancelled`, nothing sent).
   * Absent: approved (`--auto-approve`, a watch loop).
   */
  confirm?: (plan: Plan, engine: { host: string }) => Promise<boolean>;
  /**
   * Aborting stops the execution as a failure does: operations in flight finish, nothing new
   * starts, the result is `failed` with `execution.interrupted`. Before execution (waiting for the
   * lock, planning, at the confirmation) it ends the session before anything is sent: the result
   * is `cancelled` with `by: 'signal'`, or, while waiting for the lock, a NetformError. The lock
   * is released either way.
   */
  signal?: AbortSignal;
  logger?: Logger;
  onEvent?: (event: SessionEvent) => void;
  /** Concurrent engine requests: one number, or per phase (docs/apply.md). */
  parallelism?: ParallelismOption;
  /** How long to wait for the project lock held by another run; 0 (default) fails at once. */
  lockTimeoutMs?: number;
  /** Who holds the lock (shown to a second run); defaults to this process. */
  owner?: Partial<LockOwner>;
  /** The session's engines by name, on a swarm (ExecuteOptions.enginePorts). */
  enginePorts?: ReadonlyMap<string, DockerPort>;
  /** The session's engines that are nodes of the swarm, by name (ExecuteOptions.swarmNodes). */
  swarmNodes?: ReadonlyMap<string, DockerPort>;
}

/** What one engine's session works on once it holds the lock. */
export interface PreparedChange {
  plan: Plan;
  /** The desired state and options verification plans with: the plan's own scope. */
  desired: DesiredState;
  planOptions: PlanOptions;
}

/**
 * Makes the engine match `source`: under the project's engine-side lock, plans (or checks that a
 * saved plan is fresh), asks `confirm`, executes, and verifies by observing and planning again in
 * the plan's own scope. Engine failures of single operations are in the result; a held lock, a
 * stale or foreign saved plan and an unreachable engine throw a NetformError.
 */
export function apply(
  port: DockerPort,
  source: ApplySource,
  options: SessionOptions = {},
): Promise<ApplyResult> {
  if ('planFile' in source) {
    const { planFile, fileName = 'the saved plan' } = source;
    return runSession(port, 'apply', planFile.plan.project, options, () =>
      prepareSavedPlan(port, planFile, fileName),
    );
  }
  const { desired, planOptions = {} } = source;
  return runSession(port, 'apply', desired.project, options, async () => {
    const { plan } = await observeAndPlan(port, desired, planOptions);
    return { plan, desired, planOptions };
  });
}

/**
 * Removes every network `project` manages (endpoints disconnected first): the plan against an
 * empty spec of the project, so it can only touch networks carrying both of netform's labels.
 */
export function destroy(
  port: DockerPort,
  project: string,
  options: SessionOptions = {},
): Promise<ApplyResult> {
  const nothing: DesiredState = { project, networks: {}, containers: {} };
  return runSession(port, 'destroy', project, options, async () => {
    const { plan } = await observeAndPlan(port, nothing);
    return { plan: asDestroyPlan(plan), desired: nothing, planOptions: {} };
  });
}

async function runSession(
  port: DockerPort,
  command: 'apply' | 'destroy',
  project: string,
  options: SessionOptions,
  prepare: () => Promise<PreparedChange>,
): Promise<ApplyResult> {
  const { signal } = options;
  const lock = await lockEngine(port, command, project, options);
  try {
    const { plan, desired, planOptions } = await prepareUnderLock(port, command, project, options, prepare);
    if (plan.diagnostics.some(isError)) return { status: 'blocked', project, plan };
    if (plan.actions.length === 0) return { status: 'no-changes', project, plan };
    if (signal?.aborted) return { status: 'cancelled', by: 'signal', project, plan };
    if (options.confirm && !(await options.confirm(plan, { host: port.host }))) {
      return { status: 'cancelled', by: signal?.aborted ? 'signal' : 'confirmation', project, plan };
    }
    if (signal?.aborted) return { status: 'cancelled', by: 'signal', project, plan };
    return await executeAndVerify(port, project, { plan, desired, planOptions }, options);
  } finally {
    await releaseLock(lock, options);
  }
}

/*
 * The session's steps, also run on every engine by the session across engines
 * (src/apply/fleet-session.ts), so each rule is stated here once.
 */

/** Takes the project's lock on the engine (waiting up to lockTimeoutMs), reporting the events. */
export async function lockEngine(
  port: DockerPort,
  command: 'apply' | 'destroy',
  project: string,
  options: SessionOptions,
): Promise<HeldLock> {
  const { logger, onEvent, signal } = options;
  const lock = await acquireLock(
    port,
    project,
    { ...processLockOwner(command), ...options.owner },
    {
      timeoutMs: options.lockTimeoutMs ?? 0,
      host: port.host,
      onWait: (holder) => onEvent?.({ type: 'lock-wait', holder }),
      ...(signal ? { signal } : {}),
    },
  );
  logger?.info({ project, lock: lock.lease.name }, 'lock acquired');
  onEvent?.({ type: 'lock-acquired', lease: lock.lease, release: () => lock.release() });
  return lock;
}

/**
 * Under the lock: puts back what an interrupted earlier replace left, then plans (or checks a
 * saved plan). Stops before planning when the signal was aborted.
 */
export async function prepareUnderLock(
  port: DockerPort,
  command: 'apply' | 'destroy',
  project: string,
  options: SessionOptions,
  prepare: () => Promise<PreparedChange>,
): Promise<PreparedChange> {
  const { logger, onEvent, signal } = options;
  if (signal?.aborted) throw interruptedBeforePlan(command);
  await restoreInterruptedReplaces(port, project, (report) => {
    logger?.warn({ ...report }, 'restored an interrupted replace');
    onEvent?.({ type: 'restored', report });
  });
  if (signal?.aborted) throw interruptedBeforePlan(command);
  const prepared = await prepare();
  onEvent?.({ type: 'planned', plan: prepared.plan });
  return prepared;
}

/** Executes a confirmed plan with actions, then (when every action is done) verifies it. */
export async function executeAndVerify(
  port: DockerPort,
  project: string,
  change: PreparedChange,
  options: SessionOptions,
): Promise<ApplyResult> {
  options.onEvent?.({ type: 'executing', plan: change.plan });
  const execution = await executeStage(port, change, options);
  return verifyExecution(port, project, change, execution, options);
}

/**
 * Carries out the plan's actions (only those of `only`, when given: a stage of a swarm node's
 * plan, src/apply/fleet-session.ts). The caller reports `executing` once, before the first stage.
 */
export function executeStage(
  port: DockerPort,
  { plan }: PreparedChange,
  options: SessionOptions,
  stage?: { only: ReadonlySet<number>; finishedBefore: number },
): Promise<ExecutionResult> {
  const { logger, onEvent, signal } = options;
  return executePlan(plan, port, {
    ...(options.parallelism !== undefined ? { parallelism: options.parallelism } : {}),
    ...(logger ? { logger } : {}),
    ...(onEvent ? { onEvent } : {}),
    ...(signal ? { signal } : {}),
    ...(stage ? { only: stage.only, finishedBefore: stage.finishedBefore } : {}),
    ...(options.enginePorts ? { enginePorts: options.enginePorts } : {}),
    ...(options.swarmNodes ? { swarmNodes: options.swarmNodes } : {}),
  });
}

/** The result of an execution of the whole plan: verified when every action is done. */
export async function verifyExecution(
  port: DockerPort,
  project: string,
  { plan, desired, planOptions }: PreparedChange,
  execution: ExecutionResult,
  options: SessionOptions,
): Promise<ApplyResult> {
  const { onEvent, signal } = options;
  // A failed execution is not verified: its report already says what is left.
  if (execution.status !== 'applied') return { status: 'failed', project, plan, execution };
  onEvent?.({ type: 'verifying' });
  let { converged, residual } = await verifyConvergence(port, desired, planOptions);
  // A swarm network the manager accepted to remove stays listed until the swarm has let go of it
  // (its services' tasks leaving it): that is the removal still under way, waited for (up to
  // SWARM_REMOVAL_WAIT_MS), not a difference (docs/swarm.md).
  const deadline = Date.now() + SWARM_REMOVAL_WAIT_MS;
  while (
    !converged &&
    (removalsUnderWay(plan, residual) || allocationsUnderWay(plan, residual)) &&
    Date.now() < deadline &&
    !signal?.aborted
  ) {
    await sleep(1000);
    ({ converged, residual } = await verifyConvergence(port, desired, planOptions));
  }
  return converged
    ? { status: 'applied', project, plan, execution, residual }
    : { status: 'not-converged', project, plan, execution, residual };
}

/** How long verify waits for the swarm to finish removing the cluster networks an apply removed. */
const SWARM_REMOVAL_WAIT_MS = 60_000;

/** True when all that is left is the removal of cluster networks the plan already removed. */
function removalsUnderWay(plan: Plan, residual: Plan): boolean {
  const removed = new Set(
    plan.actions
      .filter((a) => a.kind === 'remove' && isClusterNetwork(a.before))
      .map((a) => actionSubject(a)),
  );
  return (
    residual.actions.length > 0 &&
    residual.actions.every((a) => a.kind === 'remove' && removed.has(a.network))
  );
}

/**
 * True when all that is left is cluster networks the plan created or replaced that the manager
 * still shows unallocated: right after a create, its inspect can show no driver and no IPAM for a
 * moment (seen on the test swarm: `"Driver": ""`, `"Config": []`), which plans as a replace
 * forced by `driver` (docs/swarm.md). Waited for like a removal under way.
 */
function allocationsUnderWay(plan: Plan, residual: Plan): boolean {
  const made = new Set(
    plan.actions
      .filter((a) => (a.kind === 'create' || a.kind === 'replace') && isClusterNetwork(a.after))
      .map((a) => actionSubject(a)),
  );
  return (
    residual.actions.length > 0 &&
    residual.actions.every((a) => a.kind === 'replace' && made.has(a.network) && a.before.driver === '')
  );
}

function interruptedBeforePlan(command: string): NetformError {
  return new NetformError(`${command} interrupted before planning; nothing was changed`, { exitCode: 130 });
}

/** Releases the lock; a failure is reported (the lease is left for `netform unlock`), never thrown. */
export async function releaseLock(lock: HeldLock, options: SessionOptions): Promise<void> {
  try {
    await lock.release();
  } catch (error) {
    options.logger?.warn({ lock: lock.lease.name, error: asError(error).message }, 'lock not released');
    options.onEvent?.({ type: 'lock-release-failed', lease: lock.lease, error: asError(error) });
  }
}

/**
 * A saved plan is carried out only against the engine it was made for and only while that engine
 * is as it was (docs/apply.md, "Saved plans and staleness"); it is verified with the spec and
 * options it records.
 */
async function prepareSavedPlan(port: DockerPort, file: PlanFile, name: string): Promise<PreparedChange> {
  if (isFleetPlanFile(file)) {
    throw new NetformError(`${name} is a plan across engines, not a plan for one engine`, {
      hint: 'apply it with `netform apply FILE` or applyEngines()',
    });
  }
  if (file.engine.host !== port.host) {
    throw new NetformError(`${name} was made against the engine at ${file.engine.host}, not ${port.host}`, {
      hint: `apply it with --host ${file.engine.host}, or make a new plan for this engine`,
    });
  }
  const stale = await savedPlanStaleness(port, file, file.plan, file.options);
  if (stale) {
    throw new NetformError(`${name} is stale: ${describeStale(stale)}`, {
      hint: `nothing was applied; make a new plan with \`netform plan --out\` and review it`,
    });
  }
  return { plan: file.plan, desired: file.spec, planOptions: file.options };
}

/** Why a saved plan is stale on one engine: the reason, and what changed where it can tell. */
export interface Staleness {
  reason: string;
  changes: string[];
}

/** One line: the reason, then what changed. */
export function describeStale({ reason, changes }: Staleness): string {
  return changes.length > 0 ? `${reason}: ${changes.join('; ')}` : reason;
}

/**
 * Under the lock: observes the engine in the scope of the spec a saved plan records for it and
 * recomputes the state fingerprint (checkPlanFreshness). Undefined while the engine is as it
 * was; else why not, with what a plan made now (with the saved options) would add or drop. Run
 * for a single-engine plan file and for each engine of a plan file across engines.
 */
export async function savedPlanStaleness(
  port: DockerPort,
  saved: Pick<PlanFile, 'spec' | 'stateFingerprint'>,
  plan: Plan,
  options: PlanOptions,
): Promise<Staleness | undefined> {
  const desired = saved.spec;
  const observed = await port.observe(observeScope(desired));
  const freshness = checkPlanFreshness(saved, observed);
  if (freshness.fresh) return undefined;
  const changes = describeStaleness(plan, planForEngine(desired, observed, options), observed);
  return { reason: freshness.reason, changes };
}

/** A destroy plans against an empty spec; its removals say why in destroy's own words. */
export function asDestroyPlan(plan: Plan): Plan {
  return {
    ...plan,
    actions: plan.actions.map((action) =>
      action.kind === 'remove'
        ? { ...action, reason: `managed by project ${plan.project}; destroy removes it` }
        : action,
    ),
  };
}
