import type { DesiredState } from '../model/desired.js';
import { NetformError } from '../model/errors.js';
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
function checksumOf(file: Omit<PlanFile, 'checksum'>): string {
  return sha256(canonicalJson(file));
}

/** Builds a saved plan (`plan --out`), with the hashes apply checks before running it. */
export function buildPlanFile(inputs: PlanFileInputs): PlanFile {
  const body: Omit<PlanFile, 'checksum'> = {
    format: PLAN_FILE_FORMAT,
    formatVersion: PLAN_FORMAT_VERSION,
    netformVersion: inputs.netformVersion,
    createdAt: inputs.createdAt,
    engine: {
      host: inputs.host,
      version: inputs.observed.engine.version,
      apiVersion: inputs.observed.engine.apiVersion,
    },
    specHash: hashSpec(inputs.desired),
    stateFingerprint: fingerprintState(inputs.desired, inputs.observed),
    plan: inputs.plan,
    spec: withoutSourcePositions(inputs.desired),
    options: recordedOptions(inputs.options),
  };
  return { ...body, checksum: checksumOf(body) };
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

export function serializePlanFile(file: PlanFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Parses and verifies a saved plan. Rejects, with a NetformError saying what is wrong and what to
 * do: text that is not JSON (a truncated file), JSON that is not a netform plan, another format
 * version, and a file whose checksum does not match its content (edited or corrupted).
 */
export function parsePlanFile(text: string, file = 'the plan file'): PlanFile {
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
  return data as unknown as PlanFile;
}

/**
 * Whether a saved plan still describes the engine: the state fingerprint, recomputed from a fresh
 * observation (`observeScope(file.spec)`, the scope the plan was observed in) with the same
 * normalisation, must be unchanged. Returns the reason when it is stale. The fingerprint covers
 * the whole spec's scope, a superset of what a `--target` plan reads: a change outside the
 * targets makes such a plan stale too, never the other way round.
 */
export function checkPlanFreshness(
  file: PlanFile,
  observed: ObservedState,
): { fresh: true } | { fresh: false; reason: string } {
  const now = fingerprintState(file.spec, observed);
  if (now === file.stateFingerprint) return { fresh: true };
  return {
    fresh: false,
    reason: 'the engine changed since the plan was made (networks or endpoints the plan depends on differ)',
  };
}
