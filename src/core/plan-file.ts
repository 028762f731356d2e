import type { DesiredState } from '../model/desired.js';
import { NetformError } from '../model/errors.js';
import type { FleetPlan, FleetPlanFile, SavedEngine } from '../model/fleet.js';
import type { ObservedState } from '../model/observed.js';
import type { Plan, PlanFile, PlanOptions } from '../model/plan.js';
import { PLAN_FORMAT_VERSION } from '../model/plan.js';
import { canonicalJson, sha256 } from './canonical-json.js';
import { fingerprintState, hashSpec, withoutSourcePositions } from './fingerprint.js';

export const PLAN_FILE_FORMAT = 'netform-plan';

export interface PlanFileInputs {
  plan: Plan;
  desired: DesiredState;
  /** The options the plan was made with (`--target`, `--adopt`, `--strict`). */
  options: PlanOptions;
  observed: ObservedState;
  /** Human-readable engine address (DockerPort.host). */
  host: string;
  netformVersion: string;
  /** ISO timestamp; passed in so this stays pure. */
  createdAt: string;
}

/** The checksum covers every other member of the file, in canonical JSON. */
function checksumOf(file: object): string {
  return sha256(canonicalJson(file));
}

/** What a file records of the engine a plan was made against. */
function engineRecord(host: string, observed: ObservedState): PlanFile['engine'] {
  return { host, version: observed.engine.version, apiVersion: observed.engine.apiVersion };
}

/** The members every plan file starts with, one engine or several. */
function header(inputs: {
  desired: DesiredState;
  options: PlanOptions;
  netformVersion: string;
  createdAt: string;
}) {
  return {
    format: PLAN_FILE_FORMAT,
    formatVersion: PLAN_FORMAT_VERSION,
    netformVersion: inputs.netformVersion,
    createdAt: inputs.createdAt,
    specHash: hashSpec(inputs.desired),
    spec: withoutSourcePositions(inputs.desired),
    options: recordedOptions(inputs.options),
  } as const;
}

/** Builds a saved plan (`plan --out`), with the hashes apply checks before running it. */
export function buildPlanFile(inputs: PlanFileInputs): PlanFile {
  const { spec, options, ...rest } = header(inputs);
  const body: Omit<PlanFile, 'checksum'> = {
    ...rest,
    engine: engineRecord(inputs.host, inputs.observed),
    stateFingerprint: fingerprintState(inputs.desired, inputs.observed),
    plan: inputs.plan,
    spec,
    options,
  };
  return { ...body, checksum: checksumOf(body) };
}

export interface FleetPlanFileInputs {
  plan: FleetPlan;
  /** The whole spec, with its `engines:`. */
  desired: DesiredState;
  options: PlanOptions;
  /**
   * Each engine of `plan.engines`: the part of the spec it was planned with (its projection, the
   * port's `desired`), what was observed there and its address.
   */
  engines: ReadonlyMap<string, { desired: DesiredState; observed: ObservedState; host: string }>;
  netformVersion: string;
  createdAt: string;
}

/**
 * Builds a saved plan across engines (`plan --out` for a spec with `engines:`): the same header,
 * the plan across engines, and per engine what a single-engine file records of its engine.
 */
export function buildFleetPlanFile(inputs: FleetPlanFileInputs): FleetPlanFile {
  const engines: SavedEngine[] = inputs.plan.engines.map(({ engine }) => {
    const part = inputs.engines.get(engine);
    if (!part) throw new Error(`buildFleetPlanFile: no observation of engine ${engine}`);
    return {
      name: engine,
      engine: engineRecord(part.host, part.observed),
      spec: withoutSourcePositions(part.desired),
      stateFingerprint: fingerprintState(part.desired, part.observed),
    };
  });
  const body: Omit<FleetPlanFile, 'checksum'> = { ...header(inputs), plan: inputs.plan, engines };
  return { ...body, checksum: checksumOf(body) };
}

/** True for a plan file across engines. */
export function isFleetPlanFile(file: PlanFile | FleetPlanFile): file is FleetPlanFile {
  return 'engines' in file && Array.isArray(file.engines);
}

/** The options as a file records them: only what was given, lists sorted, so equal scopes compare equal. */
function recordedOptions(options: PlanOptions): PlanOptions {
  const sorted = (names: string[] | undefined): string[] => [...new Set(names ?? [])].sort();
  return {
    ...(options.targets?.length ? { targets: sorted(options.targets) } : {}),
    ...(options.adopt?.length ? { adopt: sorted(options.adopt) } : {}),
    ...(options.strict ? { strict: true } : {}),
  };
}

