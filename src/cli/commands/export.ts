import type { Command } from 'commander';
import { NetformError } from '../../model/errors.js';
import type { CliContext } from '../context.js';

// Placeholder: replaced by the issue that builds `export`.
export function registerExport(program: Command, _ctx: CliContext): void {
  program
    .command('export')
    .description('not built yet')
    .action(() => {
      throw new NetformError('`netform export` is not built yet');
    });
}
