import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { EngineApi } from './engine-api.js';
import { median } from './measure.js';
import type { BenchOptions } from './options.js';
import { diffOps } from './ops.js';
import { cliScriptPeer } from './peers/cli-script.js';
import { renderSpec, runNetform, type NetformInstall } from './peers/netform.js';
import { applyOps, rawApiPeer } from './peers/raw-api.js';
import { profileSummary } from './profile.js';
import { measurePurePlan } from './pure-plan.js';
import { measureStartup, startupGoals } from './startup.js';
import { totalCalls, type CountingProxy } from './proxy.js';
import { createContainers, removeRun } from './resources.js';
import type { BenchResults, CommandFigure } from './results.js';
import {
  BENCH_LABEL,
  EMPTY_STATE,
  MAX_SUBNETS,
  benchSubnet,
  buildScenario,
  type Scenario,
} from './scenario.js';

export interface ExtrasContext {
  options: BenchOptions;
  results: BenchResults;
  api: EngineApi;
  install: NetformInstall | undefined;
  proxy: CountingProxy | undefined;
  workDir: string;
  engineHost: string;
  run: string;
  log: (line: string) => void;
}

/** Runs a netform command `times` times; fails loudly if it exits with a code other than `expect`. */
async function netformFigure(
  ctx: ExtrasContext,
  args: string[],
  times: number,
  expect: number[],
  note?: string,
): Promise<CommandFigure | undefined> {
  const { install, proxy, workDir } = ctx;
  if (!install) return undefined;
  const samples: number[] = [];
  let rss = 0;
  const calls: number[] = [];
  for (let i = 0; i < times; i++) {
    await proxy?.take();
    const result = await runNetform(install, args, {
      socketPath: proxy?.socketPath ?? ctx.options.engineSocket,
      workDir,
    });
    const counted = proxy ? totalCalls(await proxy.take()) : undefined;
    if (!expect.includes(result.code)) {
      ctx.log(
        `netform ${args[0]}: exit ${result.code}: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`,
      );
      return {
        command: `netform ${args.join(' ')}`.replace(workDir + '/', ''),
        samplesMs: [],
        medianMs: Number.NaN,
        note: `failed: exit ${result.code}`,
      };
    }
    samples.push(result.wallMs);
    rss = Math.max(rss, result.maxRssKb ?? 0);
    if (counted !== undefined) calls.push(counted);
  }
  return {
    command: `netform ${args.join(' ')}`.replace(workDir + '/', ''),
    samplesMs: samples,
    medianMs: median(samples),
    maxRssKb: rss || undefined,
    calls: calls.length ? median(calls) : undefined,
    note,
  };
}

/**
 * What a user waits for before anything happens: bench/startup.ts's interleaved rounds of `node -e
 * ''`, `--version` and `validate --offline` of examples/quickstart, and `validate --offline` at
 * 2,000 networks and 2,000 containers, with the issue's goals (the no-op plan of the quickstart is
 * `npm run bench:startup`'s: it is not in the benchmark's subnet range); then `validate` of a
 * small spec with the engine checks.
 */
