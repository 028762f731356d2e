/**
 * `npm run bench:startup`: what a user waits for before anything happens (issue 14, "Start-up"),
 * measured side by side in one run, and `validate --offline` at scale (docs/benchmark.md,
 * "Start-up").
 *
 * Interleaved rounds (`--repeats`, default 15; the order rotates every round), median of each:
 *
 * - `node -e ''`: the floor, what Node.js itself takes to start and stop;
 * - `netform --version`;
 * - `netform validate --offline` of examples/quickstart;
 * - `netform plan --detailed-exitcode` of examples/quickstart on the engine DOCKER_HOST names,
 *   a no-op (it is applied first, and must exit 0); left out with `--no-engine`.
 *
 * Then `validate --offline` of a generated spec of `--networks` networks (default 2,000, a /28
 * each in 10.213.0.0/16; never sent to an engine) and `--containers` containers (2,000) with
 * `--attachments` networks each (3, each with an alias), `--scale-repeats` times (3).
 *
 * `--profile` also writes a V8 CPU profile of one more run of each netform command to
 * bench/results/tmp/startup-<run>/ (summarise with bench/profile-summary.ts).
 *
 * The netform measured is the build in dist/ (`npm run bench:startup` builds it first). Results:
 * bench/results/startup-<date>-<run>.json and .md, with the load average of every round. The
 * quickstart's networks and container (netform-demo-explorer, as scripts/demo.sh starts it) are
 * removed at the end if this run created them.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { stringify } from 'yaml';
import { ensureBusyboxImage } from '../scripts/busybox-image.mjs';
import { median, timeChild, type ChildRun } from './measure.js';

const exec = promisify(execFile);
/** The quickstart's container, as scripts/demo.sh starts it. */
const EXPLORER = 'netform-demo-explorer';
const EXPLORER_IMAGE = 'netform-demo/busybox:1';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NETFORM = join(ROOT, 'dist', 'netform.js');
const QUICKSTART = join(ROOT, 'examples', 'quickstart', 'netform.yaml');
const RESULTS = join(ROOT, 'bench', 'results');

/** The issue's goals for start-up (issue 14). */
export const STARTUP_GOALS = {
  versionRatio: 1.5,
  validateRatio: 2,
  noopPlanMs: 200,
  scaleValidateMs: 1000,
} as const;

export interface StartupSample {
  round: number;
  wallMs: number;
  cpuMs?: number;
  maxRssKb?: number;
  /** 1-minute load average when the round started. */
  loadavg: number;
}

export interface StartupFigure {
  id: 'node' | 'version' | 'validate' | 'plan' | 'scale';
  command: string;
  samples: StartupSample[];
  medianMs: number;
  medianCpuMs?: number;
  maxRssKb?: number;
}

export interface StartupResults {
  format: 'netform-bench-startup';
  formatVersion: 1;
  run: string;
  startedAt: string;
  finishedAt?: string;
  host: { cpus: number; node: string };
  engine?: string;
  repeats: number;
  scale: { networks: number; containers: number; attachments: number; specBytes: number };
  figures: StartupFigure[];
  goals: { goal: string; figure: string; met: boolean | undefined }[];
  profiles?: string;
}

interface Command {
  id: StartupFigure['id'];
  label: string;
  args: string[];
  /** Exit codes that count as success. */
  expect: number[];
}

/** The spec of the scale figure: `networks` networks, `containers` containers × `attachments` (with aliases). */
export function scaleSpec(networks: number, containers: number, attachments: number): string {
  if (networks > 4096) throw new Error('at most 4,096 /28 networks fit in 10.213.0.0/16');
  const nets: Record<string, unknown> = {};
  const names: string[] = [];
  for (let i = 0; i < networks; i++) {
    const name = `nfs-net-${String(i).padStart(4, '0')}`;
    names.push(name);
    nets[name] = { subnet: `10.213.${Math.floor(i / 16)}.${(i % 16) * 16}/28` };
  }
  const ctrs: Record<string, unknown> = {};
  for (let c = 0; c < containers; c++) {
    const attached: Record<string, unknown> = {};
    for (let k = 0; k < Math.min(attachments, networks); k++) {
      attached[names[(c + k * 7) % networks]!] = { aliases: [`svc-${c}-${k}`] };
    }
    ctrs[`nfs-ctr-${String(c).padStart(4, '0')}`] = { networks: attached };
  }
  return stringify({ version: 1, project: 'nfs-scale', networks: nets, containers: ctrs });
}

