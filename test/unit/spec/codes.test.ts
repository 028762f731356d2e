import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CODES } from '../../../src/spec/codes.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const codes = Object.values(CODES).map((c) => c.code);

/** Codes without a golden case, and why. */
const NO_GOLDEN: Record<string, string> = {
  NF003: 'needs a file over 2 MiB; covered by test/unit/spec/hostile.test.ts',
  NF041: 'fallback for a JSON Schema keyword the schema does not use today',
  NF092:
    'needs a top-level engines:, which this schema does not have yet; covered by test/unit/spec/selectors-checks.test.ts',
};

describe('diagnostic codes', () => {
  it('are unique and well formed, each with a one-line meaning', () => {
    expect(new Set(codes).size).toBe(codes.length);
    for (const { code, meaning } of Object.values(CODES)) {
      expect(code).toMatch(/^NF\d{3}$/);
      expect(meaning).not.toContain('\n');
      expect(meaning.length).toBeGreaterThan(10);
    }
  });

  it('each appear in a golden case (test/golden/validate/*/expected.txt)', () => {
    const dir = `${root}test/golden/validate/`;
    const text = readdirSync(dir)
      .map((name) => readFileSync(`${dir}${name}/expected.txt`, 'utf8'))
      .join('\n');
    const missing = codes.filter((code) => !text.includes(` ${code} `) && !(code in NO_GOLDEN));
    expect(missing).toEqual([]);
  });

  it('are each documented in docs/diagnostics.md', () => {
    const doc = readFileSync(`${root}docs/diagnostics.md`, 'utf8');
    expect(codes.filter((code) => !doc.includes(`## ${code}`))).toEqual([]);
  });

  it('docs/diagnostics.md shows only output lines that a golden case prints', () => {
    const doc = readFileSync(`${root}docs/diagnostics.md`, 'utf8');
    const dir = `${root}test/golden/validate/`;
    const golden = new Set(
      readdirSync(dir).flatMap((name) => readFileSync(`${dir}${name}/expected.txt`, 'utf8').split('\n')),
    );
    // The examples under "## Codes" (the format section above them is illustrative).
    const shown = doc
      .slice(doc.indexOf('## Codes'))
      .split('\n')
      .filter((line) => /^netform\.yaml:\d+:\d+ (error|warning) NF\d{3} /.test(line));
    expect(shown.length).toBeGreaterThan(40);
    expect(shown.filter((line) => !golden.has(line))).toEqual([]);
  });
});
