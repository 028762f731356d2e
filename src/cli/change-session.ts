import type { ApplyFormat } from '../apply/report.js';
import { APPLY_REPORTERS } from '../apply/report.js';
import type { ApplyResult } from '../apply/result.js';
import { describeHolder } from '../apply/lock.js';
import { ProgressDisplay } from '../apply/progress.js';
import type { SessionEvent, SessionOptions } from '../apply/session.js';
import { NetformError } from '../model/errors.js';
import type { Plan } from '../model/plan.js';
import { renderPlanText } from '../render/plan-text.js';
import type { CliContext } from './context.js';

/** What `apply` and `destroy` were told on the command line about how to run the session. */
export interface ChangeCommandOptions {
  command: 'apply' | 'destroy';
  autoApprove: boolean;
  format: ApplyFormat;
  parallelism?: number;
  lockTimeoutMs: number;
}

/**
 * The CLI side of an apply session (src/apply/session.ts): prints the plan and waits, asks for
 * confirmation on a terminal, shows progress, turns Ctrl-C and SIGTERM into the session's
 * AbortSignal, renders the result and sets the exit code. `run` starts the library's session
 * with the options built here; nothing of the session itself is done in the CLI.
 */
export async function runChangeCommand(
  ctx: CliContext,
  cli: ChangeCommandOptions,
  run: (options: SessionOptions) => Promise<ApplyResult>,
): Promise<void> {
  const { io } = ctx;
  const color = ctx.globals().color;
  const text = cli.format === 'text';
  const progress = new ProgressDisplay(io.stderr, io.stderrIsTTY);
  const stop = new StopOnSignals(io.stderr);
  const onEvent = (event: SessionEvent): void => {
    switch (event.type) {
      case 'lock-wait':
        io.stderr(
          `Waiting for the lock of project ${event.holder.project}: held by ${describeHolder(event.holder)}\n`,
        );
        return;
      case 'planned':
        if (text && event.plan.actions.length > 0 && !hasErrors(event.plan)) {
          io.stdout(`${renderPlanText(event.plan, { color })}\n`);
        }
        return;
      case 'executing':
        stop.listen();
        return;
      case 'action-start':
      case 'action-end':
        progress.onEvent(event);
        return;
      case 'verifying':
        progress.stop();
        return;
      case 'lock-release-failed':
        io.stderr(
          `warning: could not release the lock ${event.lease.name}: ${event.error.message}\n` +
            `  remove it with \`netform unlock --project ${event.lease.project}\`\n`,
        );
        return;
      case 'lock-acquired':
        return;
    }
  };

  let result: ApplyResult;
  try {
    result = await run({
      onEvent,
      signal: stop.signal,
      logger: ctx.logger(),
      lockTimeoutMs: cli.lockTimeoutMs,
      ...(cli.parallelism !== undefined ? { parallelism: cli.parallelism } : {}),
      ...(cli.autoApprove ? {} : { confirm: (plan, engine) => confirm(ctx, cli.command, plan, engine.host) }),
    });
  } finally {
    progress.stop();
    stop.unlisten();
  }

  switch (result.status) {
    case 'blocked': {
      io.stderr(renderPlanText(result.plan, { color: false }));
      const n = result.plan.diagnostics.filter((d) => d.severity === 'error').length;
      throw new NetformError(
        `the plan has ${n} error${n === 1 ? '' : 's'} (listed above); nothing was changed`,
      );
    }
    case 'cancelled':
      throw new NetformError(`${cli.command} cancelled; nothing was changed`);
    case 'no-changes':
      io.stdout(text ? renderPlanText(result.plan, { color }) : APPLY_REPORTERS.json(result));
      return;
    default:
      io.stdout(
        text
          ? APPLY_REPORTERS.text(result, { color, verb: cli.command === 'apply' ? 'Apply' : 'Destroy' })
          : APPLY_REPORTERS.json(result),
      );
      if (result.status !== 'applied') ctx.setExitCode(1);
  }
}

const hasErrors = (plan: Plan): boolean => plan.diagnostics.some((d) => d.severity === 'error');

/** Asks on the terminal; without one, refuses (a script must say --auto-approve). */
function confirm(ctx: CliContext, command: string, plan: Plan, host: string): Promise<boolean> {
  return askOnTerminal(ctx, command, plan.actions.length, `for project ${plan.project} on ${host}`);
}

/** `Carry out these N actions WHAT? [y/N]` on the terminal; without one, refuses. */
export async function askOnTerminal(
  ctx: CliContext,
  command: string,
  n: number,
  what: string,
): Promise<boolean> {
  if (!ctx.io.stdinIsTTY) {
    throw new NetformError(
      `${command} needs confirmation and there is no terminal to ask on; nothing was changed`,
      {
        hint: `review the plan above, then run again with --auto-approve`,
      },
    );
  }
  return ctx.io.confirm(`Carry out ${n === 1 ? 'this action' : `these ${n} actions`} ${what}? [y/N] `);
}

/**
 * Ctrl-C and SIGTERM as a session's AbortSignal, once execution starts (before it, Ctrl-C at the
 * prompt answers "no"): operations in flight finish, nothing new starts; a second Ctrl-C quits.
 */
export class StopOnSignals {
  private readonly abort = new AbortController();
  private listening = false;

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  constructor(private readonly stderr: (text: string) => void) {}

  private readonly onSignal = (): void => {
    if (this.abort.signal.aborted) return;
    this.stderr(
      '\nStopping: operations in flight finish, nothing new starts (press Ctrl-C again to quit at once).\n',
    );
    this.abort.abort();
    process.once('SIGINT', () => process.exit(130));
  };

  listen(): void {
    if (this.listening) return;
    this.listening = true;
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  unlisten(): void {
    if (!this.listening) return;
    this.listening = false;
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
  }
}
