import type { Plan } from '../model/plan.js';

/**
 * `plan --json`: the Plan object itself (versioned by `formatVersion`, documented by
 * schemas/plan.schema.json), so JSON and text can never disagree.
 */
export function renderPlanJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}
