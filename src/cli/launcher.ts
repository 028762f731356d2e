#!/usr/bin/env node
/**
 * The `netform` executable, dist/netform.js (package.json `bin`, built by scripts/bundle.mjs):
 * runs the CLI's bundle, dist/netform.cjs, with a V8 code cache in the user's cache dir
 * (src/cli/code-cache.ts; docs/architecture.md, "Start-up"). It imports nothing but node's own
 * modules, so it adds nothing to the start beyond reading the bundle and its cache.
 */
import { fileURLToPath } from 'node:url';
import { cacheCommand, codeCacheDir, codeCacheFile, loadBundle } from './code-cache.js';

/** Set by scripts/bundle.mjs: netform's version, the bundle's hash, and its commands' names. */
declare const NETFORM_BUNDLED_VERSION: string;
declare const NETFORM_BUNDLE_HASH: string;
declare const NETFORM_COMMAND_NAMES: readonly string[];

const argv = process.argv.slice(2);
const dir = codeCacheDir(process.env);
const cacheFile =
  dir === undefined
    ? undefined
    : codeCacheFile(dir, {
        netformVersion: NETFORM_BUNDLED_VERSION,
        bundleHash: NETFORM_BUNDLE_HASH,
        command: cacheCommand(argv, NETFORM_COMMAND_NAMES),
      });
const bundle = loadBundle(fileURLToPath(new URL('./netform.cjs', import.meta.url)), cacheFile);
const { main } = bundle.exports as { main: (argv: string[]) => Promise<number> };
process.exitCode = await main(argv);
bundle.saveCache();
