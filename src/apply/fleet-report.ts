import pc from 'picocolors';
import type { FleetResult } from './fleet-session.js';
import { renderApplyText } from './report.js';

/** Bumped when the JSON shape of a result across engines changes incompatibly. */
export const FLEET_RESULT_FORMAT_VERSION = 1;

/** `apply --format json` / `destroy --format json` for a spec with engines: each engine's result, named. */
export function renderFleetApplyJson(result: FleetResult): string {
  const out = {
    format: 'netform-fleet-apply-result',
    formatVersion: FLEET_RESULT_FORMAT_VERSION,
    status: result.status,
    project: result.project,
    engines: result.engines.map(({ engine, host, result: engineResult }) => ({
      engine,
      host,
      ...engineResult,
    })),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

/**
 * The report across engines: each engine's report (as for one engine) under a heading naming it,
 * then one line on them all. An engine stopped because another failed reads "interrupted".
 */
export function renderFleetApplyText(
  result: FleetResult,
  options: { color: boolean; verb?: string },
): string {
  const c = pc.createColors(options.color);
  const verb = options.verb ?? 'Apply';
  const n = result.engines.length;
  const on = `${n} engine${n === 1 ? '' : 's'}`;
  switch (result.status) {
    case 'no-changes':
      return `${c.bold(`No changes on ${on}. Every engine matches the spec.`)}\n`;
    case 'blocked':
      return `${c.red(c.bold(`${verb} not started: the plan has errors; nothing was changed on any engine.`))}\n`;
    case 'cancelled':
      return `${c.bold(`${verb} cancelled; nothing was changed on any engine.`)}\n`;
  }
  const parts = result.engines.map(
    ({ engine, host, result: engineResult }) =>
      `${c.bold(`Engine ${engine} (${host}):`)}\n${renderApplyText(engineResult, options).trimEnd()}\n`,
  );
  const by = (status: string): string[] =>
    result.engines.filter((e) => e.result.status === status).map((e) => e.engine);
  const said: string[] = [];
  for (const [status, words] of [
    ['applied', 'done and verified on'],
    ['no-changes', 'no changes on'],
    ['failed', 'failed or stopped on'],
    ['not-converged', 'not converged on'],
  ] as const) {
    const engines = by(status);
    if (engines.length > 0) said.push(`${words} ${engines.join(', ')}`);
  }
  const line = `${verb} across ${on}: ${said.join('; ')}.`;
  return `${parts.join('\n')}\n${result.status === 'applied' ? c.green(c.bold(line)) : c.red(c.bold(line))}\n`;
}
