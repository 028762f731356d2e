import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlanOptions } from '../../../src/core/plan.js';
import type { DesiredState } from '../../../src/model/desired.js';
import type { ObservedState } from '../../../src/model/observed.js';
import { compileSpec } from '../../../src/spec/index.js';

/** The inputs of the golden plan cases (test/golden/plan/<case>/), for tests that reuse them. */
export const GOLDEN_PLAN_ROOT = fileURLToPath(new URL('../../golden/plan/', import.meta.url));

export const goldenCaseNames = (): string[] =>
  readdirSync(GOLDEN_PLAN_ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

export function readGoldenCase(name: string): {
  desired: DesiredState;
  observed: ObservedState;
  options: PlanOptions;
} {
  const dir = join(GOLDEN_PLAN_ROOT, name);
  const compiled = compileSpec([{ file: 'spec.yaml', text: readFileSync(join(dir, 'spec.yaml'), 'utf8') }], {
    defaultProject: 'golden',
  });
  if (!compiled.ok) throw new Error(`${name}/spec.yaml does not compile: ${JSON.stringify(compiled.errors)}`);
  const observed = JSON.parse(readFileSync(join(dir, 'observed.json'), 'utf8')) as ObservedState;
  const optionsFile = join(dir, 'options.json');
  const options = existsSync(optionsFile)
    ? (JSON.parse(readFileSync(optionsFile, 'utf8')) as PlanOptions)
    : {};
  return { desired: compiled.spec, observed, options };
}
