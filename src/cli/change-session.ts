import type { ApplyFormat } from '../apply/report.js';
import { APPLY_REPORTERS } from '../apply/report.js';
import type { ApplyResult } from '../apply/result.js';
import { describeHolder } from '../apply/lock.js';
import { describeRestore } from '../apply/restore-point.js';
import { ProgressDisplay } from '../apply/progress.js';
import type { SessionEvent, SessionOptions } from '../apply/session.js';
import { printable } from '../core/printable.js';
import { NetformError } from '../model/errors.js';
import type { Plan } from '../model/plan.js';
import { renderPlanText } from '../render/plan-text.js';
import type { CliContext } from './context.js';
import { exitCodeOf, SignalStop } from './signal-stop.js';

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
 * AbortSignal (a second one quits at once, saying what it leaves), renders the result and sets
 * the exit code. `run` starts the library's session
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
  const inFlight = new Map<number, string>();
  let releaseLock: (() => Promise<void>) | undefined;
  // Signals are handled from the start: whatever the session is doing (waiting for the lock,
  // planning, asking), the first one ends it and the lock is released (docs/apply.md, "Stopping").
  const stop = new SignalStop({
    stderr: io.stderr,
    engines: 'one',
    inFlight: () => [...inFlight.values()].map((description) => ({ description })),
    locks: () => (releaseLock ? [{ release: releaseLock }] : []),
    beforeQuit: () => progress.stop(),
  });
  const onEvent = (event: SessionEvent): void => {
    switch (event.type) {
      case 'lock-wait':
        io.stderr(
          `${printable(`Waiting for the lock of project ${event.holder.project}: held by ${describeHolder(event.holder)}`)}\n`,
        );
        return;
      case 'lock-acquired':
        releaseLock = event.release;
        return;
      case 'restored':
        io.stderr(`${printable(describeRestore(event.report))}.\n`);
        return;
      case 'planned':
        if (text && event.plan.actions.length > 0 && !hasErrors(event.plan)) {
          io.stdout(`${renderPlanText(event.plan, { color })}\n`);
        }
        return;
      case 'executing':
        stop.markExecuting();
        return;
      case 'action-start':
        inFlight.set(event.outcome.index, event.outcome.description);
        progress.onEvent(event);
        return;
      case 'action-end':
        inFlight.delete(event.outcome.index);
        progress.onEvent(event);
        return;
      case 'verifying':
        progress.stop();
        return;
      case 'lock-release-failed':
        io.stderr(
          `warning: could not release the lock ${event.lease.name}: ${printable(event.error.message)}\n` +
            `  remove it with \`netform unlock --project ${event.lease.project}\`\n`,
        );
        return;
    }
  };

  let result: ApplyResult;
  try {
    result = await run({
      onEvent,
      signal: stop.signal,
      logger: await ctx.logger(),
      lockTimeoutMs: cli.lockTimeoutMs,
      ...(cli.parallelism !== undefined ? { parallelism: cli.parallelism } : {}),
      ...(cli.autoApprove
        ? {}
        : { confirm: (plan, engine) => confirm(ctx, cli.command, plan, engine.host, stop.signal) }),
    });
  } catch (error) {
    throw stop.withExitCode(error);
  } finally {
    progress.stop();
    stop.dispose();
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
      throw result.by === 'signal'
        ? new NetformError(`${cli.command} interrupted before it started; nothing was changed`, {
            exitCode: exitCodeOf(stop.received ?? 'SIGINT'),
          })
        : new NetformError(`${cli.command} cancelled; nothing was changed`);
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
function confirm(
  ctx: CliContext,
  command: string,
  plan: Plan,
  host: string,
  signal: AbortSignal,
): Promise<boolean> {
  return askToCarryOut(ctx, command, plan.actions.length, `for project ${plan.project} on ${host}`, signal);
}

/**
 * `Carry out these N actions WHAT? [y/N]` on the terminal (also for a session across engines,
 * src/cli/fleet.ts); without a terminal, refuses: a script must say --auto-approve.
 */
export async function askToCarryOut(
  ctx: CliContext,
  command: string,
  n: number,
  what: string,
  signal: AbortSignal,
): Promise<boolean> {
  if (!ctx.io.stdinIsTTY) {
    throw new NetformError(
      `${command} needs confirmation and there is no terminal to ask on; nothing was changed`,
      {
        hint: `review the plan above, then run again with --auto-approve`,
      },
    );
  }
  return ctx.io.confirm(
    `Carry out ${n === 1 ? 'this action' : `these ${n} actions`} ${what}? [y/N] `,
    signal,
  );
}
