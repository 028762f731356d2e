import type { Logger } from 'pino';
import type { GlobalOptions } from './context.js';

/** Commands that run for long and whose progress is the log: `watch` (docs/apply.md, "Logs"). */
const LONG_RUNNING_COMMANDS: ReadonlySet<string> = new Set(['watch']);

/**
 * The log level when --log-level is not given, the same wherever the command runs: `warn` for the
 * one-shot commands (validate, plan, apply, destroy, export, unlock), whose results are on stdout
 * and whose logs would otherwise fill a CI log beside the plan; `info` for `watch`, whose log is
 * how it reports. --log-level overrides both.
 */
export function defaultLogLevel(command: string | undefined): 'warn' | 'info' {
  return command !== undefined && LONG_RUNNING_COMMANDS.has(command) ? 'info' : 'warn';
}

/**
 * pino on stderr: JSON lines by default (for pipelines), pino-pretty with --log-format pretty, both
 * synchronous so that nothing is lost when the process exits. Results go to stdout, never through
 * the logger. pino (and pino-pretty) are loaded here, on a command's first use of the logger, so
 * that `--version`, `--help` and `validate --offline` do not load them.
 */
export async function createLogger(options: GlobalOptions): Promise<Logger> {
  const { default: pino } = await import('pino');
  if (options.logFormat === 'pretty') {
    const { default: pretty } = await import('pino-pretty');
    return pino({ level: options.logLevel }, pretty({ destination: 2, colorize: options.color, sync: true }));
  }
  return pino(
    { level: options.logLevel, base: { name: 'netform' } },
    pino.destination({ fd: 2, sync: true }),
  );
}
