import type { Command } from 'commander';
import type { ApplyFormat } from '../../apply/report.js';
import { destroy } from '../../apply/session.js';
import { runChangeCommand, type ChangeCommandOptions } from '../change-session.js';
import type { CliContext } from '../context.js';
import { acrossEngines, addEngineOption, destroyAcrossEngines } from '../fleet.js';
import { NetformError } from '../../model/errors.js';
import { loadDesired } from '../load-desired.js';
import { addChangeSessionOptions, chosenFormat, collect } from '../options.js';

interface DestroyOptions {
  file?: string[];
  project?: string;
  autoApprove?: boolean;
  parallelism?: number;
  format?: string;
  json?: boolean;
  lockTimeout: number;
  engine?: string[];
}

/**
 * `netform destroy`: removes every network the project manages (endpoints disconnected first),
 * after showing the plan. The library's `destroy()` session does the work (src/apply/session.ts).
 */
export function registerDestroy(command: Command, ctx: CliContext): void {
  command
    .option('-f, --file <file>', 'spec file naming the project (repeatable)', collect)
    .option('--project <name>', 'the project, instead of reading it from the spec');
  addEngineOption(addChangeSessionOptions(command)).action(async (options: DestroyOptions) => {
    const format = chosenFormat<ApplyFormat>(options);
    const cli: ChangeCommandOptions = {
      command: 'destroy',
      autoApprove: options.autoApprove === true,
      format,
      lockTimeoutMs: options.lockTimeout,
      ...(options.parallelism !== undefined ? { parallelism: options.parallelism } : {}),
    };
    const desired = options.project === undefined ? await loadDesired(ctx, options.file) : undefined;
    if (desired && acrossEngines(desired, options.engine)) {
      await destroyAcrossEngines(ctx, desired, options.engine, cli);
      return;
    }
    if ((options.engine?.length ?? 0) > 0) {
      throw new NetformError('--engine needs the spec that names the engines (-f FILE), not --project');
    }
    const project = options.project ?? desired!.project;
    const port = await ctx.docker();
    await runChangeCommand(ctx, cli, (session) => destroy(port, project, session));
  });
}
