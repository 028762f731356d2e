import { Option, type Command } from 'commander';
import { NetformError } from '../model/errors.js';

/**
 * Option helpers shared by the commands. Repeatable options take no default: commander would
 * print "(default: [])" in --help; an absent one is `undefined`.
 */
export const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new NetformError(`--parallelism must be a whole number of at least 1, not "${value}"`);
  }
  return n;
}

/** `90`, `90s`, `5m`, `1h`, `250ms` -> milliseconds; `option` names the option in the error. */
export function parseDuration(value: string, option = '--lock-timeout'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) {
    throw new NetformError(`${option} takes a duration such as 30s, 5m or 1h, not "${value}"`);
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] ?? 1000;
  return Math.round(Number(match[1]) * unit);
}

export function lockTimeoutOption(): Option {
  return new Option(
    '--lock-timeout <duration>',
    'wait this long for the project lock held by another run (e.g. 30s, 5m)',
  )
    .argParser((value: string) => parseDuration(value))
    .default(0, 'fail at once');
}

/** The options of a command that changes the engine (apply, destroy): confirmation, concurrency, output, lock. */
export function addChangeSessionOptions(command: Command): Command {
  return command
    .option('--auto-approve', 'do not ask for confirmation (needed without a terminal)')
    .option(
      '--parallelism <n>',
      'concurrent engine requests (default: per phase, see docs/apply.md)',
      parsePositiveInt,
    )
    .option('--json', 'print a machine-readable result on stdout')
    .addOption(lockTimeoutOption());
}
