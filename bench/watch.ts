/**
 * `npm run bench:watch`: how fast `netform watch` repairs drift, and what it costs while idle
 * (docs/watch.md, "Measured").
 *
 * - Repair latency: a running container on a watched network is disconnected through the Engine
 *   API, N times. Each latency is the time between the engine's own `disconnect` event and its
 *   `connect` event for the same container and network (both timestamps from the engine's clock,
 *   so neither this script's polling nor the docker CLI's start-up is counted). After each repair
 *   the container's aliases are read back; a repair without them fails the run.
 * - Idle CPU: the watch process's CPU time (utime + stime from /proc/PID/stat) over an idle
 *   period with no events that concern its project.
 *
 * Resources: names `nfw-<run>-…`, the label io.netform.bench=<run>, subnet 10.213.250.0/24 (in
 * the benchmark's 10.213.128.0/17); all removed at the end, also on failure and on Ctrl-C or SIGTERM.
 */
import type { WatchFigures } from './results.js';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { ensureBusyboxImage } from '../scripts/busybox-image.mjs';
import { connectDocker } from '../src/docker/connect.js';
import type { DockerPort, EngineEvent } from '../src/model/port.js';
import { TEST_IMAGE } from '../test/support/engine.js';
import { BENCH_LABEL } from './scenario.js';

const USAGE = `usage: npm run bench:watch -- [--runs N] [--idle SECONDS] [--debounce DURATION] [--out FILE]
  --runs N           disconnects to repair (default 20)
  --idle SECONDS     idle period for the CPU figure (default 60)
  --debounce D       the watch's --debounce (default: its own default, 500ms)
  --out FILE         write the results there (default bench/results/watch-<date>-<run>.json)`;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SUBNET = '10.213.250.0/24';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    idle: { type: 'string', default: '60' },
    debounce: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const runs = Number(values.runs);
const idleSeconds = Number(values.idle);

const run = `r${randomBytes(3).toString('hex')}`;
const prefix = `nfw-${run}-`;
const project = `${prefix}p`;
const network = `${prefix}net`;
const container = `${prefix}app`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** CPU seconds (user + system) the process has used, from /proc/PID/stat. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) of proc(5), counted from after the command name (field 3 first).
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** Starts `netform watch` and resolves with it and its HTTP address once it listens. */
async function startWatch(dir: string, args: string[]) {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'dist/netform.js'), 'watch', '--listen', '127.0.0.1:0', '--interval', '1h', ...args],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let buffer = '';
  const address = await new Promise<string>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const line = buffer
        .split('\n')
        .map((l) => {
          try {
            return JSON.parse(l) as { msg?: string; listen?: string };
          } catch {
            return {};
          }
        })
        .find((l) => l.msg === 'watching');
      if (line?.listen) resolve(line.listen);
    });
    child.once('exit', (code) => reject(new Error(`netform watch exited with ${code}: ${buffer}`)));
  });
  child.stderr.resume();
  return { child, address };
}

