import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { Script } from 'node:vm';

/*
 * A V8 code cache for the CLI's bundle (docs/architecture.md, "Start-up"). Node 20 has no
 * `module.enableCompileCache` (Node 22.1+), and its ESM loader takes no cached data, so the CLI is
 * bundled as one CommonJS file (dist/netform.cjs) that the `netform` executable compiles here
 * with `vm.Script`, handing V8 the code it compiled last time. The cache is written after a
 * command has run (`script.createCachedData()`), so it holds the bytecode of every function that
 * command ran, not only the bundle's top level, one file per command. Anything wrong with the
 * cache (no HOME, a cache dir that cannot be made or written, a file V8 rejects) only means
 * compiling from source, as without a cache; it never fails the command.
 */

/** What names one cache file: the bundle's content, netform's and Node's versions, the command. */
export interface CodeCacheKey {
  netformVersion: string;
  /** Hash of the bundle's content, computed when it was built (scripts/bundle.mjs). */
  bundleHash: string;
  /** The command the arguments name (`plan`), or `cli` for the rest (`--version`, `--help`). */
  command: string;
}

/** `$XDG_CACHE_HOME/netform`, else `~/.cache/netform`; undefined when neither can be named. */
export function codeCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'netform');
  let home = env.HOME;
  if (!home) {
    try {
      home = homedir();
    } catch {
      return undefined;
    }
  }
  return home && isAbsolute(home) ? join(home, '.cache', 'netform') : undefined;
}

/** Every cache file's name starts with this; the rest of the name is its key. */
const PREFIX = 'v8-';

/**
 * The cache file's name. V8 itself rejects data made by another V8 version or with other flags,
 * and checks the source's length only: the bundle's hash in the name keeps a rebuilt bundle of the
 * same length from being paired with the old one's code.
 */
export function codeCacheFile(dir: string, key: CodeCacheKey): string {
  return join(dir, `${keyPrefix(key)}${key.command}.bin`);
}

function keyPrefix(key: CodeCacheKey): string {
  return `${PREFIX}${key.netformVersion}-node${process.versions.node}-${process.arch}-${key.bundleHash}-`;
}

/** The command whose cache fits these arguments: the first of `commands` among them, else `cli`. */
export function cacheCommand(argv: readonly string[], commands: readonly string[]): string {
  for (const arg of argv) {
    if (arg === '--') break;
    if (commands.includes(arg)) return arg;
  }
  return 'cli';
}

export interface LoadedBundle {
  /** The bundle's `module.exports`. */
  exports: unknown;
  /**
   * 'used' when V8 took the cached code, 'rejected' when it refused it, 'none' when there was no
   * cache file to read (or no cache dir).
   */
  cache: 'used' | 'rejected' | 'none';
  /**
   * Writes the cache for the next start if this one had none or V8 refused it: the code of every
   * function run so far. Best effort: returns whether a file was written, never throws.
   */
  saveCache: () => boolean;
}

/** CommonJS's wrapper, on a line of its own so that the bundle's lines keep their numbers. */
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {\n';
const WRAPPER_TAIL = '\n})';

/**
 * Compiles and runs the CommonJS file `file` as node's `require` would, with the code cache in
 * `cacheFile` (none when undefined). Stack frames name `file` and its own line numbers, so
 * src/cli/stack.ts maps them with the bundle's source map.
 */
export function loadBundle(file: string, cacheFile: string | undefined): LoadedBundle {
  const source = readFileSync(file, 'utf8');
  const cachedData = cacheFile === undefined ? undefined : readCache(cacheFile);
  const script = new Script(`${WRAPPER_HEAD}${source}${WRAPPER_TAIL}`, {
    filename: file,
    lineOffset: -1,
    ...(cachedData ? { cachedData } : {}),
  });
  const cache = !cachedData ? 'none' : script.cachedDataRejected === true ? 'rejected' : 'used';
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: { exports: unknown },
    filename: string,
    dirname: string,
  ) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  let saved = false;
  return {
    exports: module.exports,
    cache,
    saveCache: () => {
      if (cacheFile === undefined || cache === 'used' || saved) return false;
      saved = true;
      return writeCache(cacheFile, script);
    },
  };
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Writes the cache next to a temporary name and renames it into place, so that a start running
 * at the same time reads a whole file or none. Removes the cache files of other bundles (an older
 * build or version), whose keys no start will ask for again.
 */
function writeCache(file: string, script: Script): boolean {
  const dir = dirname(file);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
    renameSync(temporary, file);
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing was written, or it cannot be removed either.
    }
    return false;
  }
  try {
    // The key's part of the name: all but the command.
    const current = file.slice(dir.length + 1, file.lastIndexOf('-') + 1);
    for (const name of readdirSync(dir)) {
      if (name.startsWith(PREFIX) && name.endsWith('.bin') && !name.startsWith(current)) {
        rmSync(join(dir, name), { force: true });
      }
    }
  } catch {
    // Another start removed them first, or the dir cannot be listed: nothing lost.
  }
  return true;
}
