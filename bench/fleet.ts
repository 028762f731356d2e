/**
 * `npm run bench:fleet`: what the Nth engine costs (docs/benchmark.md, "Several engines").
 *
 * Engines: `--engines` of them (default 4) started by scripts/engines.sh, each a dockerd of its own
 * in its own network namespace (names nfb1, nfb2 …; left running afterwards unless `--down`). On
 * each: the same scenario, N networks (a /27 each in 10.213.224.0/21, inside the benchmark's
 * 10.213.128.0/17; the engines do not share a subnet space) and M running containers with K
 * attachments each, every container with an alias on each of its networks.
 *
 * For each engine alone (a spec without `engines:`, reached with --host), then for the first 1, 2
 * and 4 engines together (one spec with `engines:`), `--repeats` times (median reported):
 *
 * - cold: `netform apply --auto-approve` from nothing to the scenario;
 * - noop: `netform plan --detailed-exitcode` against it (must exit 0);
 * - destroy: `netform destroy --auto-approve` (and the networks are gone on every engine).
 *
 * The figure for n engines is set against the slowest of those engines alone (ideally 1.0, as the
 * engines are applied concurrently, when the machine has a core per engine) and, for the cold
 * apply, against the sum of them alone (what applying them one after another would cost). Every run is checked with an independent read of each engine
 * (the docker CLI): the networks and the container attachments with their aliases.
 *
 * While each cold apply runs, the machine's CPU (all cores, /proc/stat) is sampled: the share of
 * it that was busy says whether the engines had the cores to run side by side. With `--profile`,
 * one more apply to all the engines together runs under `--cpu-prof` (untimed, the tsc-built CLI so
 * the profile names functions) and its summary is printed and written: where netform's own time
 * goes when the goal is missed.
 *
 * Resources: names `nfb-<run>-…` (containers also the label io.netform.bench=<run>); all removed at the end, also on
 * failure and on Ctrl-C or SIGTERM (the engines themselves only with --down).
 */
import type { FleetFigures } from './results.js';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { stringify } from 'yaml';
import { TEST_IMAGE } from '../test/support/engine.js';
import { busyShare, machineCpu } from './measure.js';
import { profileSummary } from './profile.js';
import { BENCH_LABEL } from './scenario.js';

const exec = promisify(execFile);

const USAGE = `usage: npm run bench:fleet -- [options]
  --engines N        engines to start and measure (default 4; the sets are 1, 2, 4 … up to N)
  --version V        their Docker version: 20.10 (the host's dockerd, default), 26.1 or 28.5
  --networks N       networks per engine (default 10)
  --containers M     running containers per engine (default 20)
  --attachments K    networks per container (default 2)
  --repeats R        runs of each measurement, median reported (default 3)
  --profile          one more apply to all the engines under --cpu-prof (untimed), summarised
  --out FILE         write the results there (default bench/results/fleet-<date>-<run>.json)
  --down             stop the engines at the end`;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NETFORM = join(ROOT, 'dist/netform.js');
// The tsc-built CLI: the same code module by module, so a profile names functions and files.
const NETFORM_UNBUNDLED = join(ROOT, 'dist/cli/bin.js');
const ENGINES_SH = join(ROOT, 'scripts/engines.sh');