async function waitUntil(what: string, check: () => Promise<boolean>, deadlineMs = 120_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  ensureBusyboxImage(TEST_IMAGE);
  const port: DockerPort = await connectDocker({ env: process.env });
  const dir = await mkdtemp(join(tmpdir(), 'netform-bench-watch-'));
  let watch: Awaited<ReturnType<typeof startWatch>> | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> => (cleaning ??= removeAll());
  const onSignal = (signal: NodeJS.Signals): void => {
    console.error(`\n${signal}: bench:watch removing everything of run ${run}…`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const removeAll = async (): Promise<void> => {
    if (watch && watch.child.exitCode === null) {
      watch.child.kill('SIGTERM');
      await new Promise((r) => watch!.child.once('exit', r));
    }
    const quiet = { stdio: 'ignore' as const };
    try {
      execFileSync('docker', ['rm', '-f', container], quiet);
    } catch {
      /* already gone */
    }
    try {
      execFileSync('docker', ['network', 'rm', network], quiet);
    } catch {
      /* already gone */
    }
    await port.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    execFileSync(
      'docker',
      ['run', '-d', '--name', container, '--label', `${BENCH_LABEL}=${run}`, TEST_IMAGE],
      {
        stdio: 'ignore',
      },
    );
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'netform.yaml'),
      stringify({
        version: 1,
        project,
        networks: { [network]: { subnet: SUBNET } },
        containers: { [container]: { networks: { [network]: { aliases: ['bench', 'svc'] } } } },
      }),
    );
    watch = await startWatch(dir, values.debounce ? ['--debounce', values.debounce] : []);
    const { address } = watch;
    await waitUntil(
      'the watch to be ready',
      async () => (await fetch(`http://${address}/readyz`)).status === 200,
    );

    const observed = await port.observe({ networks: [network], containers: [container] });
    const netId = observed.networks.find((n) => n.name === network)!.id;
    const containerId = observed.containers.find((c) => c.name === container)!.id;

    const stream = await port.events!({ actions: { network: ['connect', 'disconnect'] } });
    const pending: ((event: EngineEvent) => void)[] = [];
    void (async () => {
      for await (const event of stream) {
        if (event.id === netId && event.attributes.container === containerId) pending.shift()?.(event);
      }
    })().catch(() => undefined);
    const nextEvent = () => new Promise<EngineEvent>((resolve) => pending.push(resolve));

    const latencies: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Let the watch's follow-up reconcile of the previous repair (its own events) finish.
      await new Promise((r) => setTimeout(r, 2_500));
      const disconnected = nextEvent();
      const reconnected = disconnected.then(async () => {
        // Docker 20.10 sends two disconnect events for one disconnect; wait for the connect.
        for (;;) {
          const event = await nextEvent();
          if (event.action === 'connect') return event;
        }
      });
      await port.disconnect(netId, containerId);
      const start = (await disconnected).time;
      const end = (await reconnected).time;
      const after = await port.observe({ networks: [network], containers: [container] });
      const aliases = after.containers.find((c) => c.name === container)?.endpoints[network]?.aliases ?? [];
      if (!aliases.includes('bench') || !aliases.includes('svc')) {
        throw new Error(`run ${i + 1}: repaired without the aliases (has ${JSON.stringify(aliases)})`);
      }
      latencies.push(end - start);
      process.stderr.write(`run ${i + 1}/${runs}: repaired in ${end - start} ms\n`);
    }
    stream.close();

    // Idle: no event concerns the project; only the watch's own timers run.
    await new Promise((r) => setTimeout(r, 5_000));
    const cpuBefore = await cpuSeconds(watch.child.pid!);
    const wallBefore = performance.now();
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const cpuIdle = (await cpuSeconds(watch.child.pid!)) - cpuBefore;
    const wallIdle = (performance.now() - wallBefore) / 1000;

    const sorted = [...latencies].sort((a, b) => a - b);
    const engine = await port.engineInfo();
    const result = {
      date: new Date().toISOString(),
      engine: `Docker ${engine.version} (API ${engine.apiVersion}) at ${port.host}`,
      debounce: values.debounce ?? '500ms (default)',
      runs,
      repairMs: {
        median: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        min: sorted[0],
        max: sorted.at(-1),
        all: latencies,
      },
      idle: {
        seconds: Number(wallIdle.toFixed(1)),
        cpuSeconds: Number(cpuIdle.toFixed(2)),
        cpuPercent: Number(((cpuIdle / wallIdle) * 100).toFixed(3)),
      },
      load: (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' '),
    };
    // Written as what `npm run bench` reads back (bench/subbench.ts): held to the reader's type.
    const figures: WatchFigures = result;
    const out =
      values.out ??
      join(ROOT, 'bench', 'results', `watch-${result.date.slice(0, 16).replace(/[:T]/g, '-')}-${run}.json`);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(
      [
        `netform watch on ${result.engine}, debounce ${result.debounce}, load ${result.load}`,
        `repair after a disconnect (engine event to engine event), ${runs} runs: median ${result.repairMs.median} ms, p95 ${result.repairMs.p95} ms (min ${result.repairMs.min}, max ${result.repairMs.max})`,
        `idle: ${result.idle.cpuSeconds} s CPU over ${result.idle.seconds} s (${result.idle.cpuPercent}% of one core)`,
        `written to ${out}`,
      ].join('\n'),
    );
  } finally {
    await cleanup();
  }
}

await main();
