import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { planForEngine } from '../../../src/apply/plan-engine.js';
import { renderPlanMarkdown } from '../../../src/render/plan-markdown.js';
import { readGoldenCase } from '../core/golden-inputs.js';

/**
 * `plan --format markdown`, golden-tested on the inputs of a few plan goldens (test/golden/plan/)
 * that between them show every symbol, notes, errors and warnings. The expected output is
 * test/golden/plan-markdown/<case>.md; UPDATE_GOLDEN=1 rewrites it.
 */
const CASES = [
  'create-and-remove',
  'replace-subnet-with-endpoints',
  'connect-disconnect-reconnect',
  'unmanaged-differs-error',
  'pending-container-warning',
  'no-change-engine-20.10',
];
const ROOT = fileURLToPath(new URL('../../golden/plan-markdown/', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';

describe('renderPlanMarkdown', () => {
  for (const name of CASES) {
    it(name, () => {
      const { desired, observed, options } = readGoldenCase(name);
      const markdown = renderPlanMarkdown(planForEngine(desired, observed, options));
      const file = `${ROOT}${name}.md`;
      if (update) writeFileSync(file, markdown);
      expect(markdown).toBe(readFileSync(file, 'utf8'));
    });
  }

  it('puts every action line in one diff block, with + - -/+ ~ at the start of the line', () => {
    const { desired, observed, options } = readGoldenCase('replace-subnet-with-endpoints');
    const markdown = renderPlanMarkdown(planForEngine(desired, observed, options));
    const block = /```diff\n([\s\S]*?)\n```/.exec(markdown)?.[1] ?? '';
    expect(block.split('\n')[0]).toMatch(/^-\/\+ replace network /);
  });
});
