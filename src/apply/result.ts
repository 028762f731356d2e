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
  /** `create-network`, `remove-network`, `connect`, `disconnect`. */
  operation: 'create-network' | 'remove-network' | 'connect' | 'disconnect';
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
  /** Wall time from the first to the last request, absent when not attempted. */
  durationMs?: number;
  operations: OperationRecord[];
}

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
 * The phases a plan is carried out in (PRODUCT.md §4); each waits for the one before.
 * Endpoint actions are split so that addresses and aliases an endpoint gives up are free before
 * another endpoint takes them.
 */
export type ExecutionPhase = 'create' | 'replace' | 'disconnect' | 'reconnect' | 'connect' | 'remove';

export const EXECUTION_PHASES: readonly ExecutionPhase[] = [
  'create',
  'replace',
  'disconnect',
  'reconnect',
  'connect',
  'remove',
];

export function phaseOf(action: Action): ExecutionPhase {
  return action.kind;
}

/** The whole apply: the execution and what the engine looked like afterwards. */
export interface ApplyResult {
  /**
   * `no-changes`: the plan was empty. `applied`: executed and verified. `not-converged`: executed
   * without error but the engine still differs (see `residual`). `failed`: an operation failed.
   */
  status: 'no-changes' | 'applied' | 'not-converged' | 'failed';
  project: string;
  plan: Plan;
  execution?: ExecutionResult;
  /** The plan computed from a fresh observation after executing; empty when converged. */
  residual?: Plan;
}
