import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderChart } from './chart.js';
import { PHASES } from './peer.js';
import { median } from './measure.js';
import type { BenchResults, PeerPhaseResult } from './results.js';

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
  /** A goal that asks for figures, with no threshold to meet. */
  figuresOnly?: true;
}

/** The performance issue's goals that `npm run bench` measures, with this run's figures. */
export function goals(results: BenchResults): GoalVerdict[] {
  const verdicts: GoalVerdict[] = [];
  const nf = (phase: (typeof PHASES)[number]) => results.phases[phase].netform;
  const floorOf = (phase: (typeof PHASES)[number]) => {
    const floors = results.peers.filter((p) => p.floor).map((p) => p.id);
    return floors
      .map((id) => ({ id, ms: results.phases[phase][id]?.medianMs }))
      .filter((f): f is { id: string; ms: number } => f.ms !== undefined)
      .sort((a, b) => a.ms - b.ms)[0];
  };
  for (const phase of ['cold', 'delta'] as const) {
    const mine = nf(phase);
    const floor = floorOf(phase);
    const r = mine?.ratio;
    verdicts.push({
      goal: `${phase} apply within 1.05× of the raw floor (each write at its best concurrency)`,
      met: r === undefined ? undefined : r <= 1.05 && mine!.complete,
      figure:
        r === undefined || !floor
          ? 'not measured'
          : `${seconds(mine!.medianMs!)} s vs ${seconds(floor.ms)} s, ${floor.id} (${r.toFixed(2)}×)`,
    });
  }
  for (const g of results.startupGoals ?? []) {
    // bench/startup.ts's plan goal is measured here on a quickstart-size spec in the bench's range.
    if (/no-op `plan`/.test(g.goal)) continue;
    verdicts.push(g);
  }
  const quick = results.startup.find((f) => f.command.includes('quickstart size, no-op'));
  verdicts.push({
    goal: 'no-op plan of a quickstart-size spec under 0.2 s',
    met: quick ? quick.medianMs < 200 : undefined,
    figure: quick ? `${quick.medianMs.toFixed(0)} ms` : 'not measured',
  });
  verdicts.push(...scaleGoals(results), ...fleetGoals(results), ...watchGoals(results));
  return verdicts;
}

const elsewhere = (command: string): string => `not measured in this run: \`${command}\``;

/** The scale goals, from this run's bench:scale, else from a plan-only scenario built on the engine. */
function scaleGoals(results: BenchResults): GoalVerdict[] {
  const { scale, planOnly } = results;
  const plan = planOnly.figures.find((f) => f.command.startsWith('netform plan'));
  const raw = planOnly.figures.find((f) => f.command.startsWith('API floor no-op reads'));
  const measured = scale
    ? {
        at: `${scale.size.networks} networks, ${scale.size.containers} containers × ${scale.size.attachments}`,
        planMs: scale.netformPlan.medianMs,
        rawMs: scale.rawReads.medianMs,
        rssKb: scale.netformPlan.maxRssKb,
        of: `, median of ${scale.repeats}`,
      }
    : planOnly.onEngine && plan && raw
      ? {
          at: `${planOnly.networks} networks, ${planOnly.networks} containers × 3`,
          planMs: plan.medianMs,
          rawMs: raw.medianMs,
          rssKb: plan.maxRssKb,
          of: '',
        }
      : undefined;
  const at = measured?.at ?? `${planOnly.networks} networks, ${planOnly.networks} containers × 3`;
  if (!measured) {
    return [
      {
        goal: `no-op plan at ${at} within 1.3× of the raw reads`,
        met: undefined,
        figure: elsewhere('npm run bench:scale'),
      },
      {
        goal: 'peak memory of that plan under 110 MB',
        met: undefined,
        figure: elsewhere('npm run bench:scale'),
      },
    ];
  }
  const r = measured.planMs / measured.rawMs;
  return [
    {
      goal: `no-op plan at ${at} within 1.3× of the raw reads`,
      met: r <= 1.3,
      figure: `${seconds(measured.planMs)} s vs ${seconds(measured.rawMs)} s (${r.toFixed(2)}×)${measured.of}`,
    },
    {
      goal: 'peak memory of that plan under 110 MB',
      met: measured.rssKb === undefined ? undefined : measured.rssKb < 110 * 1024,
      figure: measured.rssKb === undefined ? 'not measured' : `${(measured.rssKb / 1024).toFixed(0)} MB`,
    },
  ];
}

