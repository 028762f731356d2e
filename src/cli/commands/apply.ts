import type { Command } from 'commander';
import { resolve } from 'node:path';
import { applyPlan } from '../../apply/apply-plan.js';
import { acquireLock, describeHolder, processLockOwner, type HeldLock } from '../../apply/lock.js';
import { ProgressDisplay } from '../../apply/progress.js';
import { renderApplyJson, renderApplyText } from '../../apply/report.js';
import type { ApplyResult } from '../../apply/result.js';
import { describeStaleness } from '../../apply/staleness.js';
import { checkPlanFreshness, parsePlanFile } from '../../core/plan-file.js';
import { observeScope } from '../../core/observe-scope.js';
import { planChanges, type PlanOptions } from '../../core/plan.js';
import { withEngineChecks } from '../../spec/online.js';
import type { DesiredState } from '../../model/desired.js';
import { NetformError } from '../../model/errors.js';
import type { Plan } from '../../model/plan.js';
import type { DockerPort } from '../../model/port.js';
import { renderPlanText } from '../../render/plan-text.js';
import type { CliContext } from '../context.js';
import { loadDesired } from '../load-desired.js';
import { addChangeSessionOptions, collect } from '../options.js';
import { printable } from '../../core/printable.js';
import { describeReadProblem, readBounded } from '../../spec/read-input.js';

/** Plan files of 1,000 networks are a few MiB (docs/plan.md, "Performance"); a FIFO or device stops here. */
const MAX_PLAN_FILE_BYTES = 64 * 1024 * 1024;

interface ApplyOptions {
  file?: string[];
  autoApprove?: boolean;
  parallelism?: number;
  json?: boolean;
  lockTimeout: number;
  target?: string[];
  adopt?: string[];
  strict?: boolean;
}

export function registerApply(program: Command, ctx: CliContext): void {
  const command = program
    .command('apply')
    .description(
      'make the engine match the spec (or carry out a saved plan): show the plan, ask, execute, verify',
    )
    .argument('[planfile]', 'a plan saved by `netform plan --out`; refused if the engine changed since')
    .option('-f, --file <file>', 'spec file (repeatable; later files override earlier ones)', collect)
    .option('--target <name>', 'limit to this network or container (repeatable)', collect)
    .option('--adopt <network>', 'take over this unmanaged network by replacing it (repeatable)', collect)
    .option('--strict', 'a listed container that does not exist is an error');
  addChangeSessionOptions(command).action(async (planfile: string | undefined, options: ApplyOptions) => {
    if (planfile !== undefined) {
      if (
        (options.file?.length ?? 0) > 0 ||
        (options.target?.length ?? 0) > 0 ||
        (options.adopt?.length ?? 0) > 0 ||
        options.strict
      ) {
        throw new NetformError(
          'a saved plan is applied as it was made: -f, --target, --adopt and --strict do not go with PLANFILE',
          {
            hint: 'give them to `netform plan --out` instead',
          },
        );
      }
      await applySavedPlan(ctx, planfile, options);
      return;
    }
    const desired = await loadDesired(ctx, options.file);
    const planOptions: PlanOptions = {
      ...(options.target?.length ? { targets: options.target } : {}),
      ...(options.adopt?.length ? { adopt: options.adopt } : {}),
      ...(options.strict ? { strict: true } : {}),
    };
    await runChangeSession(ctx, {
      command: 'apply',
      project: desired.project,
      autoApprove: options.autoApprove === true,
      json: options.json === true,
      parallelism: options.parallelism,
      lockTimeoutMs: options.lockTimeout,
      makePlan: async (port) => {
        const observed = await port.observe(observeScope(desired));
        const plan = withEngineChecks(planChanges(desired, observed, planOptions), desired, observed);
        return { plan, desired, planOptions };
      },
    });
  });
}

async function applySavedPlan(ctx: CliContext, planfile: string, options: ApplyOptions): Promise<void> {
  let text: string;
  try {
    const read = await readBounded(resolve(ctx.io.cwd, planfile), { maxBytes: MAX_PLAN_FILE_BYTES });
    if (!read.ok) {
      const { message, hint } = describeReadProblem(planfile, read, MAX_PLAN_FILE_BYTES, 'plan file');
      throw new NetformError(`cannot read the plan file ${planfile}: ${message}`, { hint });
    }
    text = read.bytes.toString('utf8');
  } catch (error) {
    if (error instanceof NetformError) throw error;
    throw new NetformError(`cannot read the plan file ${planfile}: ${(error as Error).message}`, {
      hint: 'write one with `netform plan --out FILE`',
    });
  }
  const file = parsePlanFile(text, planfile);
  const desired = file.spec;
  if (desired === undefined) {
    throw new NetformError(`${planfile} does not record the spec it was made from`, {
      hint: `run \`netform plan --out ${planfile}\` again with this netform`,
    });
  }
  await runChangeSession(ctx, {
    command: 'apply',
    project: file.plan.project,
    autoApprove: options.autoApprove === true,
    json: options.json === true,
    parallelism: options.parallelism,
    lockTimeoutMs: options.lockTimeout,
    makePlan: async (port) => {
      if (file.engine.host !== port.host) {
        throw new NetformError(
          `${planfile} was made against the engine at ${file.engine.host}, not ${port.host}`,
          { hint: `apply it with --host ${file.engine.host}, or make a new plan for this engine` },
        );
      }
      const observed = await port.observe(observeScope(desired));
      const freshness = checkPlanFreshness(file, observed);
      if (!freshness.fresh) {
        const changes = describeStaleness(file.plan, planChanges(desired, observed), observed);
        const details = changes.length > 0 ? `: ${changes.join('; ')}` : '';
        throw new NetformError(`the saved plan ${planfile} is stale: ${freshness.reason}${details}`, {
          hint: `nothing was applied; make a new plan with \`netform plan --out ${planfile}\` and review it`,
        });
      }
      return { plan: file.plan, desired };
    },
  });
}

