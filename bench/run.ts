/**
 * `npm run bench`: netform beside the raw Engine API floor, a docker CLI script and Ansible's
 * docker_network, in one run, on one scenario. See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTestImage, run as runCommand } from '../test/support/engine.js';
import { checkEngine } from './check.js';
import { EngineApi } from './engine-api.js';
import { runExtras } from './extras.js';
import { currentChild, median } from './measure.js';
import { countOps, diffOps } from './ops.js';
import { parseOptions, type BenchOptions } from './options.js';
import { PHASES, type Peer, type PhaseName } from './peer.js';
import { ansiblePeer } from './peers/ansible.js';
import { cliScriptPeer } from './peers/cli-script.js';
import { netformPeer, snapshotNetform, type NetformInstall } from './peers/netform.js';
import { applyOps, rawApiPeer, rawBestPeer } from './peers/raw-api.js';
import { CountingProxy, totalCalls } from './proxy.js';
import { createContainers, removeRun } from './resources.js';
import { writeReport } from './report.js';
import type { BenchResults, PeerPhaseResult } from './results.js';
import { EMPTY_STATE, buildScenario, type BenchState, type Scenario } from './scenario.js';
import { profileSummary } from './profile.js';
import { runSubBenches, stopSubBench } from './subbench.js';
import { sweepConcurrency, type SweepResult } from './sweep.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(REPO, 'bench', 'results');

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function phaseStates(scenario: Scenario): Record<PhaseName, { from: BenchState; to: BenchState }> {
  return {
    cold: { from: EMPTY_STATE, to: scenario.initial },
    noop: { from: scenario.initial, to: scenario.initial },
    delta: { from: scenario.initial, to: scenario.delta },
    destroy: { from: scenario.delta, to: EMPTY_STATE },
  };
}

/**
 * Brings the engine to `to` with the raw API, untimed, after a peer that could not (or did not)
 * get there, so the next phase starts where it should. Throws when even that fails.
 */
async function repair(
  api: EngineApi,
  scenario: Scenario,
  observed: BenchState,
  to: BenchState,
  host: string,
) {
  await applyOps(api, diffOps(observed, to), 8);
  const again = await checkEngine(scenario, to, host);
  if (!again.ok)
    throw new Error(`could not bring the engine to the desired state: ${again.examples.join('; ')}`);
}

