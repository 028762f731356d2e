import type { Command } from 'commander';
import { NetformError } from '../../model/errors.js';
import type { CliContext } from '../context.js';

// Placeholder: replaced by the issue that builds `apply`.
export function registerApply(program: Command, _ctx: CliContext): void {
  program
    .command('apply')
    .description('not built yet')
    .action(() => {
      throw new NetformError('`netform apply` is not built yet');
    });
}
