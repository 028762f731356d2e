import { fileURLToPath } from 'node:url';
import { run, type CommandResult } from './engine.js';

/** The built CLI, package.json's `bin`: the bundle scripts/bundle.mjs writes. */
export const CLI_BIN = fileURLToPath(new URL('../../dist/netform.js', import.meta.url));

/**
 * Runs the real, built CLI (`dist/netform.js`, the bundle `npm run build` makes) as a user would. The engine project's
 * global setup builds dist/ first; for unit tests run `npm run build` or use main() in-process.
 */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return run(process.execPath, [CLI_BIN, ...args], {
    ...options,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
  });
}
