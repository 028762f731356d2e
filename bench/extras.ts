import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EngineApi } from './engine-api.js';
import { median } from './measure.js';
import type { BenchOptions } from './options.js';
import { diffOps } from './ops.js';
import { cliScriptPeer } from './peers/cli-script.js';
import { renderSpec, runNetform, type NetformInstall } from './peers/netform.js';
import { applyOps, rawApiPeer } from './peers/raw-api.js';
import { measurePurePlan } from './pure-plan.js';
import { measureStartup, startupGoals } from './startup.js';
import { totalCalls, type CountingProxy } from './proxy.js';
import { createContainers, removeRun } from './resources.js';
import type { BenchResults, CommandFigure } from './results.js';
import { EMPTY_STATE, buildScenario, type Scenario } from './scenario.js';

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
  return [
    ...figures.map((f) => ({
      command: f.command,
      samplesMs: f.samples.map((s) => s.wallMs),
      medianMs: f.medianMs,
      maxRssKb: f.maxRssKb,
      note: f.id === 'node' ? 'the floor: Node.js alone' : 'interleaved with the floor',
    })),
    ...(online ? [online] : []),
  ];
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
  await planOnly(ctx);
}
