import { Command, CommanderError, Help, Option } from 'commander';
import { createInterface } from 'node:readline/promises';
import type { Logger } from 'pino';
import { printable } from '../core/printable.js';
import { NetformError } from '../model/errors.js';
import type { DockerPort } from '../model/port.js';
import { NETFORM_VERSION } from '../version.js';
import { COMMANDS, type CommandEntry } from './commands/index.js';
import type { CliContext, CliIO, GlobalOptions } from './context.js';
import { createLogger, defaultLogLevel } from './logger.js';
import { sourceMappedStack } from './stack.js';

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
  let logger: Promise<Logger> | undefined;
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
    // pino is loaded on first use: `validate --offline` never logs, and does not load it.
    logger: () => (logger ??= createLogger(globals())),
    docker: () => {
      docker ??= Promise.all([import('../docker/connect.js'), ctx.logger()]).then(
        ([{ connectDocker }, log]) =>
          connectDocker({
            host: globals().host,
            context: globals().context,
            env: io.env,
            logger: log,
          }),
      );
      return docker;
    },
    setExitCode: (code) => {
      exitCode = code;
    },
  };

  // Every command is listed (for --help and "unknown command" hints) from the small table in
  // src/cli/commands/index.ts; only the one that runs is loaded, just before commander parses
  // its options (docs/architecture.md, "Start-up").
  const entries = new Map<Command, CommandEntry>();
  const loaded = new Set<Command>();
  const load = async (command: Command): Promise<void> => {
    const entry = entries.get(command);
    if (!entry || loaded.has(command)) return;
    loaded.add(command);
    const register = await entry.load();
    register(command, ctx);
  };
  for (const entry of COMMANDS) entries.set(program.command(entry.name).description(entry.summary), entry);
  const terms = new Map(COMMANDS.map((entry) => [entry.name, entry.term]));
  program.configureHelp({
    subcommandTerm: (command) => terms.get(command.name()) ?? new Help().subcommandTerm(command),
  });
  program.hook('preSubcommand', (_program, command) => load(command));
  // `netform help COMMAND` prints the command's help without running a hook: load it first.
  const help = helpTopic(program, argv);
  if (help !== undefined) {
    const command = program.commands.find((c) => c.name() === help);
    if (command) await load(command);
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    exitCode = reportError(error, io, globals().debug);
  } finally {
    if (docker) await docker.then((d) => d.close()).catch(() => undefined);
    if (logger) await logger.then((l) => l.flush()).catch(() => undefined);
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
  // The bundle's lines mean nothing to a reader: name the src/ files (src/cli/stack.ts).
  const stack = error instanceof Error ? sourceMappedStack(error.stack ?? error.message) : String(error);
  io.stderr(
    `internal error: this is a bug in netform ${NETFORM_VERSION}. Please report it with the command you ran ` +
      `and this output:\n${stack}\n`,
  );
  return 1;
}

/**
 * The command named after `help` (`netform help validate`), if that is what argv asks for:
 * the first operand, skipping the program's options and the values they take.
 */
function helpTopic(program: Command, argv: readonly string[]): string | undefined {
  const operands: string[] = [];
  for (let i = 0; i < argv.length && operands.length < 2; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-') {
      operands.push(arg);
      continue;
    }
    if (arg.includes('=')) continue;
    const option = program.options.find((o) => o.long === arg || o.short === arg);
    if (option?.required) i++;
  }
  return operands[0] === 'help' ? operands[1] : undefined;
}
