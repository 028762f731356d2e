import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SHARED_BLOCKS } from '../support/blocks.js';
import { CLI_BIN } from '../support/cli.js';
import { EngineScope, networkNames, run } from '../support/engine.js';

/*
 * The `netform` executable as built (dist/netform.js running dist/netform.cjs with its V8 code
 * cache, docs/architecture.md "Start-up"), in processes of its own: the cache is written after a
 * first start and used after, and a missing, unwritable or refused cache, another cwd and a dist/
 * it must not write to change nothing of what the command does. The engine test: a plan on the
 * engine DOCKER_HOST names with no cache dir at all, read back as having created nothing.
 */
const scope = new EngineScope(inject('runId'), SHARED_BLOCKS.bundle);
const project = scope.name('bundle');
const dir = mkdtempSync(join(tmpdir(), 'netform-bundle-'));
const quickstart = join(dirname(CLI_BIN), '..', 'examples', 'quickstart', 'netform.yaml');

/** The built CLI in a process of its own, from `cwd` (default: a directory of the test's own). */
function netform(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { bin?: string; cwd?: string; node?: string[] } = {},
) {
  return run(process.execPath, [...(options.node ?? []), options.bin ?? CLI_BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    cwd: options.cwd ?? dir,
  });
}

const cacheFiles = (cacheHome: string): string[] => {
  try {
    return readdirSync(join(cacheHome, 'netform')).sort();
  } catch {
    return [];
  }
};

let version: string;
beforeAll(() => {
  version = (
    JSON.parse(readFileSync(join(dirname(CLI_BIN), '..', 'package.json'), 'utf8')) as { version: string }
  ).version;
});
afterAll(async () => {
  await scope.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('the code cache', () => {
  it('is written per command after the first start, then used without being written again', async () => {
    const cacheHome = join(dir, 'cache-used');
    const env = { XDG_CACHE_HOME: cacheHome };
    const first = await netform(['--version'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe(version);
    expect(cacheFiles(cacheHome)).toEqual([
      expect.stringMatching(new RegExp(`^v8-${version}-node.*-cli\\.bin$`)),
    ]);

    const validate = await netform(['validate', '--offline', '-f', quickstart], env);
    expect(validate.code, validate.stderr).toBe(0);
    const files = cacheFiles(cacheHome);
    expect(files).toHaveLength(2);
    expect(files[1]).toMatch(/-validate\.bin$/);

    const cli = join(cacheHome, 'netform', files[0]!);
    const written = statSync(cli).mtimeMs;
    const again = await netform(['--version'], env);
    expect(again.stdout).toBe(first.stdout);
    // V8 took the cache: there was nothing to write again.
    expect(statSync(cli).mtimeMs).toBe(written);
  });

  it('one V8 refuses is replaced, and the command runs as without it', async () => {
    const cacheHome = join(dir, 'cache-refused');
    const env = { XDG_CACHE_HOME: cacheHome };
    expect((await netform(['validate', '--offline', '-f', quickstart], env)).code).toBe(0);
    const file = join(cacheHome, 'netform', cacheFiles(cacheHome)[0]!);
    writeFileSync(file, 'this is not what V8 wrote');
    const result = await netform(['validate', '--offline', '-f', quickstart], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^valid: project netform-demo/);
    expect(readFileSync(file, 'utf8')).not.toBe('this is not what V8 wrote');
  });

  it('no HOME, or a cache dir that cannot be made, only means no cache', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');
    for (const env of [
      { HOME: '/nonexistent', XDG_CACHE_HOME: '' },
      { HOME: '', XDG_CACHE_HOME: '' },
      { XDG_CACHE_HOME: join(blocker, 'cache') },
    ]) {
      const version = await netform(['--version'], env);
      expect(version.code, version.stderr).toBe(0);
      expect(version.stderr).toBe('');
      const validate = await netform(['validate', '--offline', '-f', quickstart], env);
      expect(validate.code, validate.stderr).toBe(0);
      expect(validate.stdout).toMatch(/^valid: project netform-demo/);
    }
  });

  it('a copy of dist/ run from another cwd works and is never written to', async () => {
    const copy = join(dir, 'copy', 'dist');
    mkdirSync(copy, { recursive: true });
    for (const file of ['netform.js', 'netform.js.map', 'netform.cjs', 'netform.cjs.map']) {
      copyFileSync(join(dirname(CLI_BIN), file), join(copy, file));
    }
    chmodSync(copy, 0o555);
    const before = readdirSync(copy).map((f) => `${f} ${statSync(join(copy, f)).mtimeMs}`);
    const cwd = join(dir, 'elsewhere');
    mkdirSync(cwd);
    const env = { XDG_CACHE_HOME: join(dir, 'cache-copy') };
    for (let i = 0; i < 2; i++) {
      const result = await netform(['validate', '--offline', '-f', quickstart], env, {
        bin: join(copy, 'netform.js'),
        cwd,
      });
      expect(result.code, result.stderr).toBe(0);
    }
    expect(readdirSync(copy).map((f) => `${f} ${statSync(join(copy, f)).mtimeMs}`)).toEqual(before);
    chmodSync(copy, 0o755);
  });

  it("an internal error's stack names src/ files, with or without the cache", async () => {
    // Writing the version out fails: an error netform does not know, so an internal one.
    const preload = join(dir, 'broken-stdout.cjs');
    writeFileSync(preload, "process.stdout.write = () => { throw new TypeError('stdout is broken'); };\n");
    const cacheHome = join(dir, 'cache-stack');
    for (let i = 0; i < 2; i++) {
      const result = await netform(
        ['--version'],
        { XDG_CACHE_HOME: cacheHome },
        { node: ['--require', preload] },
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`internal error: this is a bug in netform ${version}`);
      expect(result.stderr).toContain('TypeError: stdout is broken');
      expect(result.stderr).toMatch(/at .*src\/cli\/main\.ts:\d+:\d+\)/);
      expect(result.stderr).not.toMatch(/netform\.c?js:\d+/);
    }
  });
});

describe('on the engine', () => {
  it('plan with no cache dir reads the engine and changes nothing', async () => {
    const spec = join(dir, 'netform.yaml');
    writeFileSync(spec, `version: 1\nproject: ${project}\nnetworks:\n  front: {}\n`);
    const result = await netform(['plan', '--detailed-exitcode', '-f', spec], {
      HOME: '/nonexistent',
      XDG_CACHE_HOME: '',
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toMatch(/Plan: 1 to create/);
    expect((await networkNames()).filter((n) => n.startsWith(scope.prefix))).toEqual([]);
  });
});
