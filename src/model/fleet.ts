import type { DesiredState } from './desired.js';
import type { Plan, PlanFile, PlanSummary } from './plan.js';

/**
 * A plan across the engines of a spec with `engines:` (docs/plan.md#several-engines): one Plan
 * per engine, each made on that engine's part of the spec, in engine order, and the summary of
 * them all. Text, JSON, Markdown and plan files are made from this one object
 * (src/render/fleet-plan.ts, src/core/plan-file.ts).
 */
export interface FleetPlan {
  project: string;
  engines: EnginePlan[];
  /** The engines' summaries added up. */
  summary: PlanSummary;
}

/** One engine's part of a plan across engines. */
export interface EnginePlan {
  /** The spec's name for the engine. */
  engine: string;
  /** Its address, as messages show it. */
  host: string;
  plan: Plan;
}

/**
 * A plan across engines saved with `plan --out` (docs/plan.md, "Plan files"): the single-engine
 * plan file's header (format, version, spec, options, checksum), with the whole spec (engines:
 * included) as `spec`, the plan across engines as `plan`, and what apply re-checks on each engine
 * in `engines`.
 */
export interface FleetPlanFile extends Omit<PlanFile, 'engine' | 'stateFingerprint' | 'plan'> {
  plan: FleetPlan;
  /** One entry per engine of `plan.engines`, in the same order. */
  engines: SavedEngine[];
}

/** What a plan file across engines records of one engine: what a single-engine file records of its one. */
export interface SavedEngine {
  /** The spec's name for the engine. */
  name: string;
  /** The address it was reached at (as `DockerPort.host` shows it), its version and API version. */
  engine: PlanFile['engine'];
  /**
   * The engine's part of the spec the plan was made with (`desiredForEngine`; on a swarm node,
   * its node projection): apply checks that the engine's part is still this, fingerprints the
   * engine with it and verifies against it.
   */
  spec: DesiredState;
  /** As PlanFile.stateFingerprint, for this engine. */
  stateFingerprint: string;
}
