import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../../src/spec/index.js';
import { CORPUS, corpusFiles, corpusProjects } from '../../support/compose-corpus.js';

/**
 * The Compose corpus (test/fixtures/compose/corpus/): netform must read every project without
 * a problem. That Compose itself accepts each of them, and reads its networks as netform does,
 * is checked against the real Compose in test/engine/compose-config.test.ts.
 */
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
