import { fileURLToPath } from 'node:url';
import { run, type CommandResult } from './engine.js';

const BIN = fileURLToPath(new URL('../../bin/netform.js', import.meta.url));

/**
 * Runs the real, built CLI (`bin/netform.js` over `dist/`) as a user would. The engine project's
 * global setup builds dist/ first; for unit tests run `npm run build` or use main() in-process.
 */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return run(process.execPath, [BIN, ...args], {
    ...options,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
  });
}
