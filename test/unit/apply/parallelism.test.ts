import { describe, expect, it } from 'vitest';
import { DEFAULT_PARALLELISM, resolveParallelism } from '../../../src/apply/parallelism.js';

describe('resolveParallelism', () => {
  it('uses the measured per-phase defaults when nothing is given', () => {
    expect(resolveParallelism()).toEqual(DEFAULT_PARALLELISM);
  });
  it('applies one number to every phase', () => {
    expect(new Set(Object.values(resolveParallelism(3)))).toEqual(new Set([3]));
  });
  it('overrides only the phases named', () => {
    expect(resolveParallelism({ remove: 7 })).toEqual({ ...DEFAULT_PARALLELISM, remove: 7 });
  });
  it.each([0, -1, 1.5, Number.NaN])('refuses %s', (value) => {
    expect(() => resolveParallelism(value)).toThrow(/at least 1/);
  });
});