/** The goal across engines: the apply to the most engines against the slowest of them alone. */
function fleetGoals(results: BenchResults): GoalVerdict[] {
  const fleet = results.fleet;
  const most = fleet ? Math.max(...Object.keys(fleet.together).map(Number)) : undefined;
  const row = fleet && most !== undefined ? fleet.together[String(most)] : undefined;
  if (!fleet || !row) {
    return [
      {
        goal: 'apply across 4 engines within 1.2× of the slowest engine alone',
        met: undefined,
        figure: elsewhere('npm run bench:fleet'),
      },
    ];
  }
  const r = row.cold / row.slowestAlone.cold;
  const busy =
    row.coldBusy === undefined ? '' : `; the ${fleet.cores} cores ${(row.coldBusy * 100).toFixed(0)}% busy`;
  return [
    {
      goal: `apply across ${most} engines within 1.2× of the slowest engine alone`,
      met: r <= 1.2,
      figure: `${seconds(row.cold)} s vs ${seconds(row.slowestAlone.cold)} s (${r.toFixed(2)}×)${busy}`,
    },
  ];
}

/** The watch's figures: the issue asks for them measured, with no threshold. */
function watchGoals(results: BenchResults): GoalVerdict[] {
  const watch = results.watch;
  return [
    {
      goal: 'watch: event-to-repair latency and idle CPU (figures, no threshold)',
      met: undefined,
      ...(watch ? { figuresOnly: true as const } : {}),
      figure: watch
        ? `repair median ${watch.repairMs.median} ms, p95 ${watch.repairMs.p95} ms (${watch.runs} runs); idle ${watch.idle.cpuPercent}% of a core over ${watch.idle.seconds} s`
        : elsewhere('npm run bench:watch'),
    },
  ];
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
      'Ratios are to the fastest raw API floor of the phase; † = the engine did not end up as desired (see below).' +
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

  if (results.sweep) {
    const { sweep } = results;
    lines.push(
      '',
      `**The raw floor's concurrency sweep** (all of the scenario's writes of a kind, median of ${sweep.passes} passes; ` +
        'the best, in bold, is the raw-best floor’s)',
      '',
      `| write | ${sweep.levels.map((l) => `${l} at a time`).join(' | ')} |`,
      `| --- | ${sweep.levels.map(() => '---:').join(' | ')} |`,
    );
    for (const kind of Object.keys(sweep.samples) as (keyof typeof sweep.samples)[]) {
      const cells = sweep.levels.map((level) => {
        const text = `${seconds(median(sweep.samples[kind][String(level)] ?? []))} s`;
        return level === sweep.best[kind] ? `**${text}**` : text;
      });
      lines.push(`| ${kind} | ${cells.join(' | ')} |`);
    }
  }
  if (results.lock) {
    const configOnly = median(results.lock.configOnlyMs);
    const bridge = median(results.lock.bridgeMs);
    lines.push(
      '',
      `**The apply lock's cost per apply** (medians of ${results.lock.configOnlyMs.length}, straight to the engine): ` +
        `${configOnly.toFixed(0)} ms for the three requests netform's lock sends (a config-only network created, ` +
        `listed by name, removed), against ${bridge.toFixed(0)} ms for the same with a bridge network.`,
    );
  }

  lines.push('', '**Goals**', '', '| goal | figure | met |', '| --- | ---: | --- |');
  for (const g of goals(results)) {
    lines.push(
      `| ${g.goal} | ${g.figure} | ${g.figuresOnly ? 'measured' : g.met === undefined ? 'not measured' : g.met ? 'yes' : '**no**'} |`,
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
  const missed = goals(results).some((g) => g.met === false);
  if (results.profiles?.length) {
    lines.push(
      '',
      `**Where netform's time goes** (one more run of each phase, untimed, profiled with \`--cpu-prof\`, the tsc-built CLI${missed ? '; a goal above is missed' : ''})`,
    );
    for (const p of results.profiles) {
      lines.push(
        '',
        `${p.phase} (${seconds(p.wallMs)} s under the profiler):`,
        '',
        '```',
        p.summary.trimEnd(),
        '```',
      );
    }
  }
  if (results.startupProfile) {
    lines.push(
      '',
      `**Where the quickstart-size no-op plan's time goes** (one more run, untimed, \`--cpu-prof\`, the bundle; ` +
        `${results.startupProfile.wallMs.toFixed(0)} ms under the profiler)`,
      ...fence(results.startupProfile.summary),
    );
  }
  lines.push(...subBenchSections(results));
  for (const note of results.notes) lines.push('', note);
  return `${lines.join('\n')}\n`;
}

const fence = (text: string): string[] => ['', '```', text.trimEnd(), '```'];

/** The figures of the other bench commands this run ran (bench/subbench.ts), with their profiles. */
function subBenchSections(results: BenchResults): string[] {
  const lines: string[] = [];
  const mb = (kb?: number): string => (kb ? `${(kb / 1024).toFixed(0)} MB` : '—');
  const { scale, fleet, watch } = results;
  if (scale) {
    const plan = scale.netformPlan;
    lines.push(
      '',
      `**Scale** (\`bench:scale\`): the no-op plan at ${scale.size.networks} networks and ${scale.size.containers} ` +
        `created containers × ${scale.size.attachments}, beside the raw reads it needs (8 in flight), both through the ` +
        `counting proxy, alternating, median of ${scale.repeats}, load ${plan.loadavg.min.toFixed(1)}–${plan.loadavg.max.toFixed(1)}`,
      '',
      '| | wall | CPU | peak memory | API calls |',
      '| --- | ---: | ---: | ---: | ---: |',
      `| \`netform plan --detailed-exitcode\` | ${seconds(plan.medianMs)} s | ${plan.medianCpuMs === undefined ? '—' : `${seconds(plan.medianCpuMs)} s`} | ${mb(plan.maxRssKb)} | ${plan.medianCalls ?? '—'} |`,
      `| raw reads | ${seconds(scale.rawReads.medianMs)} s | in-process | in-process | ${scale.rawReads.medianCalls ?? '—'} |`,
    );
    if (scale.profileSummary) {
      lines.push('', 'Where that plan’s time goes (one more run, untimed, `--cpu-prof`, the tsc-built CLI):');
      lines.push(...fence(scale.profileSummary));
    }
  }
  if (fleet) {
    lines.push(
      '',
      `**Several engines** (\`bench:fleet\`): ${fleet.size.networks} networks and ${fleet.size.containers} running containers × ` +
        `${fleet.size.attachments} on each engine, ${fleet.engine} each in its own network namespace on this machine, ` +
        `median of ${fleet.size.repeats}, load ${fleet.load}; "cores busy" is the share of all ${fleet.cores} cores in use ` +
        'during the cold applies (/proc/stat)',
      '',
      '| engines | cold apply | vs slowest alone | cores busy | no-op plan | vs slowest alone | destroy | vs slowest alone |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    const busy = (share?: number): string => (share === undefined ? '—' : `${(share * 100).toFixed(0)}%`);
    for (const [n, row] of Object.entries(fleet.together)) {
      const r = (k: 'cold' | 'noop' | 'destroy'): string => `${(row[k] / row.slowestAlone[k]).toFixed(2)}×`;
      lines.push(
        `| ${n} | ${seconds(row.cold)} s | ${r('cold')} | ${busy(row.coldBusy)} | ${seconds(row.noop)} s | ${r('noop')} | ${seconds(row.destroy)} s | ${r('destroy')} |`,
      );
    }
    lines.push(
      '',
      `Each engine alone: ${Object.entries(fleet.alone)
        .map(([name, m]) => `${name} cold ${seconds(m.cold)} s (cores ${busy(m.coldBusy)} busy)`)
        .join(', ')}.`,
    );
    if (fleet.profile) {
      lines.push('', 'Where netform’s time goes across the engines (one more apply, untimed, `--cpu-prof`):');
      lines.push(...fence(fleet.profile));
    }
  }
  if (watch) {
    lines.push(
      '',
      `**Watch** (\`bench:watch\`) on ${watch.engine}, debounce ${watch.debounce}, load ${watch.load}: a running ` +
        `container disconnected ${watch.runs} times, repaired in a median of ${watch.repairMs.median} ms ` +
        `(p95 ${watch.repairMs.p95} ms, ${watch.repairMs.min}–${watch.repairMs.max} ms, engine event to engine event); ` +
        `idle, ${watch.idle.cpuSeconds} s of CPU over ${watch.idle.seconds} s (${watch.idle.cpuPercent}% of one core).`,
    );
  }
  return lines;
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
