import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlanOptions } from '../../../src/core/plan.js';
import type { DesiredState } from '../../../src/model/desired.js';
import type { EngineInfo, ObservedNetwork, ObservedState } from '../../../src/model/observed.js';
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
  const observed = withGoldenBase(
    JSON.parse(readFileSync(join(dir, 'observed.json'), 'utf8')) as GoldenObserved,
    `${name}/observed.json`,
  );
  const optionsFile = join(dir, 'options.json');
  const options = existsSync(optionsFile)
    ? (JSON.parse(readFileSync(optionsFile, 'utf8')) as PlanOptions)
    : {};
  return { desired: compiled.spec, observed, options };
}

/**
 * What every golden engine shares, in test/golden/plan/base.observed.json: the engines the cases
 * run against (keyed by version) and the predefined networks (`bridge`, `host`, `none`).
 */
interface GoldenBase {
  defaultEngine: string;
  engines: Record<string, EngineInfo>;
  networks: ObservedNetwork[];
}

/**
 * A case's observed.json: only what matters to the case. `engine` is a version from the base file
 * (absent: its default engine) or a whole engine block; the base's predefined networks are added
 * unless the case lists a network of that name itself. A full ObservedState (every network and
 * the engine block written out) is therefore read as it is.
 */
export interface GoldenObserved {
  engine?: string | EngineInfo;
  networks?: ObservedNetwork[];
  containers?: ObservedState['containers'];
}

let base: GoldenBase | undefined;

export function withGoldenBase(raw: GoldenObserved, where: string): ObservedState {
  base ??= JSON.parse(readFileSync(join(GOLDEN_PLAN_ROOT, 'base.observed.json'), 'utf8')) as GoldenBase;
  const engineName = typeof raw.engine === 'string' ? raw.engine : base.defaultEngine;
  const named = base.engines[engineName];
  if (named === undefined) {
    throw new Error(
      `${where}: engine "${engineName}" is not in base.observed.json (${Object.keys(base.engines).join(', ')})`,
    );
  }
  const engine = typeof raw.engine === 'object' ? raw.engine : named;
  const networks = raw.networks ?? [];
  const listed = new Set(networks.map((n) => n.name));
  return {
    engine,
    networks: [...base.networks.filter((n) => !listed.has(n.name)), ...networks],
    containers: raw.containers ?? [],
  };
}