async function startup(ctx: ExtrasContext): Promise<CommandFigure[]> {
  const { figures } = await measureStartup({
    bin: ctx.install!.bin,
    workDir: ctx.workDir,
    repeats: 10,
    scaleRepeats: 3,
    scale: { networks: 2000, containers: 2000, attachments: 3 },
    log: ctx.log,
  });
  ctx.results.startupGoals = startupGoals(figures);
  // A spec the size of examples/quickstart (whose subnets are outside the benchmark's range):
  // validated with the engine checks, then applied (untimed) and planned as a no-op.
  const small = buildScenario(ctx.run, { networks: 3, containers: 2, attachments: 2 }, 's');
  const spec = join(ctx.workDir, 'small.yaml');
  await writeFile(spec, renderSpec(small, small.initial));
  const online = await netformFigure(
    ctx,
    ['validate', '-f', spec],
    5,
    [0],
    '3 networks, 2 containers, with the engine checks',
  );
  await createContainers(ctx.api, ctx.run, small.containers, { start: true });
  await applyOps(ctx.api, diffOps(EMPTY_STATE, small.initial), 4);
  const noop = await netformFigure(
    ctx,
    ['plan', '--detailed-exitcode', '-f', spec],
    9,
    [0],
    'no-op plan of a quickstart-size spec (3 networks, 2 running containers)',
  );
  if (noop) noop.command = 'netform plan --detailed-exitcode (quickstart size, no-op)';
  // One more, untimed, under the profiler: where the start-up goal's time goes. The bundle, as
  // timed (its chunks' loading is the story; their functions' names are minified).
  if (ctx.install) {
    const dir = join(ctx.workDir, 'startup-profile');
    const profiled = await runNetform(ctx.install, ['plan', '--detailed-exitcode', '-f', spec], {
      socketPath: ctx.proxy?.socketPath ?? ctx.options.engineSocket,
      workDir: ctx.workDir,
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-name=plan.cpuprofile'],
    });
    await ctx.proxy?.take();
    ctx.results.startupProfile =
      profiled.code === 0
        ? { wallMs: profiled.wallMs, summary: await profileSummary(join(dir, 'plan.cpuprofile'), 10) }
        : { wallMs: profiled.wallMs, summary: `the profiled plan exited ${profiled.code}` };
  }
  // Only the small scenario's own: the run's prefix names everything of the run.
  await applyOps(ctx.api, diffOps(small.initial, EMPTY_STATE), 4);
  await Promise.all(small.containers.map((c) => ctx.api.call('DELETE', `/containers/${c}?force=true`)));
  return [
    ...figures.map((f) => ({
      command: f.command,
      samplesMs: f.samples.map((s) => s.wallMs),
      medianMs: f.medianMs,
      maxRssKb: f.maxRssKb,
      note: f.id === 'node' ? 'the floor: Node.js alone' : 'interleaved with the floor',
    })),
    ...(online ? [online] : []),
    ...(noop ? [noop] : []),
  ];
}

/**
 * What the apply lock costs the engine per apply: the three requests netform's lock sends
 * (src/apply/lock.ts: the lease, a config-only network, created; listed by name to see who else
 * holds one; removed), against the same with a bridge network (which needs a subnet, a Linux bridge
 * and iptables rules), interleaved, straight to the engine.
 */
async function lockCost(ctx: ExtrasContext, samples = 10): Promise<void> {
  const name = `nfb-${ctx.run}-lock`;
  const lease = async (bridge: boolean): Promise<number> => {
    const started = performance.now();
    const created = await ctx.api.call<{ Id: string }>('POST', '/networks/create', {
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      ConfigOnly: !bridge,
      IPAM: { Driver: 'default', Config: bridge ? [{ Subnet: benchSubnet(MAX_SUBNETS - 1) }] : [] },
      Labels: { [BENCH_LABEL]: ctx.run },
    });
    await ctx.api.call('GET', `/networks?filters=${encodeURIComponent(JSON.stringify({ name: [name] }))}`);
    await ctx.api.call('DELETE', `/networks/${created.Id}`);
    return performance.now() - started;
  };
  const lock = { configOnlyMs: [] as number[], bridgeMs: [] as number[] };
  for (let i = 0; i < samples; i++) {
    lock.configOnlyMs.push(await lease(false));
    lock.bridgeMs.push(await lease(true));
  }
  ctx.results.lock = lock;
  ctx.log(
    `lock lease: config-only ${median(lock.configOnlyMs).toFixed(0)} ms, bridge ${median(lock.bridgeMs).toFixed(0)} ms (medians of ${samples})`,
  );
}

