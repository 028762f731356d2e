import type { Command } from 'commander';
import { NetformError } from '../../model/errors.js';
import type { CliContext } from '../context.js';

// Placeholder: replaced by the issue that builds `validate`.
export function registerValidate(program: Command, _ctx: CliContext): void {
  program
    .command('validate')
    .description('not built yet')
    .action(() => {
      throw new NetformError('`netform validate` is not built yet');
    });
}
