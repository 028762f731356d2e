import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ApplyFormat } from '../../apply/report.js';
import { apply, type ApplySource } from '../../apply/session.js';
import { parsePlanFile } from '../../core/plan-file.js';
import { NetformError } from '../../model/errors.js';
import { runChangeCommand } from '../change-session.js';
import type { CliContext } from '../context.js';
import { loadDesired } from '../load-desired.js';
import { addChangeSessionOptions, chosenFormat, collect, planOptionsOf } from '../options.js';

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
    const format = chosenFormat<ApplyFormat>(options);
    const source =
      planfile === undefined ? await specSource(ctx, options) : await savedSource(ctx, planfile, options);
    const port = await ctx.docker();
    await runChangeCommand(
      ctx,
      {
        command: 'apply',
        autoApprove: options.autoApprove === true,
        format,
        lockTimeoutMs: options.lockTimeout,
        ...(options.parallelism !== undefined ? { parallelism: options.parallelism } : {}),
      },
      (session) => apply(port, source, session),
    );
  });
}

async function specSource(ctx: CliContext, options: ApplyOptions): Promise<ApplySource> {
  return { desired: await loadDesired(ctx, options.file), planOptions: planOptionsOf(options) };
}

async function savedSource(ctx: CliContext, planfile: string, options: ApplyOptions): Promise<ApplySource> {
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
    text = await readFile(resolve(ctx.io.cwd, planfile), 'utf8');
  } catch (error) {
    throw new NetformError(`cannot read the plan file ${planfile}: ${(error as Error).message}`, {
      hint: 'write one with `netform plan --out FILE`',
    });
  }
  return { planFile: parsePlanFile(text, planfile), fileName: planfile };
}
