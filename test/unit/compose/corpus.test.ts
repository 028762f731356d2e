import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../../src/spec/index.js';

/**
 * The Compose corpus (test/fixtures/compose/corpus/README.md): one project per folder, written
 * for netform to reproduce the network patterns of public projects, each naming the project
 * whose pattern it follows. netform must read every one without a problem. That Compose itself
 * accepts each of them, and reads its networks as netform does, is checked against the real
 * Compose in test/engine/compose-config.test.ts.
 */
export const CORPUS = fileURLToPath(new URL('../../fixtures/compose/corpus/', import.meta.url));
export const corpusProjects = readdirSync(CORPUS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
/** The files of a corpus project, as `docker compose` picks them without -f. */
export const corpusFiles = (name: string): string[] =>
  ['compose.yaml', 'compose.override.yaml'].filter((file) => existsSync(join(CORPUS, name, file)));

describe('the Compose corpus', () => {
  it('has at least 20 projects, each naming the public project whose pattern it follows', () => {
    expect(corpusProjects.length).toBeGreaterThanOrEqual(20);
    for (const name of corpusProjects) {
      expect(readFileSync(join(CORPUS, name, 'compose.yaml'), 'utf8')).toMatch(/^# Pattern of \S/);
    }
  });

  for (const name of corpusProjects) {
    it(`${name} validates without a problem`, async () => {
      const result = await loadSpec(corpusFiles(name), { cwd: join(CORPUS, name), env: {} });
      const problems = result.ok ? result.warnings : [...result.errors, ...result.warnings];
      expect(problems.map((d) => `${d.code} ${d.path}: ${d.message}`)).toEqual([]);
      expect(result.ok && result.spec.compose).toBeTruthy();
    });
  }
});