function check(command: Command | { label: string; expect: number[] }, result: ChildRun): void {
  if (!command.expect.includes(result.code)) {
    throw new Error(
      `${command.label}: exit ${result.code}, expected ${command.expect.join(' or ')}:\n${result.stdout}${result.stderr}`.trim(),
    );
  }
}

function figureOf(id: StartupFigure['id'], command: string, samples: StartupSample[]): StartupFigure {
  const cpu = samples.flatMap((s) => (s.cpuMs === undefined ? [] : [s.cpuMs]));
  const rss = Math.max(0, ...samples.map((s) => s.maxRssKb ?? 0));
  return {
    id,
    command,
    samples,
    medianMs: median(samples.map((s) => s.wallMs)),
    ...(cpu.length ? { medianCpuMs: median(cpu) } : {}),
    ...(rss ? { maxRssKb: rss } : {}),
  };
}

/** The goals' verdicts from the figures (ratios to `node -e ''` of the same run). */
export function startupGoals(figures: StartupFigure[]): StartupResults['goals'] {
  const get = (id: StartupFigure['id']) => figures.find((f) => f.id === id);
  const node = get('node');
  const ratio = (id: StartupFigure['id'], goal: number, what: string) => {
    const f = get(id);
    if (!f || !node)
      return { goal: `${what} within ${goal}× of \`node -e ''\``, figure: 'not measured', met: undefined };
    const r = f.medianMs / node.medianMs;
    return {
      goal: `${what} within ${goal}× of \`node -e ''\``,
      figure: `${f.medianMs.toFixed(0)} ms vs ${node.medianMs.toFixed(0)} ms (${r.toFixed(2)}×)`,
      met: r <= goal,
    };
  };
  const under = (id: StartupFigure['id'], ms: number, what: string) => {
    const f = get(id);
    return {
      goal: `${what} under ${ms / 1000} s`,
      figure: f ? `${f.medianMs.toFixed(0)} ms` : 'not measured',
      met: f ? f.medianMs < ms : undefined,
    };
  };
  return [
    ratio('version', STARTUP_GOALS.versionRatio, '`netform --version`'),
    ratio('validate', STARTUP_GOALS.validateRatio, '`validate --offline` of examples/quickstart'),
    under('plan', STARTUP_GOALS.noopPlanMs, 'no-op `plan` of examples/quickstart'),
    under('scale', STARTUP_GOALS.scaleValidateMs, '`validate --offline` at scale'),
  ];
}

export interface MeasureOptions {
  bin: string;
  workDir: string;
  repeats: number;
  scaleRepeats: number;
  scale: { networks: number; containers: number; attachments: number };
  /** Measure the no-op plan on this engine (DOCKER_HOST); the quickstart must be applied already. */
  engine?: string;
  profileDir?: string;
  log: (line: string) => void;
}

