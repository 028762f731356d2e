/**
 * `npm run bench:scale`: netform's no-op plan at scale beside the raw reads it needs
 * (docs/benchmark.md, "Scale").
 *
 * Builds, untimed, N networks (a /27 each from the benchmark's 10.213.128.0/17) and M created,
 * never started, containers with K attachments each (an alias on each), as the large bench's
 * plan-only scenario does; then, `--repeats` times and alternating which goes first:
 *
 * - netform: `netform plan --detailed-exitcode` of the spec that describes exactly that state
 *   (must exit 0), under GNU time (wall, CPU, peak RSS);
 * - raw-8: the reads a no-op needs with node's http, keep-alive, 8 in flight (the bench's raw
 *   floor, bench/peers/raw-api.ts): the network list, the container list, an inspect per container.
 *
 * Both go through the counting proxy, so each pays the same extra hop and every call is counted.
 * With `--profile` one more netform run writes a CPU profile (untimed). Medians, the load average
 * at each sample and the ratio go to stdout and to bench/results/scale-<date>-<run>.json.
 *
 * Resources: `nfb-<run>-…`, label io.netform.bench=<run>; removed at the end, on failure and on
 * Ctrl-C (bench/resources.ts). `--keep` leaves them for another `--reuse <run>`.
 */
import type { ScaleFigures } from './results.js';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureTestImage } from '../test/support/engine.js';
import { EngineApi } from './engine-api.js';
import { median } from './measure.js';
import { diffOps } from './ops.js';
import { renderSpec, runNetform, snapshotNetform } from './peers/netform.js';
import { applyOps, rawApiPeer } from './peers/raw-api.js';
import { profileSummary } from './profile.js';
import { CountingProxy, totalCalls, type CallCounts } from './proxy.js';
import { createContainers, removeRun } from './resources.js';
import { EMPTY_STATE, buildScenario } from './scenario.js';

const USAGE = `usage: npm run bench:scale -- [options]
  --networks N      networks (default 1000)
  --containers M    created containers (default 1000)
  --attachments K   networks per container, each with an alias (default 3)
  --repeats R       samples of each peer, median reported (default 5)
  --profile         one more netform run with a CPU profile (untimed), summarised
  --out FILE        write the results there (default bench/results/scale-<date>-<run>.json)
  --no-proxy        talk to the engine directly (no call counts)
  --keep            leave the scenario on the engine and print its run id
  --reuse RUN       measure the scenario a --keep run left (same sizes)`;

const REPO = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(REPO, 'bench', 'results');
const log = (line: string): void => void process.stderr.write(`${line}\n`);

interface Sample {
  wallMs: number;
  cpuMs?: number;
  maxRssKb?: number;
  calls?: CallCounts;
  loadavg: number;
}

