/**
 * The goals `npm run bench` measures through the other bench commands, run from the same run one
 * after another: `bench:scale` (the no-op plan at 1,000 networks and 1,000 containers × 3, with a
 * profile), `bench:fleet` (4 engines against the slowest alone, with a profile) and `bench:watch`
 * (repair latency, idle CPU). Each runs as its own process with its own clean-up, writes its JSON
 * into the run's work directory, and its figures go into the report beside the others.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResults, FleetFigures, ScaleFigures, WatchFigures } from './results.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const TSX = join(REPO, 'node_modules', '.bin', 'tsx');

export type SubBenchName = 'scale' | 'fleet' | 'watch';

/** The arguments each sub-benchmark gets from `npm run bench` (its defaults, plus profiles). */
const ARGS: Record<SubBenchName, string[]> = {
  scale: ['--repeats', '5', '--profile'],
  // The engines it starts are stopped again: the run leaves the machine as it found it.
  fleet: ['--profile', '--down'],
  watch: [],
};

let running: ChildProcess | undefined;

/** Ends the sub-benchmark in flight, if any, and waits for its own clean-up (SIGTERM). */
export async function stopSubBench(): Promise<void> {
  const child = running;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Runs `bench/<name>.ts` with the engine of the run (`engineHost`), its progress on stderr, and
 * resolves with the JSON it wrote; rejects with its last words when it fails.
 */
export async function runSubBench(
  name: SubBenchName,
  engineHost: string,
  workDir: string,
  extra: readonly string[] = [],
): Promise<unknown> {
  const out = join(workDir, `${name}.json`);
  const args = [join(REPO, 'bench', `${name}.ts`), ...ARGS[name], ...extra, '--out', out];
  const tail: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(TSX, args, {
      cwd: REPO,
      env: { ...process.env, DOCKER_HOST: engineHost },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running = child;
    const relay = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      for (const line of text.split('\n').filter(Boolean)) {
        process.stderr.write(`  [${name}] ${line}\n`);
        tail.push(line);
        if (tail.length > 8) tail.shift();
      }
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('error', reject);
    child.on('close', (status) => resolve(status ?? 1));
  });
  running = undefined;
  if (code !== 0) throw new Error(`bench:${name} exited with ${code}: ${tail.slice(-3).join(' | ')}`);
  return JSON.parse(await readFile(out, 'utf8')) as unknown;
}

/** Runs the asked sub-benchmarks in turn; one that fails is noted in the report, the others still run. */
export async function runSubBenches(ctx: {
  names: readonly SubBenchName[];
  args: Record<SubBenchName, string[]>;
  engineHost: string;
  workDir: string;
  results: BenchResults;
  log: (line: string) => void;
  stop: () => void;
}): Promise<void> {
  for (const name of ctx.names) {
    ctx.stop();
    const args = [...ARGS[name], ...ctx.args[name]];
    ctx.log(`bench:${name} (npm run bench:${name} -- ${args.join(' ')})…`);
    try {
      const figures = await runSubBench(name, ctx.engineHost, ctx.workDir, ctx.args[name]);
      if (name === 'scale') ctx.results.scale = figures as ScaleFigures;
      if (name === 'fleet') ctx.results.fleet = figures as FleetFigures;
      if (name === 'watch') ctx.results.watch = figures as WatchFigures;
    } catch (error) {
      ctx.stop();
      const why = error instanceof Error ? error.message : String(error);
      ctx.log(`bench:${name} failed: ${why}`);
      ctx.results.notes.push(`bench:${name} failed in this run: ${why}`);
    }
  }
}
