import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ObservedState } from '../../../src/model/observed.js';
import { REPORTERS, specCounts } from '../../../src/render/diagnostics.js';
import { sortDiagnostics } from '../../../src/spec/diagnose.js';
import { loadSpec } from '../../../src/spec/index.js';
import { checkAgainstEngine } from '../../../src/spec/online.js';

/**
 * One folder per case under test/golden/validate/: netform.yaml (or the files named in
 * files.txt, in order), an optional observed.json (then the engine checks run too), and
 * expected.txt, the exact text report. UPDATE_GOLDEN=1 rewrites expected.txt.
 */
const ROOT = fileURLToPath(new URL('../../golden/validate/', import.meta.url));
const cases = readdirSync(ROOT, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

async function runCase(dir: string): Promise<string> {
  const filesList = join(dir, 'files.txt');
  const files = existsSync(filesList)
    ? readFileSync(filesList, 'utf8').split('\n').filter(Boolean)
    : ['netform.yaml'];
  const result = await loadSpec(files, { cwd: dir });
  let diagnostics = result.ok ? result.warnings : [...result.errors, ...result.warnings];
  const observedFile = join(dir, 'observed.json');
  if (result.ok && existsSync(observedFile)) {
    const observed = JSON.parse(readFileSync(observedFile, 'utf8')) as ObservedState;
    diagnostics = [...diagnostics, ...checkAgainstEngine(result.spec, observed)];
  }
  diagnostics = sortDiagnostics(diagnostics, files);
  const valid = !diagnostics.some((d) => d.severity === 'error');
  return REPORTERS.text(
    {
      valid,
      files,
      diagnostics,
      ...(result.ok
        ? {
            spec: specCounts(result.spec),
          }
        : {}),
    },
    { color: false },
  );
}

describe('validate golden cases', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(40);
  });
  for (const name of cases) {
    it(name, async () => {
      const dir = join(ROOT, name);
      const actual = await runCase(dir);
      const expectedFile = join(dir, 'expected.txt');
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(expectedFile, actual);
      expect(actual).toBe(readFileSync(expectedFile, 'utf8'));
    });
  }
});
