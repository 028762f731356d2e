import { Option, type Command } from 'commander';
import { APPLY_FORMATS } from '../apply/report.js';
import { NetformError } from '../model/errors.js';
import type { PlanOptions } from '../model/plan.js';

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

/** `--format` with these choices and `--json` as its shorthand. */
export function addFormatOptions(command: Command, formats: readonly string[], what: string): Command {
  return command
    .addOption(new Option('--format <format>', `print ${what} as`).choices([...formats]).default('text'))
    .option('--json', 'shorthand for --format json');
}

/** The format asked for: `--json` is `--format json`; the two may not disagree. */
export function chosenFormat<F extends string>(options: { format?: string; json?: boolean }): F {
  const format = options.format ?? 'text';
  if (options.json === true) {
    if (format !== 'text' && format !== 'json') {
      throw new NetformError(`--json and --format ${format} disagree`, { hint: 'give one of them' });
    }
    return 'json' as F;
  }
  return format as F;
}

/** The options of a command that changes the engine (apply, destroy): confirmation, concurrency, output, lock. */
export function addChangeSessionOptions(command: Command): Command {
  command
    .option('--auto-approve', 'do not ask for confirmation (needed without a terminal)')
    .option(
      '--parallelism <n>',
      'concurrent engine requests (default: per phase, see docs/apply.md)',
      parsePositiveInt,
    );
  return addFormatOptions(command, APPLY_FORMATS, 'the plan and result').addOption(lockTimeoutOption());
}

/** The plan options given on the command line, as `plan` and `apply` take them. */
export function planOptionsOf(options: {
  target?: string[];
  adopt?: string[];
  strict?: boolean;
}): PlanOptions {
  return {
    ...(options.target?.length ? { targets: options.target } : {}),
    ...(options.adopt?.length ? { adopt: options.adopt } : {}),
    ...(options.strict ? { strict: true } : {}),
  };
}
