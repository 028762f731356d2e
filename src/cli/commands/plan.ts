import type { Command } from 'commander';
import { NetformError } from '../../model/errors.js';
import type { CliContext } from '../context.js';

// Placeholder: replaced by the issue that builds `plan`.
export function registerPlan(program: Command, _ctx: CliContext): void {
  program
    .command('plan')
    .description('not built yet')
    .action(() => {
      throw new NetformError('`netform plan` is not built yet');
    });
}
