import type { Plan, PlanSummary } from './plan.js';

/**
 * A plan across the engines of a spec with `engines:` (docs/plan.md#several-engines): one Plan
 * per engine, each made on that engine's part of the spec, in engine order, and the summary of
 * them all. Text, JSON and Markdown are rendered from this one object (src/render/fleet-plan.ts).
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
