import { describe, expect, it } from 'vitest';
import { parseDuration, parsePositiveInt } from '../../../src/cli/options.js';

describe('--lock-timeout durations', () => {
  it.each([
    ['90', 90_000],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['250ms', 250],
    ['1.5s', 1500],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
  it.each(['', 'soon', '5 minutes', '-1s'])('refuses %j with a message', (text) => {
    expect(() => parseDuration(text)).toThrow(/--lock-timeout takes a duration/);
  });
});

describe('--parallelism', () => {
  it('takes a whole number of at least 1', () => {
    expect(parsePositiveInt('4')).toBe(4);
    for (const bad of ['0', '-2', '1.5', 'many']) expect(() => parsePositiveInt(bad)).toThrow(/at least 1/);
  });
});