export function serializePlanFile(file: PlanFile | FleetPlanFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Parses and verifies a saved plan made for one engine; a plan across engines is refused (it is
 * applied with `applyEngines`, or `netform apply FILE`). See parseSavedPlanFile.
 */
export function parsePlanFile(text: string, file = 'the plan file'): PlanFile {
  const parsed = parseSavedPlanFile(text, file);
  if (isFleetPlanFile(parsed)) {
    throw new NetformError(
      `${file} is a plan across engines (${parsed.engines.map((e) => e.name).join(', ')}), not a plan for one engine`,
      { hint: 'apply it with `netform apply FILE`, or with applyEngines() in the library' },
    );
  }
  return parsed;
}

/**
 * Parses and verifies a saved plan, for one engine or across engines. Rejects, with a
 * NetformError saying what is wrong and what to do: text that is not JSON (a truncated file),
 * JSON that is not a netform plan, another format version, and a file whose checksum does not
 * match its content (edited or corrupted).
 */
export function parseSavedPlanFile(text: string, file = 'the plan file'): PlanFile | FleetPlanFile {
  const again = `run \`netform plan --out ${file === 'the plan file' ? 'PLANFILE' : file}\` again`;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new NetformError(
      `${file} is not a netform plan: it is not valid JSON (${(error as Error).message}); it may be truncated`,
      // Not "plan --out FILE again": FILE may be something precious that is not a plan.
      { hint: 'pass a file written by `netform plan --out` (a spec is given with -f)' },
    );
  }
  if (!isRecord(data) || data.format !== PLAN_FILE_FORMAT) {
    throw new NetformError(`${file} is not a netform plan (its "format" is not "${PLAN_FILE_FORMAT}")`, {
      hint: 'pass a file written by `netform plan --out`',
    });
  }
  if (data.formatVersion !== PLAN_FORMAT_VERSION) {
    throw new NetformError(
      `${file} has plan format version ${JSON.stringify(data.formatVersion)}; this netform reads version ${PLAN_FORMAT_VERSION}`,
      { hint: `make the plan again with this netform: ${again}` },
    );
  }
  const { checksum, ...body } = data;
  if (typeof checksum !== 'string' || !isRecord(body.plan) || checksum !== sha256(canonicalJson(body))) {
    throw new NetformError(`${file} has been changed since netform wrote it (its checksum does not match)`, {
      hint: `a saved plan must be applied as written: ${again}`,
    });
  }
  if (!isRecord(data.spec) || !isRecord(data.options)) {
    throw new NetformError(
      `${file} was written by an older netform: it does not record the spec and options it was made with`,
      { hint: `make the plan again with this netform: ${again}` },
    );
  }
  if (!('engines' in data)) return data as unknown as PlanFile;
  // Across engines: one entry per engine of the plan, in its order (a netform that wrote
  // anything else is not this one).
  const plan = data.plan as Record<string, unknown>;
  const planned = Array.isArray(plan.engines) ? plan.engines : undefined;
  const saved = Array.isArray(data.engines) ? data.engines : undefined;
  const names = (list: unknown[] | undefined, key: string): string[] | undefined =>
    list?.every((e) => isRecord(e) && typeof e[key] === 'string')
      ? list.map((e) => (e as Record<string, string>)[key]!)
      : undefined;
  const plannedNames = names(planned, 'engine');
  const savedNames = names(saved, 'name');
  if (
    !plannedNames ||
    !savedNames ||
    plannedNames.length === 0 ||
    plannedNames.join('\n') !== savedNames.join('\n') ||
    !saved!.every(
      (e) => isRecord(e) && isRecord(e.spec) && isRecord(e.engine) && typeof e.stateFingerprint === 'string',
    )
  ) {
    throw new NetformError(
      `${file} is not a plan across engines this netform can read (its engines do not match its plan)`,
      {
        hint: `make the plan again with this netform: ${again}`,
      },
    );
  }
  return data as unknown as FleetPlanFile;
}

/**
 * Whether a saved plan still describes the engine (for a plan across engines: one engine's
 * entry, `SavedEngine`): the state fingerprint, recomputed from a fresh
 * observation (`observeScope(file.spec)`, the scope the plan was observed in) with the same
 * normalisation, must be unchanged. Returns the reason when it is stale. The fingerprint covers
 * the whole spec's scope, a superset of what a `--target` plan reads: a change outside the
 * targets makes such a plan stale too, never the other way round.
 */
export function checkPlanFreshness(
  file: Pick<PlanFile, 'spec' | 'stateFingerprint'>,
  observed: ObservedState,
): { fresh: true } | { fresh: false; reason: string } {
  const now = fingerprintState(file.spec, observed);
  if (now === file.stateFingerprint) return { fresh: true };
  return {
    fresh: false,
    reason: 'the engine changed since the plan was made (networks or endpoints the plan depends on differ)',
  };
}
