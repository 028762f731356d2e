import { Option, type Command } from 'commander';
import { NetformError } from '../../model/errors.js';
import { DEFAULT_LISTEN, parseListenAddress } from '../../watch/http.js';
import type { WatchMode } from '../../watch/reconcile.js';
import type { CliContext } from '../context.js';
import { loadDesired } from '../load-desired.js';
import { collect, parseDuration } from '../options.js';
import { exitCodeOf } from '../signal-stop.js';

interface WatchCommandOptions {
  file?: string[];
  mode: WatchMode;
  interval: number;
  debounce: number;
  listen: string;
}

/** Shortest `--interval`: a resync needs a moment of the engine's time. */
const MIN_INTERVAL_MS = 1_000;

export function registerWatch(command: Command, ctx: CliContext): void {
  command
    .option(
      '-f, --file <file>',
      'spec file, default netform.yaml (repeatable; later files override earlier ones); watched for changes',
      collect,
    )
    .addOption(
      new Option('--mode <mode>', 'enforce: plan and apply as `apply --auto-approve`; report: plan only')
        .choices(['enforce', 'report'])
        .default('enforce'),
    )
    .addOption(
      new Option('--interval <duration>', 'full resync this long after the last reconcile (e.g. 30s, 5m)')
        .argParser((value: string) =>
          atLeast(parseDuration(value, '--interval'), MIN_INTERVAL_MS, '--interval'),
        )
        .default(5 * 60_000, '5m'),
    )
    .addOption(
      new Option('--debounce <duration>', 'reconcile once engine events have been quiet this long')
        .argParser((value: string) => parseDuration(value, '--debounce'))
        .default(500, '500ms'),
    )
    .addOption(
      new Option('--listen <addr>', 'HOST:PORT serving /healthz, /readyz, /plan and /metrics')
        .argParser((value: string) => (parseListenAddress(value), value))
        .default(DEFAULT_LISTEN),
    )
    .action(async (options: WatchCommandOptions) => {
      // At info unless --log-level says otherwise: defaultLogLevel in src/cli/logger.ts.
      const logger = await ctx.logger();
      const desired = await loadDesired(ctx, options.file);
      const { startWatch } = await import('../../watch/controller.js');
      const watcher = await startWatch({
        files: options.file ?? [],
        cwd: ctx.io.cwd,
        spec: desired,
        mode: options.mode,
        intervalMs: options.interval,
        debounceMs: options.debounce,
        listen: options.listen,
        host: ctx.globals().host,
        env: ctx.io.env,
        logger,
      });
      await untilStopSignal();
      await watcher.stop();
    });
}

/**
 * Resolves on the first SIGTERM or SIGINT; the watch then stops as docs/watch.md says (the
 * reconcile in flight finishes, exit 0). A second one exits at once.
 */
function untilStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = (): void => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      const now = (second: NodeJS.Signals): never => process.exit(exitCodeOf(second));
      process.once('SIGINT', now);
      process.once('SIGTERM', now);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

function atLeast(ms: number, min: number, option: string): number {
  if (ms < min) throw new NetformError(`${option} must be at least ${min / 1000} s`);
  return ms;
}
