import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planChanges } from '../../../src/core/plan.js';
import { renderPlanJson } from '../../../src/render/plan-json.js';
import { renderPlanText } from '../../../src/render/plan-text.js';
import { GOLDEN_PLAN_ROOT, goldenCaseNames, readGoldenCase, withGoldenBase } from './golden-inputs.js';

/**
 * Golden plans (nmstate's folders): each test/golden/plan/<case>/ holds spec.yaml, observed.json
 * (what the case's engine holds beyond what test/golden/plan/base.observed.json gives every case:
 * the engine block and the predefined networks; see golden-inputs.ts), optional options.json (adopt/strict/targets), and the expected.txt and
 * expected.json the plan must render to. UPDATE_GOLDEN=1 rewrites the expectations.
 */
const update = process.env.UPDATE_GOLDEN === '1';
const cases = goldenCaseNames();

describe('golden plans', () => {
  it('has at least thirty cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });
  it('reads a case written out in full (engine block and predefined networks) as it is', () => {
    const { observed } = readGoldenCase('engine-28-defaults-not-drift');
    expect(observed.engine.version).toBe('28.3.2');
    expect(observed.networks.map((n) => n.name)).toEqual(['bridge', 'host', 'none', 'app']);
    const full = structuredClone(observed);
    full.networks[0]!.labels = { edited: 'yes' };
    expect(withGoldenBase(full, 'full')).toEqual(full);
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