/** The interleaved start-up rounds and the scale figure. */
export async function measureStartup(
  options: MeasureOptions,
): Promise<{ figures: StartupFigure[]; specBytes: number }> {
  const { bin, workDir, log } = options;
  const env = { ...process.env, NO_COLOR: '1', ...(options.engine ? { DOCKER_HOST: options.engine } : {}) };
  const timeFile = join(workDir, 'startup.time');
  const run = (args: string[]) =>
    timeChild(process.execPath, args, { env, cwd: workDir, timeFile, timeoutMs: 120_000 });

  const commands: Command[] = [
    { id: 'node', label: "node -e ''", args: ['-e', ''], expect: [0] },
    { id: 'version', label: 'netform --version', args: [bin, '--version'], expect: [0] },
    {
      id: 'validate',
      label: 'netform validate --offline -f examples/quickstart/netform.yaml',
      args: [bin, 'validate', '--offline', '-f', QUICKSTART],
      expect: [0],
    },
  ];
  if (options.engine) {
    commands.push({
      id: 'plan',
      label: 'netform plan --detailed-exitcode -f examples/quickstart/netform.yaml (no-op)',
      args: [bin, 'plan', '--detailed-exitcode', '-f', QUICKSTART],
      expect: [0],
    });
  }
  // One untimed run of each first: the page cache, not the first round, pays for reading the files.
  for (const command of commands) check(command, await run(command.args));

  const samples = new Map<Command, StartupSample[]>(commands.map((c) => [c, []]));
  for (let round = 1; round <= options.repeats; round++) {
    const shift = (round - 1) % commands.length;
    const order = [...commands.slice(shift), ...commands.slice(0, shift)];
    const load = loadavg()[0] ?? 0;
    for (const command of order) {
      const result = await run(command.args);
      check(command, result);
      samples.get(command)!.push({
        round,
        wallMs: result.wallMs,
        cpuMs: result.cpuMs,
        maxRssKb: result.maxRssKb,
        loadavg: load,
      });
    }
    log(
      `[${round}/${options.repeats}] load ${load.toFixed(2)}: ` +
        commands.map((c) => `${c.id} ${samples.get(c)!.at(-1)!.wallMs.toFixed(0)} ms`).join(', '),
    );
  }
  const figures = commands.map((c) => figureOf(c.id, c.label, samples.get(c)!));

  const { networks, containers, attachments } = options.scale;
  const spec = scaleSpec(networks, containers, attachments);
  const specFile = join(workDir, 'scale.yaml');
  await writeFile(specFile, spec);
  const scale: Command = {
    id: 'scale',
    label: `netform validate --offline (${networks} networks, ${containers} containers × ${attachments})`,
    args: [bin, 'validate', '--offline', '-f', specFile],
    expect: [0],
  };
  const scaleSamples: StartupSample[] = [];
  for (let round = 1; round <= options.scaleRepeats; round++) {
    const load = loadavg()[0] ?? 0;
    const result = await run(scale.args);
    check(scale, result);
    scaleSamples.push({
      round,
      wallMs: result.wallMs,
      cpuMs: result.cpuMs,
      maxRssKb: result.maxRssKb,
      loadavg: load,
    });
    log(`[scale ${round}/${options.scaleRepeats}] load ${load.toFixed(2)}: ${result.wallMs.toFixed(0)} ms`);
  }
  figures.push(figureOf('scale', scale.label, scaleSamples));

  if (options.profileDir) {
    await mkdir(options.profileDir, { recursive: true });
    for (const command of [...commands.filter((c) => c.id !== 'node'), scale]) {
      const result = await run([
        '--cpu-prof',
        '--cpu-prof-dir',
        options.profileDir,
        '--cpu-prof-name',
        `${command.id}.cpuprofile`,
        ...command.args,
      ]);
      check(command, result);
    }
    log(`profiles: ${options.profileDir}`);
  }
  return { figures, specBytes: Buffer.byteLength(spec) };
}

export function renderStartup(results: StartupResults): string {
  const loads = results.figures.flatMap((f) => f.samples.map((s) => s.loadavg));
  const lines = [
    `# netform start-up, run ${results.run}`,
    '',
    `${results.startedAt}, ${results.host.cpus} CPUs, Node.js ${results.host.node}` +
      (results.engine ? `, engine ${results.engine}` : ', no engine') +
      `; load average (1 min) ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}.`,
    '',
    `Medians of ${results.repeats} interleaved rounds (the scale figure: of its own runs).`,
    '',
    '| command | wall | CPU | max RSS |',
    '| --- | ---: | ---: | ---: |',
    ...results.figures.map(
      (f) =>
        `| \`${f.command}\` | ${f.medianMs.toFixed(0)} ms | ${f.medianCpuMs === undefined ? '' : `${f.medianCpuMs.toFixed(0)} ms`} | ` +
        `${f.maxRssKb ? `${(f.maxRssKb / 1024).toFixed(0)} MB` : ''} |`,
    ),
    '',
    '| goal | figure | met |',
    '| --- | ---: | --- |',
    ...results.goals.map(
      (g) =>
        `| ${g.goal} | ${g.figure} | ${g.met === undefined ? 'not measured' : g.met ? 'yes' : '**no**'} |`,
    ),
  ];
  if (results.profiles) lines.push('', `CPU profiles: ${results.profiles}`);
  return `${lines.join('\n')}\n`;
}

const USAGE = `usage: npm run bench:startup -- [options]
  --repeats N        interleaved rounds (default 15)
  --networks N       networks of the scale spec (default 2000)
  --containers M     containers of the scale spec (default 2000)
  --attachments K    networks per container (default 3)
  --scale-repeats R  runs of the scale figure (default 3)
  --no-engine        leave out the no-op plan (no engine needed)
  --profile          also write a CPU profile of each netform command`;

