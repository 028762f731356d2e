import type { Command } from 'commander';
import { renderFleetApplyJson, renderFleetApplyText } from '../apply/fleet-report.js';
import {
  applyEngines,
  destroyEngines,
  fleetPlanOf,
  planEngines,
  type FleetResult,
  type FleetSessionOptions,
} from '../apply/fleet-session.js';
import { ProgressDisplay } from '../apply/progress.js';
import { describeHolder } from '../apply/lock.js';
import { describeRestore } from '../apply/restore-point.js';
import type { DesiredState } from '../model/desired.js';
import { isError } from '../model/diagnostic.js';
import { NetformError } from '../model/errors.js';
import type { FleetPlan, FleetPlanFile } from '../model/fleet.js';
import { buildFleetPlanFile } from '../core/plan-file.js';
import { NETFORM_VERSION } from '../version.js';
import type { PlanOptions } from '../model/plan.js';
import type { DockerPort } from '../model/port.js';
import { renderFleetPlan } from '../render/fleet-plan.js';
import type { PlanFormat } from '../render/plan-formats.js';
import { askToCarryOut, type ChangeCommandOptions } from './change-session.js';
import type { CliContext } from './context.js';
import { collect } from './options.js';
import { exitCodeOf, SignalStop } from './signal-stop.js';

/**
 * The CLI across the engines of a spec with `engines:` (docs/spec.md#engines): `plan`, `apply`
 * and `destroy` connect to every engine (or those named with `--engine`), and run the library's
 * sessions across engines (src/apply/fleet-session.ts); this file adds only the command line:
 * connecting and closing, prompts, progress, rendering and exit codes.
 */

/** `--engine NAME` (repeatable) on plan, apply and destroy. */
export function addEngineOption(command: Command): Command {
  return command.option('--engine <name>', 'work on this engine of the spec only (repeatable)', collect);
}

/** True when a command works across engines: the spec names engines, or --engine was given. */
export function acrossEngines(spec: DesiredState | undefined, engine: string[] | undefined): boolean {
  return spec?.engines !== undefined || (engine?.length ?? 0) > 0;
}

/** Connects to the spec's engines (all or nothing), runs `work`, closes them. */
async function withEngines<T>(
  ctx: CliContext,
  spec: DesiredState,
  only: string[] | undefined,
  work: (ports: Map<string, DockerPort>) => Promise<T>,
): Promise<T> {
  const { closeEngines, connectEngines } = await import('../docker/connect-engines.js');
  const { host, context } = ctx.globals();
  const ports = await connectEngines(spec, {
    env: ctx.io.env,
    logger: await ctx.logger(),
    ...(only ? { only } : {}),
    ...(host !== undefined ? { host } : {}),
    ...(context !== undefined ? { context } : {}),
  });
  try {
    return await work(ports);
  } finally {
    await closeEngines(ports);
  }
}

/**
 * `netform plan` across engines: the plan grouped by engine, per-engine and total summaries;
 * with `save` (`--out`), the plan file across engines (docs/plan.md, "Plan files"), written
 * unless some engine's plan has errors.
 */
export async function planAcrossEngines(
  ctx: CliContext,
  spec: DesiredState,
  options: { engine?: string[]; out?: string; detailedExitcode?: boolean },
  planOptions: PlanOptions,
  format: PlanFormat,
  save?: (file: FleetPlanFile) => Promise<void>,
): Promise<void> {
  const { plan, parts } = await withEngines(ctx, spec, options.engine, (ports) =>
    planEngines(spec, ports, planOptions),
  );
  ctx.io.stdout(renderFleetPlan(plan, format, { color: ctx.globals().color }));
  const failed = plan.engines.some((e) => e.plan.diagnostics.some(isError));
  const changes = plan.engines.some((e) => e.plan.actions.length > 0);
  if (options.out !== undefined && save) {
    if (failed) {
      ctx.io.stderr(`error: the plan has errors, so it was not saved to ${options.out}\n`);
    } else {
      await save(
        buildFleetPlanFile({
          plan,
          desired: spec,
          options: planOptions,
          engines: parts,
          netformVersion: NETFORM_VERSION,
          createdAt: new Date().toISOString(),
        }),
      );
      (await ctx.logger()).info(
        { file: options.out, engines: plan.engines.map((e) => e.engine) },
        'plan saved',
      );
      if (format === 'text')
        ctx.io.stdout(`\nSaved the plan to ${options.out}: run \`netform apply ${options.out}\`.\n`);
    }
  }
  if (failed) ctx.setExitCode(1);
  else if (options.detailedExitcode === true && changes) ctx.setExitCode(2); // EXIT_CHANGES of plan.ts
}

/**
 * `netform apply PLANFILE` for a plan across engines: connects to the engines the file names, as
 * the spec it records reaches them, and runs the same session as `netform apply` across engines
 * with the file as its source.
 */
export async function applySavedAcrossEngines(
  ctx: CliContext,
  planFile: FleetPlanFile,
  fileName: string,
  cli: ChangeCommandOptions,
): Promise<void> {
  const names = planFile.engines.map((entry) => entry.name);
  const unknown = names.filter((name) => !Object.hasOwn(planFile.spec.engines ?? {}, name));
  if (unknown.length > 0) {
    throw new NetformError(`${fileName} names engines its spec does not: ${unknown.join(', ')}`, {
      hint: `make a new plan with \`netform plan --out ${fileName}\``,
    });
  }
  await withEngines(ctx, planFile.spec, names, (ports) =>
    runFleetChangeCommand(ctx, cli, (session) => applyEngines({ planFile, fileName }, ports, session)),
  );
}