/** What a change session plans once it holds the lock. */
export interface PlannedChange {
  plan: Plan;
  /** The desired state verification plans against. */
  desired: DesiredState;
  planOptions?: PlanOptions;
}

export interface ChangeSession {
  command: 'apply' | 'destroy';
  project: string;
  autoApprove: boolean;
  json: boolean;
  parallelism?: number;
  lockTimeoutMs: number;
  /** Called with the lock held: observe and plan (or check a saved plan). */
  makePlan: (port: DockerPort) => Promise<PlannedChange>;
}

/**
 * The shape apply and destroy share: take the project's lock on the engine, plan, show the plan,
 * ask (on a terminal, unless --auto-approve), execute with a progress display, verify, report,
 * and release the lock whatever happened. Ctrl-C while executing stops as a failure does:
 * operations in flight finish, nothing new starts.
 */
export async function runChangeSession(ctx: CliContext, session: ChangeSession): Promise<void> {
  const { io } = ctx;
  const color = ctx.globals().color;
  const logger = ctx.logger();
  const port = await ctx.docker();
  const lock = await acquireLock(port, session.project, processLockOwner(session.command), {
    timeoutMs: session.lockTimeoutMs,
    host: port.host,
    onWait: (holder) =>
      io.stderr(`Waiting for the lock of project ${session.project}: held by ${describeHolder(holder)}\n`),
  });
  try {
    logger.info({ project: session.project, lock: lock.lease.name }, 'lock acquired');
    const { plan, desired, planOptions } = await session.makePlan(port);
    const errors = plan.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      io.stderr(renderPlanText(plan, { color: false }));
      throw new NetformError(
        `the plan has ${errors.length} error${errors.length === 1 ? '' : 's'} (listed above); nothing was changed`,
      );
    }
    if (plan.actions.length === 0) {
      const result: ApplyResult = { status: 'no-changes', project: plan.project, plan };
      io.stdout(session.json ? renderApplyJson(result) : renderPlanText(plan, { color }));
      return;
    }
    if (!session.json) io.stdout(`${renderPlanText(plan, { color })}\n`);
    await confirmOrRefuse(ctx, session, plan, port.host);

    const progress = new ProgressDisplay(io.stderr, io.stderrIsTTY);
    const abort = new AbortController();
    const onSignal = (): void => {
      if (abort.signal.aborted) return;
      io.stderr(
        '\nStopping: operations in flight finish, nothing new starts (press Ctrl-C again to quit at once).\n',
      );
      abort.abort();
      process.once('SIGINT', () => process.exit(130));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let result: ApplyResult;
    try {
      result = await applyPlan(port, plan, desired, {
        parallelism: session.parallelism,
        logger,
        onEvent: progress.onEvent,
        signal: abort.signal,
        ...(planOptions ? { planOptions } : {}),
      });
    } finally {
      progress.stop();
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
    io.stdout(
      session.json
        ? renderApplyJson(result)
        : renderApplyText(result, { color, verb: session.command === 'apply' ? 'Apply' : 'Destroy' }),
    );
    if (result.status !== 'applied' && result.status !== 'no-changes') ctx.setExitCode(1);
  } finally {
    await releaseLock(lock, ctx);
  }
}

async function confirmOrRefuse(
  ctx: CliContext,
  session: ChangeSession,
  plan: Plan,
  host: string,
): Promise<void> {
  if (session.autoApprove) return;
  const what = session.command === 'apply' ? 'apply' : 'destroy';
  if (!ctx.io.stdinIsTTY) {
    throw new NetformError(
      `${what} needs confirmation and there is no terminal to ask on; nothing was changed`,
      { hint: `review the plan above, then run again with --auto-approve` },
    );
  }
  const n = plan.actions.length;
  const question = `Carry out ${n === 1 ? 'this action' : `these ${n} actions`} for project ${plan.project} on ${host}? [y/N] `;
  const ok = await ctx.io.confirm(question);
  if (!ok) throw new NetformError(`${what} cancelled; nothing was changed`);
}

async function releaseLock(lock: HeldLock, ctx: CliContext): Promise<void> {
  try {
    await lock.release();
  } catch (error) {
    ctx.io.stderr(
      `warning: could not release the lock ${lock.lease.name}: ${printable((error as Error).message)}\n` +
        `  remove it with \`netform unlock --project ${lock.lease.project}\`\n`,
    );
  }
}
