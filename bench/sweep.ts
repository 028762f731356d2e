import { performance } from 'node:perf_hooks';
import { EngineApi, runLimited } from './engine-api.js';
import { median } from './measure.js';
import { diffOps, type Op } from './ops.js';
import { sendOp } from './peers/raw-api.js';
import { EMPTY_STATE, type Scenario } from './scenario.js';

export type WriteKind = Op['kind'];
export const WRITE_KINDS: readonly WriteKind[] = ['create', 'connect', 'disconnect', 'remove'];
/** The concurrencies tried for each kind of write. */
export const SWEEP_LEVELS: readonly number[] = [1, 2, 4, 8, 16];

export interface SweepResult {
  levels: number[];
  passes: number;
  /** Wall time of all of the scenario's writes of a kind, per concurrency, one sample per pass. */
  samples: Record<WriteKind, Record<string, number[]>>;
  /** The concurrency with the lowest median per kind: the tuned floor's. */
  best: Record<WriteKind, number>;
  /** That median, per kind. */
  bestMs: Record<WriteKind, number>;
}

/**
 * The raw floor's best concurrency for each kind of write, found by measurement (a sweep, not a
 * guess): for every level, the scenario's networks are created, its containers connected (with
 * their aliases), disconnected and the networks removed, each kind as one batch of `level`
 * requests in flight over as many keep-alive connections, timed on its own. The levels run up and
 * then down again (`passes`), so neither end always runs on a warmer or busier engine. The engine
 * ends as it started: without the scenario's networks.
 */
export async function sweepConcurrency(options: {
  socketPath: string;
  apiVersion: string;
  scenario: Scenario;
  levels?: readonly number[];
  passes?: number;
  log: (line: string) => void;
  /** Throws once the run is interrupted: no request starts after that. */
  stop: () => void;
}): Promise<SweepResult> {
  const levels = [...(options.levels ?? SWEEP_LEVELS)];
  const passes = options.passes ?? 2;
  const samples = Object.fromEntries(
    WRITE_KINDS.map((kind) => [kind, Object.fromEntries(levels.map((l) => [String(l), [] as number[]]))]),
  ) as SweepResult['samples'];
  const up = diffOps(EMPTY_STATE, options.scenario.initial).flat();
  const down = diffOps(options.scenario.initial, EMPTY_STATE).flat();
  for (let pass = 0; pass < passes; pass++) {
    const order = pass % 2 === 0 ? levels : [...levels].reverse();
    for (const level of order) {
      const api = new EngineApi(options.socketPath, options.apiVersion, level);
      try {
        const times: string[] = [];
        for (const kind of WRITE_KINDS) {
          const ops = (kind === 'create' || kind === 'connect' ? up : down).filter((op) => op.kind === kind);
          const started = performance.now();
          await runLimited(
            ops.map((op) => () => {
              options.stop();
              return sendOp(api, op);
            }),
            level,
          );
          const ms = performance.now() - started;
          samples[kind][String(level)]!.push(ms);
          times.push(`${kind} ${(ms / 1000).toFixed(2)} s`);
        }
        options.log(`[sweep ${pass + 1}/${passes}] ${level} at a time: ${times.join(', ')}`);
      } finally {
        api.close();
      }
    }
  }
  const best = {} as Record<WriteKind, number>;
  const bestMs = {} as Record<WriteKind, number>;
  for (const kind of WRITE_KINDS) {
    for (const level of levels) {
      const ms = median(samples[kind][String(level)]!);
      if (bestMs[kind] === undefined || ms < bestMs[kind]) {
        bestMs[kind] = ms;
        best[kind] = level;
      }
    }
  }
  return { levels, passes, samples, best, bestMs };
}
