import type { Command } from 'commander';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ApplyFormat } from '../../apply/report.js';
import { apply, type ApplySource } from '../../apply/session.js';
import { isFleetPlanFile, parseSavedPlanFile } from '../../core/plan-file.js';
import type { FleetPlanFile } from '../../model/fleet.js';
import { NetformError } from '../../model/errors.js';
import { runChangeCommand, type ChangeCommandOptions } from '../change-session.js';
import type { CliContext } from '../context.js';
import { acrossEngines, addEngineOption, applyAcrossEngines, applySavedAcrossEngines } from '../fleet.js';
import { loadDesired } from '../load-desired.js';
import { addChangeSessionOptions, chosenFormat, collect, planOptionsOf } from '../options.js';
import { describeReadProblem, readBounded } from '../../spec/read-input.js';

/** Plan files of 1,000 networks are a few MiB (docs/plan.md, "Performance"); a FIFO or device stops here. */
const MAX_PLAN_FILE_BYTES = 64 * 1024 * 1024;

interface ApplyOptions {
  file?: string[];
  autoApprove?: boolean;
  parallelism?: number;
  format?: string;
  json?: boolean;
  lockTimeout: number;
  target?: string[];
  adopt?: string[];
  strict?: boolean;
  engine?: string[];
}

export function registerApply(command: Command, ctx: CliContext): void {
  command
    .argument('[planfile]', 'a plan saved by `netform plan --out`; refused if the engine changed since')
    .option('-f, --file <file>', 'spec file (repeatable; later files override earlier ones)', collect)
    .option('--target <name>', 'limit to this network, container or service (repeatable)', collect)
    .option('--adopt <network>', 'take over this unmanaged network by replacing it (repeatable)', collect)
    .option('--strict', 'a listed container that does not exist is an error');
  addEngineOption(addChangeSessionOptions(command)).action(
    async (planfile: string | undefined, options: ApplyOptions) => {
      const format = chosenFormat<ApplyFormat>(options);
      const cli: ChangeCommandOptions = {
        command: 'apply',
        autoApprove: options.autoApprove === true,
        format,
        lockTimeoutMs: options.lockTimeout,
        ...(options.parallelism !== undefined ? { parallelism: options.parallelism } : {}),
      };
      const source =
        planfile === undefined ? await specSource(ctx, options) : await savedSource(ctx, planfile, options);
      if ('desired' in source && acrossEngines(source.desired, options.engine)) {
        await applyAcrossEngines(ctx, source.desired, options.engine, source.planOptions ?? {}, cli);
        return;
      }
      if (planfile !== undefined && (options.engine?.length ?? 0) > 0) {
        throw new NetformError('--engine does not go with PLANFILE: a saved plan records its engines', {
          hint: 'to carry out a plan on some engines, make it with `netform plan --engine NAME --out FILE`',
        });
      }
      if ('fleetFile' in source) {
        await applySavedAcrossEngines(ctx, source.fleetFile, planfile!, cli);
        return;
      }
      const port = await ctx.docker();
      await runChangeCommand(ctx, cli, (session) => apply(port, source, session));
    },
  );
}

async function specSource(ctx: CliContext, options: ApplyOptions): Promise<ApplySource> {
  return { desired: await loadDesired(ctx, options.file), planOptions: planOptionsOf(options) };
}

async function savedSource(
  ctx: CliContext,
  planfile: string,
  options: ApplyOptions,
): Promise<ApplySource | { fleetFile: FleetPlanFile }> {
  if (
    (options.file?.length ?? 0) > 0 ||
    (options.target?.length ?? 0) > 0 ||
    (options.adopt?.length ?? 0) > 0 ||
    options.strict
  ) {
    throw new NetformError(
      'a saved plan is applied as it was made: -f, --target, --adopt and --strict do not go with PLANFILE',
      { hint: 'give them to `netform plan --out` instead (the plan file records them)' },
    );
  }
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
  if (looksLikeSpec(text)) {
    throw new NetformError(`${planfile} is a spec, not a saved plan`, {
      hint: `did you mean \`netform apply -f ${planfile}\`? (PLANFILE is a plan written by \`netform plan --out\`)`,
    });
  }
  const file = parseSavedPlanFile(text, planfile);
  return isFleetPlanFile(file) ? { fleetFile: file } : { planFile: file, fileName: planfile };
}

/** A YAML mapping with the top-level keys of a spec (docs/spec.md), and not a plan's JSON. */
function looksLikeSpec(text: string): boolean {
  let data: unknown;
  try {
    data = parseYaml(text, { maxAliasCount: 100 });
  } catch {
    return false;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data) || 'format' in data) return false;
  return ['version', 'networks', 'containers'].some((key) => key in data);
}
