import { Command, CommanderError, Option } from 'commander';
import { createInterface } from 'node:readline/promises';
import type { Logger } from 'pino';
import { printable } from '../core/printable.js';
import { NetformError } from '../model/errors.js';
import type { DockerPort } from '../model/port.js';
import { NETFORM_VERSION } from '../version.js';
import { registerApply } from './commands/apply.js';
import { registerDestroy } from './commands/destroy.js';
import { registerExport } from './commands/export.js';
import { registerPlan } from './commands/plan.js';
import { registerUnlock } from './commands/unlock.js';
import { registerValidate } from './commands/validate.js';
import { registerWatch } from './commands/watch.js';
import type { CliContext, CliIO, GlobalOptions } from './context.js';
import { createLogger, defaultLogLevel } from './logger.js';

export function processIO(): CliIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    stdinIsTTY: process.stdin.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
    confirm: async (question, signal) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = await rl.question(question, signal ? { signal } : {});
        return /^(y|yes)$/i.test(answer.trim());
      } catch (error) {
        // readline rejects with an AbortError on Ctrl-C at the prompt or when `signal` aborts
        // (SIGTERM, SIGINT from outside): that is a "no".
        if (error instanceof Error && error.name === 'AbortError') return false;
        throw error;
      } finally {
        rl.close();
      }
    },
  };
}

/**
 * The CLI: parses arguments, runs one command, and is the one place that turns errors into
 * messages and exit codes. Returns the exit code instead of exiting, so tests can call it.
 */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let exitCode = 0;
  let logger: Logger | undefined;
  let docker: Promise<DockerPort> | undefined;

  const program = new Command('netform')
    .description('Declarative network-as-code for Docker: validate, plan, apply and verify.')
    .version(NETFORM_VERSION, '-V, --version')
    .option(
      '-H, --host <url>',
      'engine address: unix://, tcp://, ssh:// (default: DOCKER_HOST, then the docker context, then the local socket)',
    )
    .option(
      '-c, --context <name>',
      'docker context to reach the engine through (default: DOCKER_CONTEXT, then the docker CLI current context)',
    )
    .addOption(
      new Option('--log-level <level>', 'pino log level on stderr (default: warn; info for watch)').choices([
        'trace',
        'debug',
        'info',
        'warn',
        'error',
        'fatal',
        'silent',
      ]),
    )
    .addOption(
      new Option('--log-format <format>', 'log format on stderr').choices(['json', 'pretty']).default('json'),
    )
    .option('--no-color', 'no colour in output (also when NO_COLOR is set)')
    .option('--debug', 'print stack traces for errors')
    .showHelpAfterError('(run `netform --help` for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });

  // The command being run decides the default log level (defaultLogLevel).
  let command: string | undefined;
  program.hook('preAction', (_program, action) => {
    command = action.name();
  });

  const globals = (): GlobalOptions => {
    const o = program.opts<{
      host?: string;
      context?: string;
      logLevel?: string;
      logFormat: 'json' | 'pretty';
      color: boolean;
      debug?: boolean;
    }>();
    return {
      host: o.host,
      context: o.context,
      logLevel: o.logLevel ?? defaultLogLevel(command),
      logFormat: o.logFormat,
      color: o.color && io.stdoutIsTTY && !('NO_COLOR' in io.env && io.env.NO_COLOR !== ''),
      debug: o.debug === true,
    };
  };

  const ctx: CliContext = {
    io,
    globals,
    logger: () => (logger ??= createLogger(globals())),
    docker: () => {
      docker ??= import('../docker/connect.js').then(({ connectDocker }) =>
        connectDocker({
          host: globals().host,
          context: globals().context,
          env: io.env,
          logger: ctx.logger(),
        }),
      );
      return docker;
    },
    setExitCode: (code) => {
      exitCode = code;
    },
  };

  for (const register of [
    registerValidate,
    registerPlan,
    registerApply,
    registerExport,
    registerDestroy,
    registerUnlock,
    registerWatch,
  ]) {
    register(program, ctx);
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    exitCode = reportError(error, io, globals().debug);
  } finally {
    if (docker) await docker.then((d) => d.close()).catch(() => undefined);
    logger?.flush();
  }
  return exitCode;
}

function reportError(error: unknown, io: CliIO, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has already printed usage errors; --help and --version exit 0.
    return error.exitCode === 0 ? 0 : 1;
  }
  if (error instanceof NetformError) {
    // Messages carry names and the engine's words: escaped, never acted on (src/core/printable.ts).
    io.stderr(`error: ${printable(error.message)}\n`);
    if (error.hint) io.stderr(`  ${printable(error.hint)}\n`);
    if (debug && error.stack) io.stderr(`${error.stack}\n`);
    return error.exitCode;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr(
    `internal error: this is a bug in netform ${NETFORM_VERSION}. Please report it with the command you ran ` +
      `and this output:\n${stack}\n`,
  );
  return 1;
}
