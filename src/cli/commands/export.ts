import { printable } from '../../core/printable.js';
import type { Command } from 'commander';
import { exportSpec, renderExportYaml } from '../../core/export.js';
import type { CliContext } from '../context.js';
import { collect } from '../options.js';

interface ExportCommandOptions {
  project?: string;
  network?: string[];
}

// No default ([]): commander would print "(default: [])" in --help.

export function registerExport(command: Command, ctx: CliContext): void {
  command
    .option('--project <project>', "only this project's managed networks")
    .option('--network <name>', 'only this network, by exact name (repeatable)', collect)
    .action(async (options: ExportCommandOptions) => {
      const docker = await ctx.docker();
      const observed = await docker.observe();
      const result = exportSpec(observed, {
        ...(options.project !== undefined && { project: options.project }),
        networks: options.network ?? [],
      });
      const header =
        `Exported by netform from ${docker.host} (Docker ${observed.engine.version}, API ${observed.engine.apiVersion}).\n` +
        '`netform plan` with this file against the same engine shows no change.';
      for (const warning of result.warnings) ctx.io.stderr(`warning: ${printable(warning)}\n`);
      ctx.io.stdout(renderExportYaml(result, header));
    });
}
