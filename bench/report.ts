import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderChart } from './chart.js';
import { PHASES } from './peer.js';
import type { BenchResults, CommandFigure, PeerPhaseResult } from './results.js';

const seconds = (ms: number): string => (ms >= 10_000 ? (ms / 1000).toFixed(1) : (ms / 1000).toFixed(2));
const ratio = (r: number | undefined): string =>
  r === undefined ? '' : r >= 10 ? ` (${r.toFixed(0)}×)` : ` (${r.toFixed(2)}×)`;

function cell(slot: PeerPhaseResult | undefined, unavailable: string | undefined): string {
  if (unavailable) return 'skipped';
  if (!slot) return '—';
  if (slot.unsupported && slot.samples.length === 0) return 'not built';
  if (slot.medianMs === undefined) return 'failed';
  return `${seconds(slot.medianMs)} s${ratio(slot.ratio)}${slot.complete ? '' : ' †'}`;
}

/** One goal from the issue, checked against this run's figures. */
export interface GoalVerdict {
  goal: string;
  met: boolean | undefined;
  figure: string;
}

function figure(results: BenchResults, pick: (f: CommandFigure) => boolean, list: CommandFigure[]) {
  return list.find(pick);
}

export function goals(results: BenchResults): GoalVerdict[] {
  const verdicts: GoalVerdict[] = [];
  const nf = (phase: (typeof PHASES)[number]) => results.phases[phase].netform;
  for (const phase of ['cold', 'delta'] as const) {
    const r = nf(phase)?.ratio;
    verdicts.push({
      goal: `${phase} within 1.05× of the faster raw floor`,
      met: r === undefined ? undefined : r <= 1.05 && nf(phase)!.complete,
      figure: r === undefined ? 'not measured' : `${r.toFixed(2)}×`,
    });
  }
  const noop = nf('noop')?.medianMs;
  verdicts.push({
    goal: `no-op plan under 0.5 s wall (${results.size.networks} networks)`,
    met: noop === undefined ? undefined : noop < 500,
    figure: noop === undefined ? 'not measured' : `${seconds(noop)} s`,
  });
  const ansibleNoop = results.phases.noop.ansible?.medianMs;
  verdicts.push({
    goal: 'no-op plan at least 20× faster than Ansible’s no-op',
    met: noop === undefined || ansibleNoop === undefined ? undefined : ansibleNoop / noop >= 20,
    figure:
      noop === undefined || ansibleNoop === undefined
        ? 'not measured'
        : `${(ansibleNoop / noop).toFixed(0)}×`,
  });
  for (const phase of PHASES) {
    const mine = nf(phase)?.medianMs;
    const cli = results.phases[phase].cli?.medianMs;
    verdicts.push({
      goal: `${phase}: faster than the docker CLI script`,
      met: mine === undefined || cli === undefined ? undefined : mine < cli,
      figure:
        mine === undefined || cli === undefined
          ? 'not measured'
          : `${seconds(mine)} s vs ${seconds(cli)} s (${(cli / mine).toFixed(2)}×)`,
    });
  }
  verdicts.push(...(results.startupGoals ?? []));
  const plan = figure(results, (f) => f.command.startsWith('netform plan'), results.planOnly.figures);
  verdicts.push({
    goal: `peak memory under 150 MB at ${results.planOnly.networks} networks`,
    met: plan?.maxRssKb === undefined ? undefined : plan.maxRssKb < 150 * 1024,
    figure: plan?.maxRssKb === undefined ? 'not measured' : `${(plan.maxRssKb / 1024).toFixed(0)} MB`,
  });
  return verdicts;
}

