/**
 * The CLI's bundle, dist/netform.cjs (scripts/bundle.mjs): what the `netform` executable
 * (src/cli/launcher.ts) runs, compiled with its code cache (src/cli/code-cache.ts).
 */
import { COMMANDS } from './commands/index.js';

export { main } from './main.js';

/** The commands' names, each of which gets a code cache of its own. */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map((entry) => entry.name);