async function main(options: BenchOptions): Promise<void> {
  const run = `r${randomBytes(3).toString('hex')}`;
  const workDir = join(RESULTS, 'tmp', run);
  await mkdir(workDir, { recursive: true });
  const engineHost = `unix://${options.engineSocket}`;
  const api = await EngineApi.connect(options.engineSocket, 8).catch((error: Error) => {
    throw new Error(
      `no Docker engine answers on ${options.engineSocket} (${error.message}). ` +
        'Start one (bash scripts/ensure-docker.sh) or set DOCKER_HOST=unix://…',
    );
  });
  const version = await api.call<{ Version: string; ApiVersion: string }>('GET', '/version');
  const scenario = buildScenario(run, options.size);
  let proxy: CountingProxy | undefined;
  let cleaning: Promise<void> | undefined;
  // The in-process sweep's requests in flight: the cleanup waits for them, so nothing it would
  // remove is created after it has listed the run's networks.
  let sweeping: Promise<SweepResult> | undefined;
  let interrupted = false;
  let sub: Promise<void> | undefined;
  // One cleanup however many ways the run ends (signal, failure, normal end), awaited by all.
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      await sweeping?.catch(() => undefined);
      await sub;
      proxy?.stop();
      const problems = await removeRun(api, run, scenario.prefix);
      for (const p of problems) log(`cleanup: ${p}`);
      await rm(join(workDir, 'proxy.sock'), { force: true });
    })());
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted = true;
    log(`\n${signal}: removing everything of run ${run}…`);
    // A sub-benchmark cleans up after itself: it gets the signal and the cleanup waits for it.
    sub = stopSubBench();
    const pid = currentChild();
    if (pid !== undefined) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    void cleanup().finally(() => process.exit(130));
  };
  const stopIfInterrupted = (): void => {
    if (interrupted) throw new Error('interrupted');
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    log(
      `netform bench, run ${run}: engine ${version.Version} (API ${version.ApiVersion}), ${cpus().length} cores`,
    );
    log(
      `scenario: ${options.size.networks} networks, ${options.size.containers} running containers, ` +
        `${options.size.attachments} attachments each (with an alias); ${options.repeats} repeats`,
    );
    const install: NetformInstall | undefined = await snapshotNetform(REPO, join(workDir, 'netform'));
    if (options.proxy) proxy = await CountingProxy.start(join(workDir, 'proxy.sock'), options.engineSocket);
    const socketPath = proxy?.socketPath ?? options.engineSocket;

    const factories: Record<string, () => Peer> = {
      'raw-1': () => rawApiPeer(1),
      'raw-8': () => rawApiPeer(8),
      'raw-best': () => rawBestPeer(() => results.sweep?.best),
      cli: () => cliScriptPeer(),
      ansible: () => ansiblePeer(),
      netform: () =>
        netformPeer(install, { profileDir: options.profile ? join(workDir, 'profiles') : undefined }),
    };
    const peers = options.peers.map((id) => factories[id]!());
    const results: BenchResults = {
      format: 'netform-bench',
      formatVersion: 1,
      run,
      startedAt: new Date().toISOString(),
      sizeName: options.sizeName,
      size: options.size,
      repeats: options.repeats,
      proxy: options.proxy,
      host: {
        cpus: cpus().length,
        memoryMb: Math.round(totalmem() / 2 ** 20),
        node: process.version,
        engine: version.Version,
        apiVersion: version.ApiVersion,
      },
      netform: { commit: await gitCommit(), built: install !== undefined },
      delta: scenario.deltaSummary,
      ops: {} as BenchResults['ops'],
      peers: [],
      phases: { cold: {}, noop: {}, delta: {}, destroy: {} },
      startup: [],
      planOnly: {
        networks: options.planNetworks,
        attachments: options.planNetworks * 3,
        onEngine: false,
        figures: [],
      },
      notes: [],
    };
    const states = phaseStates(scenario);
    for (const phase of PHASES) results.ops[phase] = countOps(diffOps(states[phase].from, states[phase].to));

    const running: Peer[] = [];
    for (const peer of peers) {
      const why = await peer.unavailable();
      results.peers.push({ id: peer.id, title: peer.title, floor: peer.floor, unavailable: why });
      if (why) log(`notice: skipping ${peer.title}: ${why}`);
      else running.push(peer);
    }

    await ensureTestImage();
    log(`setting up ${scenario.containers.length} containers (untimed)…`);
    await createContainers(api, run, scenario.containers, { start: true });
    const ready = await checkEngine(scenario, EMPTY_STATE, engineHost);
    if (!ready.ok) throw new Error(`the scenario did not start clean: ${ready.examples.join('; ')}`);

    if (running.some((peer) => peer.id === 'raw-best')) {
      log(`concurrency sweep for the raw-best floor (${options.sweepPasses} passes, untimed as a phase)…`);
      sweeping = sweepConcurrency({
        socketPath,
        apiVersion: version.ApiVersion,
        scenario,
        passes: options.sweepPasses,
        log,
        stop: stopIfInterrupted,
      });
      results.sweep = await sweeping;
      sweeping = undefined;
      await proxy?.take();
      const clean = await checkEngine(scenario, EMPTY_STATE, engineHost);
      if (!clean.ok) await repair(api, scenario, clean.observed, EMPTY_STATE, engineHost);
      log(
        `best concurrency: ${Object.entries(results.sweep.best)
          .map(([kind, level]) => `${kind} ${level}`)
          .join(', ')}`,
      );
    }

    for (let repeat = 1; repeat <= options.repeats; repeat++) {
      // Rotate the order so no peer always runs right after the same other one.
      const shift = (repeat - 1) % running.length;
      const order = [...running.slice(shift), ...running.slice(0, shift)];
      for (const peer of order) {
        for (const phase of PHASES) {
          stopIfInterrupted();
          const { from, to } = states[phase];
          const slot = (results.phases[phase][peer.id] ??= { samples: [], complete: true });
          await proxy?.take();
          const load = loadavg()[0] ?? 0;
          const outcome = await peer.run({
            phase,
            scenario,
            from,
            to,
            socketPath,
            apiVersion: version.ApiVersion,
            workDir,
          });
          const calls = proxy ? await proxy.take() : undefined;
          if (outcome.unsupported) {
            slot.unsupported = outcome.unsupported;
            log(`[${repeat}] ${peer.id} ${phase}: not supported (${outcome.unsupported})`);
          }
          const check = await checkEngine(scenario, to, engineHost);
          if (!outcome.unsupported) {
            slot.samples.push({
              repeat,
              wallMs: outcome.wallMs,
              maxRssKb: outcome.maxRssKb,
              cpuMs: outcome.cpuMs,
              calls,
              checkOk: check.ok,
              problems: check.counts,
              examples: check.examples,
              error: outcome.error,
              loadavg: load,
            });
            if (!check.ok || outcome.error) slot.complete = false;
            const callText = calls ? `, ${totalCalls(calls)} calls` : '';
            const rss = outcome.maxRssKb ? `, ${(outcome.maxRssKb / 1024).toFixed(0)} MB` : '';
            const verdict = check.ok ? 'ok' : `INCOMPLETE: ${describeProblems(check.counts)}`;
            log(
              `[${repeat}] ${peer.id.padEnd(8)} ${phase.padEnd(7)} ${(outcome.wallMs / 1000).toFixed(2)} s${callText}${rss}; ` +
                `${verdict}${outcome.error ? `; error: ${outcome.error.split('\n')[0]}` : ''}`,
            );
          }
          stopIfInterrupted();
          if (!check.ok) await repair(api, scenario, check.observed, to, engineHost);
        }
      }
    }
    summarise(results);

    if (options.profileCycle && install && running.some((peer) => peer.id === 'netform')) {
      log('one profiled netform cycle (untimed; the tsc-built CLI, so the profile names functions)…');
      results.profiles = await profileCycle({
        install,
        scenario,
        states,
        socketPath,
        apiVersion: version.ApiVersion,
        workDir,
        stop: stopIfInterrupted,
        fix: async (to) => {
          const check = await checkEngine(scenario, to, engineHost);
          if (!check.ok) await repair(api, scenario, check.observed, to, engineHost);
        },
      });
    }

    if (options.extras)
      await runExtras({ options, results, api, install, proxy, workDir, engineHost, run, log });
    if (options.subBenches.length > 0)
      await runSubBenches({
        names: options.subBenches,
        args: options.subBenchArgs,
        engineHost,
        workDir,
        results,
        log,
        stop: stopIfInterrupted,
      });

    results.finishedAt = new Date().toISOString();
    await cleanup();
    const files = await writeReport(results, RESULTS);
    log(`\nresults: ${files.json}\nchart: ${files.svg}\ntable: ${files.markdown}`);
  } finally {
    await cleanup();
    // On a signal, onSignal exits once cleanup is done; closing the client here would cut it short.
    if (interrupted) await new Promise(() => undefined);
    api.close();
    // Generated scripts, playbooks, specs and profiles stay for a look; the netform copy goes.
    await rm(join(workDir, 'netform'), { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * netform's four phases once more, each run profiled (`--cpu-prof`) and summarised: what the
 * report shows as where the time of a missed goal goes. Untimed as a phase (the profiler slows
 * the run down); the engine is brought to each phase's end state whatever netform did.
 */
async function profileCycle(ctx: {
  install: NetformInstall;
  scenario: Scenario;
  states: Record<PhaseName, { from: BenchState; to: BenchState }>;
  socketPath: string;
  apiVersion: string;
  workDir: string;
  stop: () => void;
  fix: (to: BenchState) => Promise<void>;
}): Promise<NonNullable<BenchResults['profiles']>> {
  const profileDir = join(ctx.workDir, 'cycle-profiles');
  await mkdir(profileDir, { recursive: true });
  const peer = netformPeer(ctx.install, { profileDir, unbundled: true });
  const out: NonNullable<BenchResults['profiles']> = [];
  for (const phase of PHASES) {
    ctx.stop();
    const { from, to } = ctx.states[phase];
    const outcome = await peer.run({
      phase,
      scenario: ctx.scenario,
      from,
      to,
      socketPath: ctx.socketPath,
      apiVersion: ctx.apiVersion,
      workDir: ctx.workDir,
    });
    await ctx.fix(to);
    const file = (await readdir(profileDir))
      .filter((f) => f.startsWith(`${phase}-`))
      .sort()
      .pop();
    const summary = file
      ? await profileSummary(join(profileDir, file), 10)
      : `no profile written${outcome.error ? ` (${outcome.error.split('\n')[0]})` : ''}`;
    out.push({ phase, wallMs: outcome.wallMs, summary });
  }
  return out;
}

function describeProblems(counts: Record<string, number | undefined>): string {
  return Object.entries(counts)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
}

/** Medians over error-free samples, and ratios to the faster raw floor of each phase. */
function summarise(results: BenchResults): void {
  const floors = results.peers.filter((p) => p.floor).map((p) => p.id);
  for (const phase of PHASES) {
    const byPeer = results.phases[phase];
    for (const slot of Object.values(byPeer)) summarisePeer(slot);
    const floor = Math.min(...floors.map((id) => byPeer[id]?.medianMs ?? Number.POSITIVE_INFINITY));
    for (const slot of Object.values(byPeer)) {
      if (slot.medianMs !== undefined && Number.isFinite(floor)) slot.ratio = slot.medianMs / floor;
    }
  }
}

function summarisePeer(slot: PeerPhaseResult): void {
  const good = slot.samples.filter((s) => !s.error);
  if (good.length > 0) slot.medianMs = median(good.map((s) => s.wallMs));
  const calls = good.filter((s) => s.calls).map((s) => totalCalls(s.calls!));
  if (calls.length > 0) slot.medianCalls = median(calls);
  const rss = slot.samples.map((s) => s.maxRssKb ?? 0).filter((v) => v > 0);
  if (rss.length > 0) slot.maxRssKb = Math.max(...rss);
}

async function gitCommit(): Promise<string> {
  const head = await runCommand('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']);
  return head.code === 0 ? head.stdout.trim() : 'unknown';
}

main(parseOptions(process.argv.slice(2))).catch((error: unknown) => {
  log(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