export function renderMarkdown(results: BenchResults): string {
  const peers = results.peers;
  const lines: string[] = [];
  const { networks, containers, attachments } = results.size;
  lines.push(
    `## netform benchmark — run ${results.run} (${results.startedAt.slice(0, 16)}Z)`,
    '',
    `Engine ${results.host.engine} (API ${results.host.apiVersion}), ${results.host.cpus} cores, node ${results.host.node}, ` +
      `netform ${results.netform.commit}. Scenario \`${results.sizeName}\`: ${networks} networks, ${containers} running ` +
      `containers, ${attachments} attachments each with an alias; delta moves ${results.delta.moved} of ` +
      `${results.delta.attachments} attachments, adds ${results.delta.added} and removes ${results.delta.removed} networks. ` +
      `Medians of ${results.repeats}${results.proxy ? ', every peer through the counting proxy' : ''}. ` +
      'Ratios are to the faster of the two raw API floors; † = the engine did not end up as desired (see below).' +
      (results.finishedAt
        ? ` The run took ${((Date.parse(results.finishedAt) - Date.parse(results.startedAt)) / 60_000).toFixed(1)} min.`
        : ''),
    '',
    `| phase | ${peers.map((p) => p.title).join(' | ')} |`,
    `| --- | ${peers.map(() => '---:').join(' | ')} |`,
  );
  for (const phase of PHASES) {
    lines.push(
      `| ${phase} | ${peers.map((p) => cell(results.phases[phase][p.id], p.unavailable)).join(' | ')} |`,
    );
  }
  lines.push(
    '',
    '**API calls per phase** (median, through the counting proxy; writes the floor needs in brackets)',
    '',
  );
  lines.push(
    `| phase | ${peers.map((p) => p.title).join(' | ')} |`,
    `| --- | ${peers.map(() => '---:').join(' | ')} |`,
  );
  for (const phase of PHASES) {
    const ops = Object.values(results.ops[phase]).reduce((a, b) => a + b, 0);
    lines.push(
      `| ${phase} [${ops}] | ${peers.map((p) => results.phases[phase][p.id]?.medianCalls ?? '—').join(' | ')} |`,
    );
  }
  lines.push('', '**Peak memory (max RSS of the process, MB)**', '');
  lines.push(
    `| phase | ${peers.map((p) => p.title).join(' | ')} |`,
    `| --- | ${peers.map(() => '---:').join(' | ')} |`,
  );
  for (const phase of PHASES) {
    const rss = (id: string): string => {
      const kb = results.phases[phase][id]?.maxRssKb;
      return kb ? (kb / 1024).toFixed(0) : 'in-process';
    };
    lines.push(`| ${phase} | ${peers.map((p) => (p.floor ? 'in-process' : rss(p.id))).join(' | ')} |`);
  }

  const incomplete: string[] = [];
  for (const phase of PHASES) {
    for (const [id, slot] of Object.entries(results.phases[phase])) {
      const bad = slot.samples.filter((s) => !s.checkOk || s.error);
      if (bad.length === 0) continue;
      const first = bad[0]!;
      const what = Object.entries(first.problems)
        .map(([kind, n]) => `${n} ${kind}`)
        .join(', ');
      incomplete.push(
        `- **${id} ${phase}** (${bad.length} of ${slot.samples.length} runs): ${what || 'engine as desired'}` +
          `${first.error ? `; error: ${first.error.split('\n')[0]}` : ''}` +
          `${first.examples[0] ? ` — e.g. ${first.examples[0]}` : ''}`,
      );
    }
  }
  lines.push(
    '',
    '**Peers that did not do the whole job**',
    '',
    ...(incomplete.length ? incomplete : ['- none']),
  );
  const unsupported = PHASES.flatMap((phase) =>
    Object.entries(results.phases[phase])
      .filter(([, slot]) => slot.unsupported)
      .map(([id, slot]) => `- ${id} ${phase}: ${slot.unsupported}`),
  );
  const skipped = peers.filter((p) => p.unavailable).map((p) => `- ${p.title}: ${p.unavailable}`);
  if (unsupported.length || skipped.length)
    lines.push('', '**Not measured**', '', ...skipped, ...unsupported);

  if (results.startup.length || results.planOnly.figures.length || results.planOnly.purePlan) {
    lines.push(
      '',
      '**Start-up and plan-only figures** (medians)',
      '',
      '| command | wall | max RSS | API calls | note |',
    );
    lines.push('| --- | ---: | ---: | ---: | --- |');
    for (const f of [...results.startup, ...results.planOnly.figures]) {
      lines.push(
        `| \`${f.command}\` | ${f.medianMs.toFixed(0)} ms | ${f.maxRssKb ? `${(f.maxRssKb / 1024).toFixed(0)} MB` : ''} | ` +
          `${f.calls ?? ''} | ${f.note ?? ''} |`,
      );
    }
    for (const c of results.planOnly.purePlan?.cases ?? []) {
      lines.push(`| pure plan, ${c.name} | ${c.medianCpuMs.toFixed(0)} ms CPU | | | ${c.actions} actions |`);
    }
    if (results.planOnly.purePlan?.note) lines.push('', results.planOnly.purePlan.note);
  }

  lines.push('', '**Goals**', '', '| goal | figure | met |', '| --- | ---: | --- |');
  for (const g of goals(results)) {
    lines.push(
      `| ${g.goal} | ${g.figure} | ${g.met === undefined ? 'not measured' : g.met ? 'yes' : '**no**'} |`,
    );
  }
  const loads = PHASES.flatMap((phase) =>
    Object.values(results.phases[phase]).flatMap((slot) => slot.samples.map((s) => s.loadavg)),
  );
  if (loads.length > 0) {
    lines.push(
      '',
      `Load average (1 min) at phase starts: ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} ` +
        `on ${results.host.cpus} cores. Above ~0.5, something else (other test runs on the same engine) was ` +
        'competing: figures from such a run are noisy.',
    );
  }
  for (const note of results.notes) lines.push('', note);
  return `${lines.join('\n')}\n`;
}

const stemOf = (results: BenchResults): string =>
  `${results.startedAt.slice(0, 16).replace(/[:T]/g, '-')}-${results.sizeName}-${results.run}`;

async function readAll(dir: string): Promise<BenchResults[]> {
  const all: BenchResults[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()) {
    const parsed = JSON.parse(await readFile(join(dir, file), 'utf8')) as BenchResults;
    if (parsed.format === 'netform-bench') all.push(parsed);
  }
  return all;
}

/** Writes `<stamp>-<size>-<run>.json` and `.md`, and redraws chart.svg from every JSON in the directory. */
export async function writeReport(
  results: BenchResults,
  dir: string,
): Promise<{ json: string; markdown: string; svg: string }> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, `${stemOf(results)}.json`);
  const markdown = join(dir, `${stemOf(results)}.md`);
  await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
  const text = renderMarkdown(results);
  await writeFile(markdown, text);
  process.stdout.write(`\n${text}`);
  const svg = join(dir, 'chart.svg');
  await writeFile(svg, renderChart(await readAll(dir)));
  return { json, markdown, svg };
}

/** Re-renders every run's `.md` and the chart from the JSON files (after a change to the renderers). */
export async function redrawAll(dir: string): Promise<number> {
  const all = await readAll(dir);
  for (const results of all) await writeFile(join(dir, `${stemOf(results)}.md`), renderMarkdown(results));
  await writeFile(join(dir, 'chart.svg'), renderChart(all));
  return all.length;
}
