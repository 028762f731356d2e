import { pino, type Logger } from 'pino';
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
 * pino on stderr: JSON lines by default (for pipelines), pino-pretty with --log-format pretty.
 * Results go to stdout, never through the logger.
 */
export function createLogger(options: GlobalOptions): Logger {
  if (options.logFormat === 'pretty') {
    return pino({
      level: options.logLevel,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: options.color } },
    });
  }
  return pino(
    { level: options.logLevel, base: { name: 'netform' } },
    pino.destination({ fd: 2, sync: true }),
  );
}