/** A peer's no-op reads on the plan-only scenario, as a command figure. */
async function peerNoop(
  ctx: ExtrasContext,
  scenario: Scenario,
  which: 'raw-8' | 'cli',
): Promise<CommandFigure> {
  const peer = which === 'cli' ? cliScriptPeer() : rawApiPeer(8);
  const samples: number[] = [];
  const calls: number[] = [];
  let rss = 0;
  for (let i = 0; i < 3; i++) {
    await ctx.proxy?.take();
    const outcome = await peer.run({
      phase: 'noop',
      scenario,
      from: scenario.initial,
      to: scenario.initial,
      socketPath: ctx.proxy?.socketPath ?? ctx.options.engineSocket,
      apiVersion: ctx.api.apiVersion,
      workDir: ctx.workDir,
    });
    if (ctx.proxy) calls.push(totalCalls(await ctx.proxy.take()));
    if (outcome.error) throw new Error(`${which} no-op reads failed: ${outcome.error}`);
    samples.push(outcome.wallMs);
    rss = Math.max(rss, outcome.maxRssKb ?? 0);
  }
  return {
    command:
      which === 'cli'
        ? 'docker CLI reads (network + container inspect)'
        : 'API floor no-op reads, 8 at a time',
    samplesMs: samples,
    medianMs: median(samples),
    maxRssKb: rss || undefined,
    calls: calls.length ? median(calls) : undefined,
  };
}

/**
 * The plan-only figures at `planNetworks` networks with 3 attachments per container: the pure
 * plan's CPU time in-process, and netform's plan as a user runs it, on the engine when asked
 * (networks plus created, never started, containers: a thousand running ones would need a
 * thousand runtime shims), else against an engine without them (every network a create).
 */
async function planOnly(ctx: ExtrasContext): Promise<void> {
  const { options, results, install, log } = ctx;
  const n = options.planNetworks;
  const scenario = buildScenario(ctx.run, { networks: n, containers: n, attachments: 3 }, 'p');
  results.planOnly.onEngine = options.planOnEngine;
  const purePlanModule = install ? join(install.dist, 'core', 'plan.js') : undefined;
  if (purePlanModule && existsSync(purePlanModule)) {
    log(`pure plan at ${n} networks, ${n * 3} attachments (in-process)…`);
    results.planOnly.purePlan = await measurePurePlan(pathToFileURL(install!.dist).href, scenario);
  } else {
    results.planOnly.purePlan = {
      cases: [],
      note: 'netform has no dist/core/plan.js yet: pure plan not measured',
    };
  }
  const spec = join(ctx.workDir, 'plan-only.yaml');
  await writeFile(spec, renderSpec(scenario, scenario.initial));
  if (options.planOnEngine) {
    log(`building the plan-only scenario on the engine: ${n} networks, ${n} created containers (untimed)…`);
    await createContainers(ctx.api, ctx.run, scenario.containers, { start: false });
    await applyOps(ctx.api, diffOps(EMPTY_STATE, scenario.initial), 8);
    const figure = await netformFigure(
      ctx,
      ['plan', '-f', spec, '--detailed-exitcode'],
      3,
      [0],
      'no-op on the engine',
    );
    if (figure) results.planOnly.figures.push(figure);
    results.planOnly.figures.push(
      await peerNoop(ctx, scenario, 'raw-8'),
      await peerNoop(ctx, scenario, 'cli'),
    );
    for (const problem of await removeRun(ctx.api, ctx.run, scenario.prefix)) log(`cleanup: ${problem}`);
  } else {
    const figure = await netformFigure(
      ctx,
      ['plan', '-f', spec],
      3,
      [0],
      `${n} creates against an engine without them; ${n} containers pending`,
    );
    if (figure) results.planOnly.figures.push(figure);
  }
}

export async function runExtras(ctx: ExtrasContext): Promise<void> {
  if (!ctx.install) {
    ctx.results.notes.push('netform is not built: start-up and plan-only figures not measured.');
    return;
  }
  ctx.log('start-up figures…');
  ctx.results.startup = await startup(ctx);
  ctx.log('the apply lock’s cost…');
  await lockCost(ctx);
  await planOnly(ctx);
}
