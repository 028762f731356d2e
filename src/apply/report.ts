import pc from 'picocolors';
import { printable } from '../core/printable.js';
import { renderPlanText } from '../render/plan-text.js';
import type { ActionOutcome, ApplyResult } from './result.js';

/** Bumped when the JSON shape of an apply result changes incompatibly. */
export const APPLY_RESULT_FORMAT_VERSION = 1;

/** `apply --json` / `destroy --json`: the ApplyResult, versioned. */
export function renderApplyJson(result: ApplyResult): string {
  return `${JSON.stringify({ format: 'netform-apply-result', formatVersion: APPLY_RESULT_FORMAT_VERSION, ...result }, null, 2)}\n`;
}

const STATUS_WORD: Record<ActionOutcome['status'], string> = {
  done: 'done',
  failed: 'FAILED',
  'rolled-back': 'ROLLED BACK',
  'not-attempted': 'not attempted',
};

/**
 * The report for people: one line per action with what became of it and the engine's words for a
 * failure, then the verdict (applied and verified, not converged with the residual plan, or
 * failed) and what to do next.
 */
export function renderApplyText(result: ApplyResult, options: { color: boolean; verb?: string }): string {
  const c = pc.createColors(options.color);
  const verb = options.verb ?? 'Apply';
  switch (result.status) {
    case 'no-changes':
      return `${c.bold('No changes. The engine matches the spec.')}\n`;
    case 'blocked':
      return `${c.red(c.bold(`${verb} not started: the plan has errors; nothing was changed.`))}\n`;
    case 'cancelled':
      return `${c.bold(`${verb} cancelled; nothing was changed.`)}\n`;
  }
  const lines: string[] = [];
  const execution = result.execution;
  const counts = countBy(execution.actions);
  const failedOrRolledBack = execution.actions.filter(
    (a) => a.status === 'failed' || a.status === 'rolled-back',
  );
  const showAll = failedOrRolledBack.length > 0;
  for (const outcome of execution.actions) {
    if (!showAll && outcome.status === 'done') continue;
    lines.push(outcomeLine(outcome, c));
  }
  if (showAll) lines.push('');
  const parts = [`${counts.done} done`];
  if (counts.failed > 0) parts.push(`${counts.failed} failed`);
  if (counts['rolled-back'] > 0) parts.push(`${counts['rolled-back']} rolled back`);
  if (counts['not-attempted'] > 0) parts.push(`${counts['not-attempted']} not attempted`);
  const seconds = (execution.durationMs / 1000).toFixed(1);
  if (result.status === 'failed') {
    const how = execution.interrupted ? 'interrupted' : 'failed';
    lines.push(
      c.red(c.bold(`${verb} ${how}: ${parts.join(', ')} (of ${execution.actions.length}, ${seconds} s).`)),
    );
    const unrestored = execution.actions.filter((a) => a.rollbackError !== undefined);
    if (unrestored.length > 0) {
      lines.push(
        c.red(
          `Undoing ${unrestored.map((a) => a.description).join(', ')} also failed: the engine is in neither state there.`,
        ),
      );
    }
    lines.push(
      `Fix the cause and run the same command again: it plans from what the engine is now and continues.`,
    );
  } else {
    lines.push(c.bold(`${verb} complete: ${parts.join(', ')} in ${seconds} s.`));
  }
  if (result.status === 'applied') {
    lines.push(
      c.green(
        verb === 'Destroy'
          ? `Verified: project ${printable(result.project)} manages no network on the engine any more.`
          : 'Verified: the engine matches the spec.',
      ),
    );
  }
  if (result.status === 'not-converged') {
    lines.push(
      c.red(c.bold('Not converged: the engine still differs from the spec after applying. What is left:')),
      '',
      renderPlanText(result.residual, { color: options.color }).trimEnd(),
    );
  }
  return `${lines.join('\n')}\n`;
}

function outcomeLine(outcome: ActionOutcome, c: ReturnType<typeof pc.createColors>): string {
  const word = STATUS_WORD[outcome.status].padEnd(13);
  const colored =
    outcome.status === 'done'
      ? c.green(word)
      : outcome.status === 'not-attempted'
        ? c.dim(word)
        : c.red(word);
  let line = `  ${colored} ${outcome.description}`;
  if (outcome.error !== undefined) line += `: ${printable(outcome.error)}`;
  if (outcome.status === 'rolled-back') {
    line += ` (undone: ${outcome.undone !== undefined ? printable(outcome.undone) : 'the engine is as it was for this action'})`;
  }
  if (outcome.rollbackError !== undefined)
    line += `; undoing it failed too: ${printable(outcome.rollbackError)}`;
  return line;
}

function countBy(outcomes: ActionOutcome[]): Record<ActionOutcome['status'], number> {
  const counts = { done: 0, failed: 0, 'rolled-back': 0, 'not-attempted': 0 };
  for (const o of outcomes) counts[o.status] += 1;
  return counts;
}

/** The apply and destroy result's reporters, keyed by the `--format` choice. */
export const APPLY_REPORTERS = {
  text: (result: ApplyResult, options: { color: boolean; verb?: string }) => renderApplyText(result, options),
  json: (result: ApplyResult) => renderApplyJson(result),
} as const;
export type ApplyFormat = keyof typeof APPLY_REPORTERS;
export const APPLY_FORMATS = Object.keys(APPLY_REPORTERS) as ApplyFormat[];
