import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cacheCommand,
  codeCacheDir,
  codeCacheFile,
  loadBundle,
  type CodeCacheKey,
} from '../../../src/cli/code-cache.js';
import { sourceMappedStack } from '../../../src/cli/stack.js';

/*
 * The code cache of the CLI's bundle (docs/architecture.md, "Start-up"): used when V8 takes it,
 * written when there was none or V8 refused it, and never a reason for a command to fail.
 * test/engine/bundle.test.ts runs the built `netform` with it.
 */
const dir = mkdtempSync(join(tmpdir(), 'netform-code-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/**
 * A CommonJS file like the bundle: a function to call after loading, and a require of node's own.
 * Each call writes a file of its own name: V8 keeps what it compiled in this process by source
 * and name, and would answer a second compile of the same file from that, never reading the cache.
 */
function bundleFile(body = ''): string {
  const file = join(dir, `bundle-${files++}.cjs`);
  writeFileSync(
    file,
    [
      "'use strict';",
      "const { join } = require('node:path');",
      `module.exports = { twice: (n) => n * 2, where: () => join(__dirname, 'x'), self: __filename, thisIsExports: this === exports };`,
      body,
    ].join('\n'),
  );
  return file;
}

const key = (command: string, bundleHash = '0123456789abcdef'): CodeCacheKey => ({
  netformVersion: '9.9.9',
  bundleHash,
  command,
});

describe('loadBundle', () => {
  it('runs the file as CommonJS: module.exports, require, __filename, __dirname, this', () => {
    const file = bundleFile();
    const loaded = loadBundle(file, undefined);
    const exports = loaded.exports as {
      twice: (n: number) => number;
      where: () => string;
      self: string;
      thisIsExports: boolean;
    };
    expect(exports.twice(21)).toBe(42);
    expect(exports.where()).toBe(join(dir, 'x'));
    expect(exports.self).toBe(file);
    expect(exports.thisIsExports).toBe(true);
    expect(loaded.cache).toBe('none');
    expect(loaded.saveCache()).toBe(false);
  });

  it('writes the cache after the first load, uses it at the next, and does not write it again', () => {
    const file = bundleFile();
    const cacheFile = codeCacheFile(join(dir, 'cache-a', 'netform'), key('plan'));
    const first = loadBundle(file, cacheFile);
    expect(first.cache).toBe('none');
    expect(first.saveCache()).toBe(true);
    const written = readFileSync(cacheFile);
    expect(written.length).toBeGreaterThan(0);
    expect(statSync(join(dir, 'cache-a', 'netform')).mode & 0o777).toBe(0o700);

    const second = loadBundle(bundleFile(), cacheFile);
    expect(second.cache).toBe('used');
    expect((second.exports as { twice: (n: number) => number }).twice(4)).toBe(8);
    expect(second.saveCache()).toBe(false);
    expect(readFileSync(cacheFile).equals(written)).toBe(true);
  });

  it('replaces a cache V8 refuses (garbage, or made for another source)', () => {
    const file = bundleFile();
    const cacheFile = codeCacheFile(join(dir, 'cache-b'), key('validate'));
    const made = loadBundle(file, cacheFile);
    made.saveCache();

    writeFileSync(cacheFile, 'not a code cache at all, not even close');
    const garbage = loadBundle(bundleFile(), cacheFile);
    expect(garbage.cache).toBe('rejected');
    expect((garbage.exports as { twice: (n: number) => number }).twice(1)).toBe(2);
    expect(garbage.saveCache()).toBe(true);
    expect(loadBundle(bundleFile(), cacheFile).cache).toBe('used');

    // Another file's cache (a different length of source): V8 checks the source and refuses it.
    const other = bundleFile('module.exports.more = "a longer source than the first";');
    const mismatched = loadBundle(other, cacheFile);
    expect(mismatched.cache).toBe('rejected');
    expect((mismatched.exports as { more: string }).more).toMatch(/longer/);
  });

  it('a cache dir that cannot be made or written only means no cache', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');
    const cacheFile = codeCacheFile(join(blocker, 'netform'), key('plan'));
    const loaded = loadBundle(bundleFile(), cacheFile);
    expect(loaded.cache).toBe('none');
    expect(loaded.saveCache()).toBe(false);
    expect((loaded.exports as { twice: (n: number) => number }).twice(3)).toBe(6);
  });

  it("removes other bundles' cache files when it writes one, and keeps its own commands'", () => {
    const cacheDir = join(dir, 'cache-c');
    const file = bundleFile();
    loadBundle(file, codeCacheFile(cacheDir, key('plan', 'oldbuild0000000'))).saveCache();
    loadBundle(file, codeCacheFile(cacheDir, key('cli'))).saveCache();
    writeFileSync(join(cacheDir, 'unrelated.txt'), 'kept');
    loadBundle(file, codeCacheFile(cacheDir, key('plan'))).saveCache();
    expect(readdirSync(cacheDir).sort()).toEqual([
      'unrelated.txt',
      `v8-9.9.9-node${process.versions.node}-${process.arch}-0123456789abcdef-cli.bin`,
      `v8-9.9.9-node${process.versions.node}-${process.arch}-0123456789abcdef-plan.bin`,
    ]);
  });

  it("keeps the file's own line numbers in stacks, which the source map maps to src/", () => {
    const file = join(dir, 'thrower.cjs');
    writeFileSync(file, "'use strict';\n\nmodule.exports = () => {\n  throw new Error('boom');\n};\n");
    const thrower = loadBundle(file, undefined).exports as () => void;
    let stack = '';
    try {
      thrower();
    } catch (error) {
      stack = (error as Error).stack ?? '';
    }
    expect(stack).toContain(`${file}:4:9`);
    // A map beside the file: its line 4 comes from src/x.ts line 1 ("AAAA" on the fourth line).
    writeFileSync(
      `${file}.map`,
      JSON.stringify({ version: 3, sources: ['src/x.ts'], names: [], mappings: ';;;AAAA', sourceRoot: '' }),
    );
    expect(sourceMappedStack(stack)).toContain(`${join(dir, 'src', 'x.ts')}:1:`);
  });
});

describe('codeCacheDir', () => {
  it('XDG_CACHE_HOME when absolute, else ~/.cache', () => {
    expect(codeCacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe('/x/cache/netform');
    expect(codeCacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/home/u' })).toBe('/home/u/.cache/netform');
    expect(codeCacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/netform');
    expect(codeCacheDir({ HOME: 'relative/home' })).toBeUndefined();
  });
});

describe('cacheCommand', () => {
  const commands = ['validate', 'plan', 'apply'];
  it('the first argument that names a command, else cli', () => {
    expect(cacheCommand(['plan', '-f', 'x.yaml'], commands)).toBe('plan');
    expect(cacheCommand(['--host', 'unix:///s', 'apply', '--auto-approve'], commands)).toBe('apply');
    expect(cacheCommand(['--version'], commands)).toBe('cli');
    expect(cacheCommand(['help'], commands)).toBe('cli');
    expect(cacheCommand(['--', 'plan'], commands)).toBe('cli');
    expect(cacheCommand([], commands)).toBe('cli');
  });
});
