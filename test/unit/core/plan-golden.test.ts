import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planChanges } from '../../../src/core/plan.js';
import { renderPlanJson } from '../../../src/render/plan-json.js';
import { renderPlanText } from '../../../src/render/plan-text.js';
import { GOLDEN_PLAN_ROOT, goldenCaseNames, readGoldenCase } from './golden-inputs.js';

/**
 * Golden plans (nmstate's folders): each test/golden/plan/<case>/ holds spec.yaml, observed.json
 * (an ObservedState), optional options.json (adopt/strict/targets), and the expected.txt and
 * expected.json the plan must render to. UPDATE_GOLDEN=1 rewrites the expectations.
 */
const update = process.env.UPDATE_GOLDEN === '1';
const cases = goldenCaseNames();

describe('golden plans', () => {
  it('has at least thirty cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });
  for (const name of cases) {
    it(name, () => {
      const { desired, observed, options } = readGoldenCase(name);
      const plan = planChanges(desired, observed, options);
      const text = renderPlanText(plan, { color: false });
      const json = renderPlanJson(plan);
      const dir = join(GOLDEN_PLAN_ROOT, name);
      if (update) {
        writeFileSync(join(dir, 'expected.txt'), text);
        writeFileSync(join(dir, 'expected.json'), json);
      }
      expect(text).toBe(readFileSync(join(dir, 'expected.txt'), 'utf8'));
      expect(json).toBe(readFileSync(join(dir, 'expected.json'), 'utf8'));
    });
  }
});
