import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runMain, type MainResult } from '../../support/run-main.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

/** Runs `netform validate --offline` in-process, in `cwd`, capturing what it prints. */
function validateOffline(cwd: string): Promise<MainResult> {
  return runMain(['validate', '--offline'], { cwd });
}

const folders = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

describe('examples', () => {
  const valid = folders(EXAMPLES).filter((name) => name !== 'invalid');
  it('include the seed scenarios and the quickstart', () => {
    expect(valid).toEqual(
      expect.arrayContaining([
        'user-networks',
        'webserver-app',
        'macvlan',
        'overlay',
        'dual-stack',
        'quickstart',
      ]),
    );
  });
  for (const name of valid) {
    it(`${name} is valid`, async () => {
      const result = await validateOffline(join(EXAMPLES, name));
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/^valid: project /m);
      expect(result.code).toBe(0);
    });
  }

  const invalid = folders(join(EXAMPLES, 'invalid'));
  it('include one invalid example per class of error', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(10);
  });
  for (const name of invalid) {
    it(`invalid/${name} prints exactly expected-output.txt and exits 1`, async () => {
      const dir = join(EXAMPLES, 'invalid', name);
      const result = await validateOffline(dir);
      const expectedFile = join(dir, 'expected-output.txt');
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(expectedFile, result.stdout);
      expect(result.stdout).toBe(readFileSync(expectedFile, 'utf8'));
      expect(result.code).toBe(1);
    });
  }
});
