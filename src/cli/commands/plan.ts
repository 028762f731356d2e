import type { Command } from 'commander';
import { lstat, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { observeAndPlan } from '../../apply/plan-engine.js';
import { restoreNotes } from '../../apply/restore-point.js';
import { buildPlanFile, serializePlanFile } from '../../core/plan-file.js';
import { isError } from '../../model/diagnostic.js';
import { NetformError } from '../../model/errors.js';
import { formatDiagnostic } from '../../render/diagnostics.js';
import { PLAN_FORMATS, PLAN_REPORTERS, type PlanFormat } from '../../render/plan-formats.js';
import { loadSpec } from '../../spec/index.js';
import { DEFAULT_SPEC_FILE } from '../../spec/load.js';
import { NETFORM_VERSION } from '../../version.js';
import type { CliContext, GlobalOptions } from '../context.js';
import { acrossEngines, addEngineOption, planAcrossEngines } from '../fleet.js';
import { addFormatOptions, chosenFormat, collect, planOptionsOf } from '../options.js';

interface PlanCommandOptions {
  file?: string[];
  out?: string;
  format?: string;
  json?: boolean;
  detailedExitcode?: boolean;
  target?: string[];
  adopt?: string[];
  strict?: boolean;
  engine?: string[];
}

/** Exit code of `plan --detailed-exitcode` when the plan has changes (docs/plan.md). */
export const EXIT_CHANGES = 2;

export function registerPlan(command: Command, ctx: CliContext): void {
  command
    .option(
      '-f, --file <file>',
      'spec file, default netform.yaml (repeatable; later files override earlier ones)',
      collect,
    )
    .option('--out <planfile>', 'save the plan for `netform apply PLANFILE` (with its options)');
  addFormatOptions(command, PLAN_FORMATS, 'the plan (json: schemas/plan.schema.json)')
    .option('--detailed-exitcode', 'exit 2 when there are changes, 0 when there are none (1 on any error)')
    .option('--target <name>', 'limit the plan to this network, container or service (repeatable)', collect)
    .option('--adopt <name>', 'replace this unmanaged network with a managed one (repeatable)', collect)
    .option('--strict', 'a listed container that does not exist is an error, not a warning');
  addEngineOption(command).action(async (options: PlanCommandOptions) => {
    const { io } = ctx;
    const color = ctx.globals().color;
    const format = chosenFormat<PlanFormat>(options);
    const specFiles = (options.file?.length ? options.file : [DEFAULT_SPEC_FILE]).map((f) =>
      resolve(io.cwd, f),
    );
    // Before anything is observed: a refused --out is said first, not after the plan.
    if (options.out !== undefined)
      await checkPlanTarget(options.out, resolve(io.cwd, options.out), specFiles);
    // The engine's connect (its code loaded, GET /version) overlaps the spec's load when the
    // engine is named by a unix:// or tcp:// address (docs/benchmark.md, "Start-up"): a spec
    // with `engines:` or with errors then leaves it unused, and its failure is said only where
    // the single-engine plan awaits it below, as before.
    if (preconnects(ctx.globals(), io.env)) ctx.docker().catch(() => undefined);
    const loaded = await loadSpec(options.file ?? [], { cwd: io.cwd });
    for (const diagnostic of [...(loaded.ok ? [] : loaded.errors), ...loaded.warnings]) {
      io.stderr(`${formatDiagnostic(diagnostic, color)}\n`);
    }
    if (!loaded.ok) {
      ctx.setExitCode(1);
      return;
    }
    const planOptions = planOptionsOf(options);
    if (acrossEngines(loaded.spec, options.engine)) {
      const out = options.out;
      await planAcrossEngines(
        ctx,
        loaded.spec,
        options,
        planOptions,
        format,
        out === undefined
          ? undefined
          : (file) => writePlanFile(out, resolve(io.cwd, out), serializePlanFile(file), specFiles),
      );
      return;
    }
    const docker = await ctx.docker();
    const { observed, plan } = await observeAndPlan(docker, loaded.spec, planOptions);
    io.stdout(PLAN_REPORTERS[format](plan, { color }));
    const failed = plan.diagnostics.some(isError);
    if (options.out !== undefined) {
      if (failed) {
        io.stderr(`error: the plan has errors, so it was not saved to ${options.out}\n`);
      } else {
        const file = buildPlanFile({
          plan,
          desired: loaded.spec,
          options: planOptions,
          observed,
          host: docker.host,
          netformVersion: NETFORM_VERSION,
          createdAt: new Date().toISOString(),
        });
        await writePlanFile(options.out, resolve(io.cwd, options.out), serializePlanFile(file), specFiles);
        (await ctx.logger()).info({ file: options.out }, 'plan saved');
        if (format === 'text')
          io.stdout(`\nSaved the plan to ${options.out}: run \`netform apply ${options.out}\`.\n`);
      }
    }
    if (failed) ctx.setExitCode(1);
    else if (
      options.detailedExitcode === true &&
      // An interrupted replace waiting to be restored is a change the next apply makes.
      (plan.actions.length > 0 || restoreNotes(observed, plan.project).length > 0)
    )
      ctx.setExitCode(EXIT_CHANGES);
  });
}

/**
 * Whether the plan may open the engine's connection before the spec is loaded: only for an
 * address given as --host or DOCKER_HOST that is a local socket or plain TCP, never one that
 * could open an SSH session or read a docker context.
 */
function preconnects(globals: GlobalOptions, env: NodeJS.ProcessEnv): boolean {
  if (globals.context !== undefined) return false;
  const host = (globals.host ?? env.DOCKER_HOST ?? '').trim();
  return host.startsWith('unix://') || host.startsWith('tcp://');
}

/**
 * Writes the plan beside the target, then renames it over the target, so a crash never leaves a
 * half-written plan. Only a regular file (or nothing) is ever replaced: a symbolic link, a FIFO,
 * a device or a directory at `path` is refused, and so is one of the spec files the plan was
 * made from (docs/plan.md, "Plan files").
 */
async function writePlanFile(name: string, path: string, text: string, specFiles: string[]): Promise<void> {
  await checkPlanTarget(name, path, specFiles);
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    // `wx`: never follow or reuse whatever is at the temporary name.
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw new NetformError(`cannot write the plan file ${name}: ${(error as Error).message}`, {
      hint: 'check that the directory exists and is writable',
      cause: error,
    });
  }
}

/** Refuses an --out that is not a regular file or is one of the spec files (see writePlanFile). */
async function checkPlanTarget(name: string, path: string, specFiles: string[]): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing !== undefined && !existing.isFile()) {
    throw new NetformError(
      `refusing to write the plan to ${name}: it is ${kindOf(existing)}, not a regular file`,
      {
        hint: 'give --out the path of a regular file, or of one that does not exist yet; nothing was written',
      },
    );
  }
  if (existing !== undefined) {
    for (const spec of specFiles) {
      const info = await stat(spec).catch(() => undefined);
      if (info !== undefined && info.dev === existing.dev && info.ino === existing.ino) {
        throw new NetformError(
          `refusing to write the plan to ${name}: it is a spec file the plan was made from`,
          {
            hint: 'save the plan under another name, e.g. --out netform.plan; nothing was written',
          },
        );
      }
    }
  }
}

function kindOf(info: Awaited<ReturnType<typeof lstat>>): string {
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}
