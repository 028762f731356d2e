/**
 * The CLI's bundle, dist/netform.cjs (scripts/bundle.mjs): what the `netform` executable
 * (src/cli/launcher.ts) runs, compiled with its code cache (src/cli/code-cache.ts).
 */
export { main } from './main.js';
