import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { run, type CommandResult } from './engine.js';
import { runMain } from './run-main.js';

/** The built CLI, package.json's `bin`: the bundle scripts/bundle.mjs writes. */
export const CLI_BIN = fileURLToPath(new URL('../../dist/netform.js', import.meta.url));

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the CLI's stdin: needs a process of its own. */
  input?: string;
  /** Kills the process after this long: needs a process of its own. */
  timeoutMs?: number;
  /**
   * Runs the built bundle in a process of its own (what the `netform` command is), instead of
   * main() in this test's process. Needed where the test reads the logger's lines (pino writes to
   * file descriptor 2, not through main()'s I/O), races processes against each other, or is about
   * the bundle itself.
   */
  process?: boolean;
}

/**
 * Runs the CLI as a user would: its argument parsing, commands, rendering and exit codes, against
 * the engine DOCKER_HOST names (or `env`'s). By default this is main(), the function the bundle's
 * entry calls (src/cli/bin.ts), in this test's process: the same code, without a new Node.js
 * start per command, which is most of a short command's CPU and was the largest share of the
 * engine suite's (docs/engines.md, "The engine matrix"). `process: true`, stdin `input`, a
 * `timeoutMs`, or NETFORM_TEST_CLI=process for every call, run the built bundle (dist/netform.js,
 * what `npm run build` makes) in a child process instead.
 */
export function runCli(args: string[], options: CliOptions = {}): Promise<CommandResult> {
  const env = { ...process.env, NO_COLOR: '1', ...options.env };
  const inProcess =
    !options.process &&
    options.input === undefined &&
    options.timeoutMs === undefined &&
    process.env.NETFORM_TEST_CLI !== 'process';
  if (inProcess) return runMain(args, { env, ...(options.cwd !== undefined ? { cwd: options.cwd } : {}) });
  return run(process.execPath, [CLI_BIN, ...args], { ...options, env });
}

/** runCli in a process of its own, always: the built bundle, as the `netform` command runs. */
export function runBundle(args: string[], options: Omit<CliOptions, 'process'> = {}): Promise<CommandResult> {
  return runCli(args, { ...options, process: true });
}

/**
 * Starts the built bundle in a process of its own and returns at once, for a test that stops,
 * kills or signals it midway: the child, its output so far, and its exit code once it exits.
 */
export function startBundle(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): { child: ChildProcess; output: { stdout: string; stderr: string }; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
    ...(cwd !== undefined ? { cwd } : {}),
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output, exited };
}

/**
 * Runs the built bundle and, the first time its log so far (stderr) satisfies `when`, sends it
 * `signals`, all at once, in that order; resolves once it has exited, with its exit code (null when
 * a signal ended it) and its whole output. For a test of what a signal does midway through an
 * apply: `when` waits for the work to have started (a log line of a finished operation).
 */
export async function signalBundleWhen(
  args: string[],
  when: (stderr: string) => boolean,
  signals: NodeJS.Signals[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { child, output, exited } = startBundle(args, options.env ?? {}, options.cwd);
  let sent = false;
  // After startBundle's own listener, so `output.stderr` already has the chunk.
  child.stderr?.on('data', () => {
    if (sent || !when(output.stderr)) return;
    sent = true;
    for (const signal of signals) child.kill(signal);
  });
  const code = await exited;
  return { code, stdout: output.stdout, stderr: output.stderr };
}