async function mainCli(): Promise<void> {
  const { values } = parseArgs({
    options: {
      repeats: { type: 'string', default: '15' },
      networks: { type: 'string', default: '2000' },
      containers: { type: 'string', default: '2000' },
      attachments: { type: 'string', default: '3' },
      'scale-repeats': { type: 'string', default: '3' },
      'no-engine': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!existsSync(NETFORM)) throw new Error('dist/netform.js is missing: run `npm run build`');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const run = `r${randomBytes(3).toString('hex')}`;
  const workDir = join(RESULTS, 'tmp', `startup-${run}`);
  await mkdir(workDir, { recursive: true });
  const startedAt = new Date().toISOString();

  let engine: string | undefined;
  let created = false;
  let startedExplorer = false;
  const env = { ...process.env, NO_COLOR: '1' };
  const netform = (args: string[]) =>
    timeChild(process.execPath, [NETFORM, ...args], {
      env,
      cwd: workDir,
      timeFile: join(workDir, 'setup.time'),
    });
  if (!values['no-engine']) {
    engine = process.env.DOCKER_HOST;
    if (!engine) throw new Error('set DOCKER_HOST to the engine to plan against, or pass --no-engine');
    // The quickstart as scripts/demo.sh sets it up: its container running, the spec applied, so
    // that the plan is a no-op that inspects the container.
    const present = await exec('docker', ['container', 'inspect', EXPLORER]).then(
      () => true,
      () => false,
    );
    if (!present) {
      log(`starting ${EXPLORER} on ${engine} (untimed)…`);
      ensureBusyboxImage(EXPLORER_IMAGE);
      await exec('docker', [
        'run',
        '-d',
        '--name',
        EXPLORER,
        '--label',
        'io.netform.demo=true',
        EXPLORER_IMAGE,
        'sleep',
        '2147483647',
      ]);
      startedExplorer = true;
    }
    const before = await netform(['plan', '--detailed-exitcode', '-f', QUICKSTART]);
    if (before.code === 2) {
      log(`applying examples/quickstart on ${engine} (untimed)…`);
      check(
        { label: 'netform apply', expect: [0] },
        await netform(['apply', '--auto-approve', '-f', QUICKSTART]),
      );
      created = true;
    } else check({ label: 'netform plan', expect: [0] }, before);
  }
  try {
    const scale = {
      networks: Number(values.networks),
      containers: Number(values.containers),
      attachments: Number(values.attachments),
    };
    const profileDir = values.profile ? join(workDir, 'profiles') : undefined;
    const { figures, specBytes } = await measureStartup({
      bin: NETFORM,
      workDir,
      repeats: Number(values.repeats),
      scaleRepeats: Number(values['scale-repeats']),
      scale,
      ...(engine ? { engine } : {}),
      ...(profileDir ? { profileDir } : {}),
      log,
    });
    const results: StartupResults = {
      format: 'netform-bench-startup',
      formatVersion: 1,
      run,
      startedAt,
      finishedAt: new Date().toISOString(),
      host: { cpus: cpus().length, node: process.version },
      ...(engine ? { engine } : {}),
      repeats: Number(values.repeats),
      scale: { ...scale, specBytes },
      figures,
      goals: startupGoals(figures),
      ...(profileDir ? { profiles: profileDir.replace(`${ROOT}`, '') } : {}),
    };
    const stamp = startedAt.slice(0, 16).replace(/[T:]/g, '-');
    const base = join(RESULTS, `startup-${stamp}-${run}`);
    const markdown = renderStartup(results);
    await writeFile(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(`${base}.md`, markdown);
    process.stdout.write(`\n${markdown}\nresults: ${base}.json\n`);
  } finally {
    if (created) {
      log('removing the quickstart this run applied…');
      const gone = await netform(['destroy', '--auto-approve', '-f', QUICKSTART]);
      if (gone.code !== 0) log(`netform destroy failed: ${gone.stderr.trim()}`);
    }
    if (startedExplorer) await exec('docker', ['rm', '-f', EXPLORER]).catch(() => undefined);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mainCli().catch((error: unknown) => {
    process.stderr.write(`bench:startup failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
