import { ACTION_KIND_ORDER } from '../core/order.js';
import type { Action, ActionKind, Plan } from '../model/plan.js';

/**
 * What became of one plan action.
 * - `done`: carried out completely.
 * - `failed`: the engine refused an operation; `error` has its words. For a replace or reconnect
 *   whose restore also failed, `rollbackError` says so and the engine is in neither state.
 * - `rolled-back`: it failed and what it had already changed was put back (a replace whose new
 *   network could not be created: the old one was created again and every endpoint restored).
 * - `not-attempted`: nothing was sent for it, because an earlier operation failed.
 */
export type ActionStatus = 'done' | 'failed' | 'rolled-back' | 'not-attempted';

/** One engine request made while carrying out an action (a replace makes many). */
export interface OperationRecord {
  /**
   * `create-network`, `remove-network`, `connect`, `disconnect`, `update-service`; and
   * `wait-for-tasks`: before the swarm's ingress network is removed, the wait until no task is
   * left on it on any node (reads only; docs/swarm.md, "The ingress network"), and before a
   * replace removes a swarm network it took services off, the wait until none of their tasks is
   * left on it (docs/swarm.md, "Replacing a swarm network that services use").
   */
  operation:
    'create-network' | 'remove-network' | 'connect' | 'disconnect' | 'update-service' | 'wait-for-tasks';
  /** `network web`, `app on web`... */
  target: string;
  ok: boolean;
  error?: string;
  /** True for operations that undo earlier ones after a failure. */
  rollback: boolean;
  durationMs: number;
}

export interface ActionOutcome {
  /** Index into the plan's `actions`. */
  index: number;
  kind: ActionKind;
  /** One line: `create network web`, `connect app to web`. */
  description: string;
  status: ActionStatus;
  /** The engine's message for the operation that failed. */
  error?: string;
  /** The engine's message when undoing the failed action also failed. */
  rollbackError?: string;
  /**
   * For `rolled-back`, what the undo left when it is not simply the engine as it was: a swarm
   * network created again (a new ID) and the services put back on it (docs/swarm.md).
   */
  undone?: string;
  /** Wall time from the first to the last request, absent when not attempted. */
  durationMs?: number;
  operations: OperationRecord[];
}

/** What the executor reports while it runs (drives the progress display). */
export type ExecutionEvent =
  | { type: 'action-start'; outcome: ActionOutcome; total: number }
  | { type: 'action-end'; outcome: ActionOutcome; total: number; finished: number };

/**
 * The result of executing a plan. `status` is `applied` when every action is done, `failed`
 * otherwise (then some actions may be `rolled-back` and later ones `not-attempted`).
 */
export interface ExecutionResult {
  status: 'applied' | 'failed';
  actions: ActionOutcome[];
  durationMs: number;
  /** The parallelism used for each phase. */
  parallelism: Record<ExecutionPhase, number>;
  /** True when the execution was stopped from outside (Ctrl-C, SIGTERM) rather than by a failure. */
  interrupted?: boolean;
}

/**
 * The phases a plan is carried out in, one per action kind, in the order of
 * src/core/order.ts (docs/apply.md); each waits for the one before.
 */
export type ExecutionPhase = ActionKind;

export const EXECUTION_PHASES: readonly ExecutionPhase[] = ACTION_KIND_ORDER;

export function phaseOf(action: Action): ExecutionPhase {
  return action.kind;
}

interface ResultBase {
  project: string;
  /** The plan the session carried out (or would have). */
  plan: Plan;
}

/**
 * What one apply or destroy session came to; each status carries what it has:
 * - `blocked`: the plan has errors (in `plan.diagnostics`); nothing was sent to the engine;
 * - `cancelled`: the confirmation said no (`by: 'confirmation'`) or the session was aborted before
 *   execution (`by: 'signal'`); nothing was sent;
 * - `no-changes`: the plan was empty;
 * - `failed`: an operation failed (or the run was interrupted); `execution` says what was done;
 * - `applied`: executed and verified (`residual` is the empty plan made afterwards);
 * - `not-converged`: executed without error, but the engine still differs (`residual` says how).
 */
export type ApplyResult =
  | (ResultBase & { status: 'blocked' })
  | (ResultBase & { status: 'cancelled'; by: 'confirmation' | 'signal' })
  | (ResultBase & { status: 'no-changes' })
  | (ResultBase & { status: 'failed'; execution: ExecutionResult })
  | (ResultBase & { status: 'applied'; execution: ExecutionResult; residual: Plan })
  | (ResultBase & { status: 'not-converged'; execution: ExecutionResult; residual: Plan });

export type ApplyStatus = ApplyResult['status'];
