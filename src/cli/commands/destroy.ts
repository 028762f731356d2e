import type { Command } from 'commander';
import { NetformError } from '../../model/errors.js';
import type { CliContext } from '../context.js';

// Placeholder: replaced by the issue that builds `destroy`.
export function registerDestroy(program: Command, _ctx: CliContext): void {
  program
    .command('destroy')
    .description('not built yet')
    .action(() => {
      throw new NetformError('`netform destroy` is not built yet');
    });
}