const { values } = parseArgs({
  options: {
    networks: { type: 'string', default: '1000' },
    containers: { type: 'string', default: '1000' },
    attachments: { type: 'string', default: '3' },
    repeats: { type: 'string', default: '5' },
    profile: { type: 'boolean', default: false },
    out: { type: 'string' },
    'no-proxy': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const int = (text: string, name: string, min: number): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} wants an integer of at least ${min}`);
  return n;
};
const size = {
  networks: int(values.networks, 'networks', 1),
  containers: int(values.containers, 'containers', 1),
  attachments: int(values.attachments, 'attachments', 1),
};
const repeats = int(values.repeats, 'repeats', 1);
const engineHost = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
if (!engineHost.startsWith('unix://'))
  throw new Error(`bench:scale needs a local engine socket, not ${engineHost}`);
const engineSocket = engineHost.slice('unix://'.length);

async function main(): Promise<void> {
  const run = values.reuse ?? `r${randomBytes(3).toString('hex')}`;
  const scenario = buildScenario(run, size, 'p');
  const workDir = join(RESULTS, 'tmp', `scale-${run}`);
  await mkdir(workDir, { recursive: true });
  const api = await EngineApi.connect(engineSocket, 8);
  const version = await api.call<{ Version: string; ApiVersion: string }>('GET', '/version');
  let proxy: CountingProxy | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      proxy?.stop();
      if (values.keep) {
        log(`--keep: the scenario stays on the engine; measure it again with --reuse ${run}`);
        return;
      }
      log(`removing run ${run}…`);
      for (const problem of await removeRun(api, run, scenario.prefix)) log(`cleanup: ${problem}`);
    })());
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`\n${signal}: cleaning up run ${run}…`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const install = await snapshotNetform(REPO, join(workDir, 'netform'));
    if (!install) throw new Error('netform is not built (its bin is missing): run `npm run build`');
    log(
      `bench:scale run ${run}: ${size.networks} networks, ${size.containers} created containers × ` +
        `${size.attachments}; engine ${version.Version} (API ${version.ApiVersion}), ${cpus().length} cores`,
    );
    if (!values.reuse) {
      await ensureTestImage();
      log('building the scenario (untimed)…');
      const started = Date.now();
      await createContainers(api, run, scenario.containers, { start: false });
      await applyOps(api, diffOps(EMPTY_STATE, scenario.initial), 8);
      log(`built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    const spec = join(workDir, 'spec.yaml');
    await writeFile(spec, renderSpec(scenario, scenario.initial));
    if (!values['no-proxy']) proxy = await CountingProxy.start(join(workDir, 'proxy.sock'), engineSocket);
    const socketPath = proxy?.socketPath ?? engineSocket;
    const raw = rawApiPeer(8);

    const measureNetform = async (nodeArgs: string[] = [], bin?: string): Promise<Sample> => {
      await proxy?.take();
      const load = loadavg()[0] ?? 0;
      const result = await runNetform(install, ['plan', '-f', spec, '--detailed-exitcode'], {
        socketPath,
        workDir,
        nodeArgs,
        bin,
      });
      const calls = proxy ? await proxy.take() : undefined;
      if (result.code !== 0) {
        throw new Error(
          `netform plan exited ${result.code} on the converged scenario:\n${result.stdout.slice(-2000)}${result.stderr.slice(-2000)}`,
        );
      }
      return { wallMs: result.wallMs, cpuMs: result.cpuMs, maxRssKb: result.maxRssKb, calls, loadavg: load };
    };
    const measureRaw = async (): Promise<Sample> => {
      await proxy?.take();
      const load = loadavg()[0] ?? 0;
      const outcome = await raw.run({
        phase: 'noop',
        scenario,
        from: scenario.initial,
        to: scenario.initial,
        socketPath,
        apiVersion: version.ApiVersion,
        workDir,
      });
      const calls = proxy ? await proxy.take() : undefined;
      if (outcome.error) throw new Error(`raw reads failed: ${outcome.error}`);
      return { wallMs: outcome.wallMs, calls, loadavg: load };
    };

    const samples: { netform: Sample[]; raw: Sample[] } = { netform: [], raw: [] };
    const show = (who: string, s: Sample): void =>
      log(
        `  ${who.padEnd(7)} ${(s.wallMs / 1000).toFixed(2)} s` +
          (s.cpuMs !== undefined ? `, cpu ${(s.cpuMs / 1000).toFixed(2)} s` : '') +
          (s.maxRssKb ? `, ${(s.maxRssKb / 1024).toFixed(0)} MB` : '') +
          (s.calls ? `, ${totalCalls(s.calls)} calls` : '') +
          `, load ${s.loadavg.toFixed(2)}`,
      );
    for (let i = 0; i < repeats; i++) {
      log(`[${i + 1}/${repeats}]`);
      // Alternate which goes first, so neither always follows the other.
      const order = i % 2 === 0 ? (['netform', 'raw'] as const) : (['raw', 'netform'] as const);
      for (const who of order) {
        const sample = who === 'netform' ? await measureNetform() : await measureRaw();
        samples[who].push(sample);
        show(who, sample);
      }
    }
    let profile: string | undefined;
    let profileText: string | undefined;
    if (values.profile) {
      const dir = join(workDir, 'profiles');
      const name = `plan-${Date.now()}.cpuprofile`;
      // The tsc-built CLI, module by module: the profile names functions and files.
      await measureNetform(
        ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`],
        join(install.dist, 'cli', 'bin.js'),
      );
      profile = join(dir, name);
      profileText = await profileSummary(profile, 10);
      log(`profile: ${profile}\n${profileText}`);
    }

    const summary = (list: Sample[]) => ({
      medianMs: median(list.map((s) => s.wallMs)),
      medianCpuMs: list.some((s) => s.cpuMs !== undefined)
        ? median(list.map((s) => s.cpuMs ?? Number.NaN))
        : undefined,
      maxRssKb: Math.max(0, ...list.map((s) => s.maxRssKb ?? 0)) || undefined,
      medianCalls: list[0]?.calls ? median(list.map((s) => totalCalls(s.calls ?? {}))) : undefined,
      loadavg: { min: Math.min(...list.map((s) => s.loadavg)), max: Math.max(...list.map((s) => s.loadavg)) },
      samples: list,
    });
    const netform = summary(samples.netform);
    const rawSummary = summary(samples.raw);
    const ratio = netform.medianMs / rawSummary.medianMs;
    const results = {
      format: 'netform-bench-scale',
      formatVersion: 1,
      run,
      date: new Date().toISOString(),
      size,
      repeats,
      proxy: proxy !== undefined,
      host: {
        cpus: cpus().length,
        memoryMb: Math.round(totalmem() / 2 ** 20),
        node: process.version,
        engine: version.Version,
        apiVersion: version.ApiVersion,
      },
      netform: { commit: await gitCommit() },
      goals: { ratio: 1.3, maxRssMb: 110 },
      ratio,
      netformPlan: netform,
      rawReads: rawSummary,
      profile,
      profileSummary: profileText,
    };
    // Written as what `npm run bench` reads back (bench/subbench.ts): held to the reader's type.
    const figures: ScaleFigures = results;
    const out =
      values.out ?? join(RESULTS, `scale-${results.date.slice(0, 16).replace(/[:T]/g, '-')}-${run}.json`);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(figures, null, 2)}\n`);
    const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    const mb = (kb?: number): string => (kb ? `${(kb / 1024).toFixed(0)} MB` : '—');
    process.stdout.write(
      [
        `no-op plan at ${size.networks} networks, ${size.containers} containers × ${size.attachments} (median of ${repeats}, load ${netform.loadavg.min.toFixed(1)}–${netform.loadavg.max.toFixed(1)}):`,
        `  netform plan   ${s(netform.medianMs)}, cpu ${netform.medianCpuMs !== undefined ? s(netform.medianCpuMs) : '—'}, peak ${mb(netform.maxRssKb)}, ${netform.medianCalls ?? '—'} calls`,
        `  raw reads ×8   ${s(rawSummary.medianMs)}, ${rawSummary.medianCalls ?? '—'} calls`,
        `  ratio ${ratio.toFixed(2)}× (goal ≤ 1.3×), peak ${mb(netform.maxRssKb)} (goal < 110 MB)`,
        `written to ${out}`,
        '',
      ].join('\n'),
    );
  } finally {
    await cleanup();
    api.close();
    await rm(join(workDir, 'netform'), { recursive: true, force: true }).catch(() => undefined);
    await rm(join(workDir, 'proxy.sock'), { force: true }).catch(() => undefined);
  }
}

async function gitCommit(): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) =>
    execFile('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], (error, stdout) =>
      resolve(error ? 'unknown' : stdout.trim()),
    ),
  );
}

main().catch((error: unknown) => {
  log(`bench:scale failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
