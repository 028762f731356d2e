import type { Command } from 'commander';
import { rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { observeAndPlan } from '../../apply/plan-engine.js';
import { buildPlanFile, serializePlanFile } from '../../core/plan-file.js';
import { isError } from '../../model/diagnostic.js';
import { NetformError } from '../../model/errors.js';
import { formatDiagnostic } from '../../render/diagnostics.js';
import { PLAN_FORMATS, PLAN_REPORTERS, type PlanFormat } from '../../render/plan-formats.js';
import { loadSpec } from '../../spec/index.js';
import { NETFORM_VERSION } from '../../version.js';
import type { CliContext } from '../context.js';
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
}

/** Exit code of `plan --detailed-exitcode` when the plan has changes (docs/plan.md). */
export const EXIT_CHANGES = 2;

export function registerPlan(program: Command, ctx: CliContext): void {
  const command = program
    .command('plan')
    .description('show what apply would change to make the engine match the spec')
    .option(
      '-f, --file <file>',
      'spec file, default netform.yaml (repeatable; later files override earlier ones)',
      collect,
    )
    .option('--out <planfile>', 'save the plan for `netform apply PLANFILE` (with its options)');
  addFormatOptions(command, PLAN_FORMATS, 'the plan (json: schemas/plan.schema.json)')
    .option('--detailed-exitcode', 'exit 2 when there are changes, 0 when there are none (1 on any error)')
    .option('--target <name>', 'limit the plan to this network or container (repeatable)', collect)
    .option('--adopt <name>', 'replace this unmanaged network with a managed one (repeatable)', collect)
    .option('--strict', 'a listed container that does not exist is an error, not a warning')
    .action(async (options: PlanCommandOptions) => {
      const { io } = ctx;
      const color = ctx.globals().color;
      const format = chosenFormat<PlanFormat>(options);
      const loaded = await loadSpec(options.file ?? [], { cwd: io.cwd });
      for (const diagnostic of [...(loaded.ok ? [] : loaded.errors), ...loaded.warnings]) {
        io.stderr(`${formatDiagnostic(diagnostic, color)}\n`);
      }
      if (!loaded.ok) {
        ctx.setExitCode(1);
        return;
      }
      const docker = await ctx.docker();
      const planOptions = planOptionsOf(options);
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
          await writePlanFile(resolve(io.cwd, options.out), serializePlanFile(file));
          ctx.logger().info({ file: options.out }, 'plan saved');
          if (format === 'text')
            io.stdout(`\nSaved the plan to ${options.out}: run \`netform apply ${options.out}\`.\n`);
        }
      }
      if (failed) ctx.setExitCode(1);
      else if (options.detailedExitcode === true && plan.actions.length > 0) ctx.setExitCode(EXIT_CHANGES);
    });
}

/** Writes beside the target, then renames, so a crash never leaves a half-written plan. */
async function writePlanFile(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text, { mode: 0o600 });
    await rename(temporary, path);
  } catch (error) {
    throw new NetformError(`cannot write the plan file ${path}: ${(error as Error).message}`, {
      hint: 'check that the directory exists and is writable',
      cause: error,
    });
  }
}