const { values } = parseArgs({
  options: {
    engines: { type: 'string', default: '4' },
    version: { type: 'string', default: '20.10' },
    networks: { type: 'string', default: '10' },
    containers: { type: 'string', default: '20' },
    attachments: { type: 'string', default: '2' },
    repeats: { type: 'string', default: '3' },
    profile: { type: 'boolean', default: false },
    out: { type: 'string' },
    down: { type: 'boolean', default: false },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const engineCount = Number(values.engines);
const networks = Number(values.networks);
const containers = Number(values.containers);
const attachments = Number(values.attachments);
const repeats = Number(values.repeats);
if (networks > 64 || attachments > networks) throw new Error('at most 64 networks, and K <= N');

const run = `r${randomBytes(3).toString('hex')}`;
const prefix = `nfb-${run}-`;
const project = `${prefix}p`;
const engineNames = Array.from({ length: engineCount }, (_, i) => `nfb${i + 1}`);
const sets = [1, 2, 4, 8, 16].filter((n) => n <= engineCount);
if (!sets.includes(engineCount)) sets.push(engineCount);

const netName = (i: number) => `${prefix}n${i}`;
const containerName = (j: number) => `${prefix}c${j}`;
/** The networks of container j: K consecutive ones, so every network has containers. */
const networksOf = (j: number) => Array.from({ length: attachments }, (_, k) => (j + k) % networks);

async function sh(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await exec(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  return stdout;
}

async function docker(host: string, args: string[]): Promise<string> {
  return sh('docker', args, { DOCKER_HOST: host });
}

/** Runs the CLI and resolves with its wall-clock time in ms and exit code. */
async function netform(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  node: string[] = [NETFORM],
): Promise<{ ms: number; code: number; out: string }> {
  const start = performance.now();
  try {
    const { stdout, stderr } = await exec(process.execPath, [...node, ...args], {
      cwd,
      env: { ...process.env, ...env },
      maxBuffer: 64 << 20,
    });
    return { ms: performance.now() - start, code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { ms: performance.now() - start, code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

function specFor(hosts: Record<string, string> | undefined): string {
  const nets: Record<string, unknown> = {};
  for (let i = 0; i < networks; i++) {
    nets[netName(i)] = { subnet: `10.213.${224 + (i >> 3)}.${(i & 7) * 32}/27` };
  }
  const ctrs: Record<string, unknown> = {};
  for (let j = 0; j < containers; j++) {
    const on: Record<string, unknown> = {};
    for (const i of networksOf(j)) on[netName(i)] = { aliases: [`c${j}-n${i}`] };
    ctrs[containerName(j)] = hosts ? { engines: 'all', networks: on } : { networks: on };
  }
  const engines = hosts
    ? Object.fromEntries(Object.entries(hosts).map(([name, host]) => [name, { host }]))
    : undefined;
  return stringify({
    version: 1,
    project,
    ...(engines ? { engines } : {}),
    networks: nets,
    containers: ctrs,
  });
}

/** An independent read of one engine: every network of the run and each container's aliases on it. */
async function checkEngine(host: string, applied: boolean): Promise<void> {
  const names = (
    await docker(host, ['network', 'ls', '--filter', `name=${prefix}n`, '--format', '{{.Name}}'])
  )
    .split('\n')
    .filter(Boolean);
  if (!applied) {
    if (names.length > 0) throw new Error(`${host}: networks left after destroy: ${names.join(', ')}`);
    return;
  }
  if (names.length !== networks) throw new Error(`${host}: ${names.length} networks, expected ${networks}`);
  const inspect = JSON.parse(
    await docker(host, [
      'container',
      'inspect',
      ...Array.from({ length: containers }, (_, j) => containerName(j)),
    ]),
  ) as { Name: string; NetworkSettings: { Networks: Record<string, { Aliases?: string[] | null }> } }[];
  for (const [j, c] of inspect.entries()) {
    for (const i of networksOf(j)) {
      const aliases = c.NetworkSettings.Networks[netName(i)]?.Aliases ?? [];
      if (!aliases.includes(`c${j}-n${i}`))
        throw new Error(`${host}: ${c.Name} is not on ${netName(i)} with its alias`);
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

interface Measured {
  cold: number;
  noop: number;
  destroy: number;
}

/** A measurement with the share of the machine's cores that was busy during its cold applies. */
interface MeasuredBusy extends Measured {
  coldBusy: number;
}

/** cold, noop, destroy on `hosts` (one engine without engines:, or several with it), R times. */
async function measure(dir: string, hosts: Record<string, string>, single: boolean): Promise<MeasuredBusy> {
  const spec = join(dir, 'netform.yaml');
  await writeFile(spec, specFor(single ? undefined : hosts));
  const env = single ? { DOCKER_HOST: Object.values(hosts)[0] } : {};
  const all: MeasuredBusy[] = [];
  for (let r = 0; r < repeats; r++) {
    const before = await machineCpu();
    const cold = await netform(['apply', '--auto-approve'], dir, env);
    const coldBusy = busyShare(before, await machineCpu());
    if (cold.code !== 0) throw new Error(`apply failed (${cold.code}):\n${cold.out}`);
    for (const host of Object.values(hosts)) await checkEngine(host, true);
    const noop = await netform(['plan', '--detailed-exitcode'], dir, env);
    if (noop.code !== 0) throw new Error(`the plan after apply is not empty (${noop.code}):\n${noop.out}`);
    const destroy = await netform(['destroy', '--auto-approve'], dir, env);
    if (destroy.code !== 0) throw new Error(`destroy failed (${destroy.code}):\n${destroy.out}`);
    for (const host of Object.values(hosts)) await checkEngine(host, false);
    all.push({ cold: cold.ms, noop: noop.ms, destroy: destroy.ms, coldBusy });
  }
  return {
    cold: median(all.map((m) => m.cold)),
    noop: median(all.map((m) => m.noop)),
    destroy: median(all.map((m) => m.destroy)),
    coldBusy: median(all.map((m) => m.coldBusy)),
  };
}

/**
 * One more cold apply to all `hosts` together under `--cpu-prof` (untimed), then its destroy;
 * the engines are checked after each. Resolves with the profile's summary.
 */
async function profileApply(dir: string, hosts: Record<string, string>): Promise<string> {
  await writeFile(join(dir, 'netform.yaml'), specFor(hosts));
  const profiles = join(dir, 'profiles');
  const cold = await netform(['apply', '--auto-approve'], dir, {}, [
    '--cpu-prof',
    `--cpu-prof-dir=${profiles}`,
    '--cpu-prof-name=apply.cpuprofile',
    NETFORM_UNBUNDLED,
  ]);
  if (cold.code !== 0) throw new Error(`the profiled apply failed (${cold.code}):\n${cold.out}`);
  for (const host of Object.values(hosts)) await checkEngine(host, true);
  const destroy = await netform(['destroy', '--auto-approve'], dir, {});
  if (destroy.code !== 0) throw new Error(`destroy failed (${destroy.code}):\n${destroy.out}`);
  for (const host of Object.values(hosts)) await checkEngine(host, false);
  const summary = await profileSummary(join(profiles, 'apply.cpuprofile'), 10);
  return `apply to ${Object.keys(hosts).length} engines, ${(cold.ms / 1000).toFixed(2)} s under the profiler:\n${summary}`;
}

async function cleanup(hosts: string[]): Promise<void> {
  for (const host of hosts) {
    const list = async (args: string[]) =>
      (await docker(host, args).catch(() => '')).split('\n').filter(Boolean);
    const label = `label=${BENCH_LABEL}=${run}`;
    const cs = await list(['ps', '-aq', '--filter', label]);
    if (cs.length) await docker(host, ['rm', '-f', ...cs]).catch(() => '');
    const ns = await list(['network', 'ls', '-q', '--filter', `name=${prefix}n`]);
    const locks = await list(['network', 'ls', '-q', '--filter', `label=io.netform.lock=${project}`]);
    if (ns.length + locks.length) await docker(host, ['network', 'rm', ...ns, ...locks]).catch(() => '');
  }
  if (values.down)
    for (const name of engineNames) await sh('bash', [ENGINES_SH, 'down', name]).catch(() => '');
}

async function main(): Promise<void> {
  const hosts: Record<string, string> = {};
  for (const name of engineNames) {
    console.error(`bench:fleet: engine ${name} (Docker ${values.version})`);
    await sh('bash', [ENGINES_SH, 'up', name, values.version]);
    hosts[name] = (await sh('bash', [ENGINES_SH, 'host', name])).trim();
  }
  const dir = await mkdtemp(join(tmpdir(), 'netform-bench-fleet-'));
  let cleaning: Promise<void> | undefined;
  const done = (): Promise<void> =>
    (cleaning ??= (async () => {
      await cleanup(Object.values(hosts));
      await rm(dir, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals): void => {
    console.error(`\n${signal}: bench:fleet removing everything of run ${run}…`);
    void done().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const host of Object.values(hosts)) {
      await sh(process.execPath, [join(ROOT, 'scripts/busybox-image.mjs'), TEST_IMAGE], {
        DOCKER_HOST: host,
      });
      for (let j = 0; j < containers; j++) {
        await docker(host, [
          'run',
          '-d',
          '--name',
          containerName(j),
          '--label',
          `${BENCH_LABEL}=${run}`,
          TEST_IMAGE,
        ]);
      }
    }
    const alone: Record<string, MeasuredBusy> = {};
    for (const name of engineNames) {
      console.error(`bench:fleet: ${name} alone`);
      alone[name] = await measure(dir, { [name]: hosts[name]! }, true);
    }
    const together: Record<number, MeasuredBusy & { slowestAlone: Measured }> = {};
    for (const n of sets) {
      console.error(`bench:fleet: ${n} engine${n === 1 ? '' : 's'} in one spec`);
      const names = engineNames.slice(0, n);
      const m = await measure(dir, Object.fromEntries(names.map((e) => [e, hosts[e]!])), false);
      const slowest = (k: keyof Measured) => Math.max(...names.map((e) => alone[e]![k]));
      together[n] = {
        ...m,
        slowestAlone: { cold: slowest('cold'), noop: slowest('noop'), destroy: slowest('destroy') },
      };
    }
    let profile: string | undefined;
    if (values.profile) {
      console.error(`bench:fleet: one more apply to ${engineCount} engines under --cpu-prof (untimed)`);
      profile = await profileApply(dir, hosts);
    }
    const server = (
      await docker(hosts[engineNames[0]!]!, ['version', '--format', '{{.Server.Version}}'])
    ).trim();
    const result = {
      date: new Date().toISOString(),
      run,
      engine: `Docker ${server}`,
      size: { networks, containers, attachments, repeats },
      load: (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' '),
      cores: (await readFile('/proc/cpuinfo', 'utf8')).split('\n').filter((l) => l.startsWith('processor'))
        .length,
      alone,
      together,
      profile,
    };
    // Written as what `npm run bench` reads back (bench/subbench.ts): held to the reader's type.
    const figures: FleetFigures = result;
    const out =
      values.out ??
      join(ROOT, 'bench', 'results', `fleet-${result.date.slice(0, 16).replace(/[:T]/g, '-')}-${run}.json`);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(figures, null, 2)}\n`);
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const lines = [
      `netform across engines: ${networks} networks and ${containers} containers x ${attachments} per engine, ${result.engine}, median of ${repeats}, load ${result.load}, ${result.cores} cores`,
      '',
      '| engines | cold apply | vs slowest alone | vs sum alone | cores busy | no-op plan | vs slowest alone | destroy | vs slowest alone |',
      '| ------: | ---------: | ---------------: | -----------: | ---------: | ---------: | ---------------: | ------: | ---------------: |',
      ...sets.map((n) => {
        const t = together[n]!;
        const r = (k: keyof Measured) => `${(t[k] / t.slowestAlone[k]).toFixed(2)}x`;
        const sum = engineNames.slice(0, n).reduce((total, e) => total + alone[e]!.cold, 0);
        return `| ${n} | ${s(t.cold)} | ${r('cold')} | ${(t.cold / sum).toFixed(2)}x | ${(t.coldBusy * 100).toFixed(0)}% | ${s(t.noop)} | ${r('noop')} | ${s(t.destroy)} | ${r('destroy')} |`;
      }),
      '',
      `alone: ${engineNames.map((e) => `${e} cold ${s(alone[e]!.cold)} (cores ${(alone[e]!.coldBusy * 100).toFixed(0)}% busy), no-op ${s(alone[e]!.noop)}`).join('; ')}`,
      ...(profile ? ['', profile] : []),
      `written to ${out}`,
    ];
    console.log(lines.join('\n'));
  } finally {
    await done();
  }
}

await main();
