import type { Command } from 'commander';
import { acquireLock, breakLock, describeHolder, findLocks, processLockOwner } from '../../apply/lock.js';
import { describeRestore, findRestorePoints, restoreInterruptedReplaces } from '../../apply/restore-point.js';
import { NetformError } from '../../model/errors.js';
import type { CliContext } from '../context.js';
import { loadDesired, requireOneEngine } from '../load-desired.js';
import { collect } from '../options.js';

interface UnlockOptions {
  file?: string[];
  project?: string;
  autoApprove?: boolean;
}

/**
 * `netform unlock`: breaks the project's lock on the engine, for a lock left by a run that was
 * killed. Shows the holder and asks first (on a terminal, unless --auto-approve). Then, holding
 * the lock itself, it restores what a replace interrupted by that kill left (src/apply/restore-point.ts).
 */
export function registerUnlock(command: Command, ctx: CliContext): void {
  command
    .option('-f, --file <file>', 'spec file naming the project (repeatable)', collect)
    .option('--project <name>', 'the project, instead of reading it from the spec')
    .option('--auto-approve', 'do not ask for confirmation (needed without a terminal)')
    .action(async (options: UnlockOptions) => {
      const project = options.project ?? (await specProject(ctx, options.file));
      const port = await ctx.docker();
      const leases = await findLocks(port, project);
      if (leases.length === 0) {
        ctx.io.stdout(`No lock is held for project ${project} on ${port.host}.\n`);
      } else {
        for (const lease of leases)
          ctx.io.stdout(`Lock of project ${project}: held by ${describeHolder(lease)}\n`);
        if (options.autoApprove !== true) {
          if (!ctx.io.stdinIsTTY) {
            throw new NetformError(
              'unlock needs confirmation and there is no terminal to ask on; the lock was kept',
              {
                hint: 'make sure that run is gone, then run again with --auto-approve',
              },
            );
          }
          const ok = await ctx.io.confirm(
            'Break it? Only do this if that run is no longer running: two runs at once can interleave. [y/N] ',
          );
          if (!ok) throw new NetformError('unlock cancelled; the lock was kept');
        }
        const removed = await breakLock(port, project);
        ctx.io.stdout(
          `Removed ${removed.length} lock${removed.length === 1 ? '' : 's'} of project ${project}.\n`,
        );
      }
      if ((await findRestorePoints(port, project)).length === 0) return;
      const lock = await acquireLock(port, project, processLockOwner('unlock'), { host: port.host });
      try {
        await restoreInterruptedReplaces(port, project, (report) => {
          ctx.io.stdout(`${describeRestore(report)}.\n`);
        });
      } finally {
        await lock.release();
      }
    });
}

/** The spec's project; a spec with engines: needs --host or --context to say which engine. */
async function specProject(ctx: CliContext, files: string[] | undefined): Promise<string> {
  const desired = await loadDesired(ctx, files);
  const { host, context } = ctx.globals();
  if (host === undefined && context === undefined) requireOneEngine(desired, 'unlock');
  return desired.project;
}
