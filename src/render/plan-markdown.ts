import { printable } from '../core/printable.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { Plan } from '../model/plan.js';
import { renderAction, renderSummary } from './plan-text.js';

/**
 * `plan --format markdown`: the plan for a pull-request comment or a CI job summary. A summary
 * line, the actions in a fenced `diff` block (so `+` create reads green, `-` remove and `-/+`
 * replace red, `~` endpoint changes plain), then notes, errors and warnings as lists. Rendered
 * from the same Plan object as text and JSON, with the text renderer's action lines.
 */
export function renderPlanMarkdown(plan: Plan): string {
  const errors = plan.diagnostics.filter((d) => d.severity === 'error');
  const warnings = plan.diagnostics.filter((d) => d.severity === 'warning');
  const out: string[] = [`### netform plan for project \`${printable(plan.project)}\``, ''];
  // As in text: with errors and nothing to do, a line of zero counts says nothing.
  if (errors.length === 0 || plan.actions.length > 0) out.push(`**${renderSummary(plan)}**`, '');
  if (errors.length > 0) {
    out.push(
      `The plan has ${errors.length} error${errors.length === 1 ? '' : 's'}: apply will not run it.`,
      '',
    );
  }
  if (plan.actions.length > 0) {
    const body = plan.actions.flatMap((action) => renderAction(action, undefined, plan));
    const fence = fenceFor(body);
    out.push(`${fence}diff`, ...body, fence, '');
  }
  if (plan.notes.length > 0) {
    out.push('**Notes**', '', ...plan.notes.map((note) => `- ${printable(note.message)}`), '');
  }
  if (errors.length > 0) out.push('**Errors**', '', ...errors.map(diagnosticItem), '');
  if (warnings.length > 0) out.push('**Warnings**', '', ...warnings.map(diagnosticItem), '');
  return `${out.join('\n').trimEnd()}\n`;
}

/** `- **NF201** networks.web (netform.yaml:4:5): message — hint` */
function diagnosticItem(d: Diagnostic): string {
  const where = [d.path, d.position && `${d.position.file}:${d.position.line}:${d.position.column}`]
    .filter((part) => part !== undefined && part !== '')
    .map((part, index) => (index === 0 ? `\`${part}\`` : `(${part})`))
    .join(' ');
  const hint = d.hint === undefined ? '' : ` — ${printable(d.hint)}`;
  return `- **${d.code}**${where === '' ? '' : ` ${printable(where)}`}: ${printable(d.message)}${hint}`;
}

/** A fence longer than any run of backticks in the block, so no content can close it early. */
function fenceFor(lines: readonly string[]): string {
  const longest = Math.max(0, ...lines.flatMap((line) => (line.match(/`+/g) ?? []).map((run) => run.length)));
  return '`'.repeat(Math.max(3, longest + 1));
}