/** `netform apply` across engines. */
export function applyAcrossEngines(
  ctx: CliContext,
  spec: DesiredState,
  only: string[] | undefined,
  planOptions: PlanOptions,
  cli: ChangeCommandOptions,
): Promise<void> {
  return withEngines(ctx, spec, only, (ports) =>
    runFleetChangeCommand(ctx, cli, (session) => applyEngines(spec, ports, { ...session, planOptions })),
  );
}

/** `netform destroy` across engines: the project's managed networks on every engine named. */
export function destroyAcrossEngines(
  ctx: CliContext,
  spec: DesiredState,
  only: string[] | undefined,
  cli: ChangeCommandOptions,
): Promise<void> {
  return withEngines(ctx, spec, only, (ports) =>
    runFleetChangeCommand(ctx, cli, (session) => destroyEngines(spec.project, ports, session)),
  );
}

/**
 * The CLI side of a session across engines, as src/cli/change-session.ts is for one engine: the
 * grouped plan before the question, one question for every engine, progress lines naming their
 * engine, Ctrl-C as the session's stop, the report, the exit code.
 */
async function runFleetChangeCommand(
  ctx: CliContext,
  cli: ChangeCommandOptions,
  run: (options: FleetSessionOptions) => Promise<FleetResult>,
): Promise<void> {
  const { io } = ctx;
  const color = ctx.globals().color;
  const text = cli.format === 'text';
  // Several engines report at once: plain lines, each naming its engine, rather than one live line.
  const progress = new Map<string, ProgressDisplay>();
  const progressOf = (engine: string): ProgressDisplay => {
    let display = progress.get(engine);
    if (!display) {
      display = new ProgressDisplay((line) => io.stderr(`engine ${engine}: ${line}`), false);
      progress.set(engine, display);
    }
    return display;
  };
  // As for one engine (change-session.ts), one stop for every engine: src/cli/signal-stop.ts.
  const releases = new Map<string, () => Promise<void>>();
  const inFlight = new Map<string, { engine: string; description: string }>();
  const stop = new SignalStop({
    stderr: io.stderr,
    engines: 'several',
    inFlight: () => [...inFlight.values()],
    locks: () => [...releases].map(([engine, release]) => ({ engine, release })),
  });
  let result: FleetResult;
  try {
    result = await run({
      signal: stop.signal,
      logger: await ctx.logger(),
      lockTimeoutMs: cli.lockTimeoutMs,
      ...(cli.parallelism !== undefined ? { parallelism: cli.parallelism } : {}),
      ...(cli.autoApprove
        ? {}
        : {
            confirm: (plan: FleetPlan) =>
              askToCarryOut(
                ctx,
                cli.command,
                plan.engines.reduce((n, e) => n + e.plan.actions.length, 0),
                `for project ${plan.project} on ${plan.engines.map((e) => e.engine).join(', ')}`,
                stop.signal,
              ),
          }),
      onEvent: (fleetEvent) => {
        if (fleetEvent.type === 'planned-all') {
          const { plan } = fleetEvent;
          const hasActions = plan.engines.some((e) => e.plan.actions.length > 0);
          const hasErrors = plan.engines.some((e) => e.plan.diagnostics.some(isError));
          if (text && hasActions && !hasErrors) io.stdout(`${renderFleetPlan(plan, 'text', { color })}\n`);
          return;
        }
        const { engine, event } = fleetEvent;
        switch (event.type) {
          case 'lock-wait':
            io.stderr(
              `engine ${engine}: waiting for the lock of project ${event.holder.project}: held by ${describeHolder(event.holder)}\n`,
            );
            return;
          case 'lock-acquired':
            releases.set(engine, event.release);
            return;
          case 'restored':
            io.stderr(`engine ${engine}: ${describeRestore(event.report)}\n`);
            return;
          case 'executing':
            stop.markExecuting();
            return;
          case 'action-start':
            inFlight.set(`${engine}\0${event.outcome.index}`, {
              engine,
              description: event.outcome.description,
            });
            progressOf(engine).onEvent(event);
            return;
          case 'action-end':
            inFlight.delete(`${engine}\0${event.outcome.index}`);
            progressOf(engine).onEvent(event);
            return;
          case 'lock-release-failed':
            io.stderr(
              `warning: engine ${engine}: could not release the lock ${event.lease.name}: ${event.error.message}\n` +
                `  remove it with \`netform unlock --project ${event.lease.project}\` on that engine\n`,
            );
            return;
          default:
            return;
        }
      },
    });
  } catch (error) {
    throw stop.withExitCode(error);
  } finally {
    stop.dispose();
  }

  const verb = cli.command === 'apply' ? 'Apply' : 'Destroy';
  switch (result.status) {
    case 'blocked': {
      io.stderr(renderFleetPlan(fleetPlanOf(result), 'text', { color: false }));
      throw new NetformError('the plan has errors (listed above); nothing was changed on any engine');
    }
    case 'cancelled':
      throw stop.received !== undefined
        ? new NetformError(
            `${cli.command} interrupted before it started; nothing was changed on any engine`,
            {
              exitCode: exitCodeOf(stop.received),
            },
          )
        : new NetformError(`${cli.command} cancelled; nothing was changed on any engine`);
    default:
      io.stdout(text ? renderFleetApplyText(result, { color, verb }) : renderFleetApplyJson(result));
      if (result.status !== 'applied' && result.status !== 'no-changes') ctx.setExitCode(1);
  }
}
