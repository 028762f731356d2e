import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GOLDEN_PLAN_ROOT as GOLDEN, goldenCaseNames } from '../core/golden-inputs.js';

const schema = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../schemas/plan.schema.json', import.meta.url)), 'utf8'),
) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

describe('schemas/plan.schema.json', () => {
  const cases = goldenCaseNames();
  for (const name of cases) {
    it(`accepts the golden plan ${name}`, () => {
      const plan = JSON.parse(readFileSync(`${GOLDEN}${name}/expected.json`, 'utf8')) as unknown;
      const ok = validate(plan);
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    });
  }

  it('rejects a plan with an unknown action kind or a missing reason', () => {
    const plan = JSON.parse(readFileSync(`${GOLDEN}create-network/expected.json`, 'utf8')) as {
      actions: Record<string, unknown>[];
    };
    const badKind = structuredClone(plan);
    (badKind.actions[0] as Record<string, unknown>).kind = 'update';
    expect(validate(badKind)).toBe(false);
    const noReason = structuredClone(plan);
    delete (noReason.actions[0] as Record<string, unknown>).reason;
    expect(validate(noReason)).toBe(false);
  });
});
