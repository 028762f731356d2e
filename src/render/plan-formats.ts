import type { Plan } from '../model/plan.js';
import { renderPlanJson } from './plan-json.js';
import { renderPlanMarkdown } from './plan-markdown.js';
import { renderPlanText } from './plan-text.js';

export interface PlanRenderOptions {
  /** ANSI colour (text only); the caller decides (terminal, --no-color, NO_COLOR). */
  color: boolean;
}

export type PlanReporter = (plan: Plan, options: PlanRenderOptions) => string;

/**
 * The plan's reporters, keyed by the `plan --format` choice (as src/render/diagnostics.ts does
 * for validate): a new format is one entry. All read the one Plan object.
 */
export const PLAN_REPORTERS = {
  text: (plan, options) => renderPlanText(plan, options),
  json: (plan) => renderPlanJson(plan),
  markdown: (plan) => renderPlanMarkdown(plan),
} as const satisfies Record<string, PlanReporter>;

export type PlanFormat = keyof typeof PLAN_REPORTERS;
export const PLAN_FORMATS = Object.keys(PLAN_REPORTERS) as PlanFormat[];
