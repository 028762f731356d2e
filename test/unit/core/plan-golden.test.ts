import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { planChanges, type PlanOptions } from '../../../src/core/plan.js';
import type { ObservedState } from '../../../src/model/observed.js';
import { renderPlanJson } from '../../../src/render/plan-json.js';
import { renderPlanText } from '../../../src/render/plan-text.js';
import { compileSpec } from '../../../src/spec/index.js';

/**
 * Golden plans (nmstate's folders): each test/golden/plan/<case>/ holds spec.yaml, observed.json
 * (an ObservedState), optional options.json (adopt/strict/targets), and the expected.txt and
 * expected.json the plan must render to. UPDATE_GOLDEN=1 rewrites the expectations.
 */
const ROOT = fileURLToPath(new URL('../../golden/plan/', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';
export const goldenCases = readdirSync(ROOT, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

export function planGoldenCase(name: string): { text: string; json: string } {
  const dir = join(ROOT, name);
  const compiled = compileSpec([{ file: 'spec.yaml', text: readFileSync(join(dir, 'spec.yaml'), 'utf8') }], {
    defaultProject: 'golden',
  });
  if (!compiled.ok) throw new Error(`${name}/spec.yaml does not compile: ${JSON.stringify(compiled.errors)}`);
  const observed = JSON.parse(readFileSync(join(dir, 'observed.json'), 'utf8')) as ObservedState;
  const optionsFile = join(dir, 'options.json');
  const options = existsSync(optionsFile)
    ? (JSON.parse(readFileSync(optionsFile, 'utf8')) as PlanOptions)
    : {};
  const plan = planChanges(compiled.spec, observed, options);
  return { text: renderPlanText(plan, { color: false }), json: renderPlanJson(plan) };
}

describe('golden plans', () => {
  it('has at least thirty cases', () => {
    expect(goldenCases.length).toBeGreaterThanOrEqual(30);
  });
  for (const name of goldenCases) {
    it(name, () => {
      const { text, json } = planGoldenCase(name);
      const dir = join(ROOT, name);
      if (update) {
        writeFileSync(join(dir, 'expected.txt'), text);
        writeFileSync(join(dir, 'expected.json'), json);
      }
      expect(text).toBe(readFileSync(join(dir, 'expected.txt'), 'utf8'));
      expect(json).toBe(readFileSync(join(dir, 'expected.json'), 'utf8'));
    });
  }
});
