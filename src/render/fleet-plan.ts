import pc from 'picocolors';
import type { FleetPlan } from '../model/fleet.js';
import { isError } from '../model/diagnostic.js';
import { PLAN_FORMAT_VERSION } from '../model/plan.js';
import { PLAN_REPORTERS, type PlanFormat, type PlanRenderOptions } from './plan-formats.js';

/** Bumped when the JSON shape of a plan across engines changes incompatibly (docs/plan.md). */
export const FLEET_PLAN_FORMAT_VERSION = 1;

/**
 * A plan across engines, grouped by engine (docs/plan.md#several-engines): each engine's plan as
 * the single-engine reporter of the format renders it, under a heading naming the engine and its
 * address, then the total over every engine. JSON: every engine's Plan, each action carrying its
 * engine, and the total.
 */
export function renderFleetPlan(plan: FleetPlan, format: PlanFormat, options: PlanRenderOptions): string {
  if (format === 'json') return renderFleetPlanJson(plan);
  const c = pc.createColors(format === 'text' && options.color);
  const parts = plan.engines.map(({ engine, host, plan: enginePlan }) => {
    const body = PLAN_REPORTERS[format](enginePlan, options).trimEnd();
    const heading =
      format === 'markdown' ? `## Engine \`${engine}\` (${host})` : c.bold(`Engine ${engine} (${host}):`);
    return `${heading}\n\n${body}\n`;
  });
  const total = totalLine(plan);
  return `${parts.join('\n')}\n${format === 'markdown' ? `**${total}**` : c.bold(total)}\n`;
}

/** `Total on 2 engines: 3 to create, …`, or that every engine matches. */
export function totalLine(plan: FleetPlan): string {
  const n = plan.engines.length;
  const on = `${n} engine${n === 1 ? '' : 's'}`;
  const errors = plan.engines.reduce((sum, e) => sum + e.plan.diagnostics.filter(isError).length, 0);
  const actions = plan.engines.reduce((sum, e) => sum + e.plan.actions.length, 0);
  if (errors > 0) {
    return `The plan has ${errors} error${errors === 1 ? '' : 's'} on ${on}: apply will not run it on any engine.`;
  }
  if (actions === 0) return `No changes on ${on}. Every engine matches the spec.`;
  const s = plan.summary;
  return (
    `Total on ${on}: ${s.create} to create, ${s.replace} to replace, ${s.remove} to remove; ` +
    `${s.connect} to connect, ${s.disconnect} to disconnect, ${s.reconnect} to reconnect.`
  );
}

/** `plan --format json` for a spec with engines: (documented in docs/plan.md). */
export function renderFleetPlanJson(plan: FleetPlan): string {
  const out = {
    format: 'netform-fleet-plan',
    formatVersion: FLEET_PLAN_FORMAT_VERSION,
    planFormatVersion: PLAN_FORMAT_VERSION,
    project: plan.project,
    summary: plan.summary,
    engines: plan.engines.map(({ engine, host, plan: enginePlan }) => ({
      engine,
      host,
      plan: { ...enginePlan, actions: enginePlan.actions.map((action) => ({ engine, ...action })) },
    })),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
