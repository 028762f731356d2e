import type { CliIO } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';

export interface MainResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in-process (`main()`), as a non-terminal would: no TTYs, NO_COLOR, every question
 * answered no; what it prints is captured. `env` is the whole environment the CLI sees (on top of
 * NO_COLOR), `cwd` its directory (default: the test's).
 */
export async function runMain(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<MainResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdinIsTTY: false,
    env: { NO_COLOR: '1', ...options.env },
    cwd: options.cwd ?? process.cwd(),
    confirm: () => Promise.resolve(false),
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}
