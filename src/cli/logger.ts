import { pino, type Logger } from 'pino';
import type { GlobalOptions } from './context.js';

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
