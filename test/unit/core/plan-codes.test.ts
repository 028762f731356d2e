import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PLAN_CODES } from '../../../src/core/plan-diagnostics.js';

describe('plan diagnostic codes', () => {
  const docs = readFileSync(new URL('../../../docs/plan.md', import.meta.url), 'utf8');

  it('are unique', () => {
    const codes = Object.values(PLAN_CODES);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it.each(Object.entries(PLAN_CODES))('documents %s (%s) in docs/plan.md', (_name, code) => {
    expect(docs).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
  });
});
