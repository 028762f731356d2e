import type { ExecutionPhase } from './result.js';

/**
 * Concurrent engine requests per phase when `--parallelism` is not given, chosen by measurement
 * on Engine 20.10 (two cores): see docs/apply.md, "Concurrency". The engine serialises most
 * network writes behind its own locks, so more requests in flight mostly add contention; connects
 * and disconnects of running containers gain from them (the executor keeps the connects' orders
 * itself: execute.ts).
 */
export const DEFAULT_PARALLELISM: Readonly<Record<ExecutionPhase, number>> = {
  create: 4,
  replace: 4,
  // The bench's sweeps (bench/sweep.ts) put disconnects and connects fastest at 16 in flight in
  // every pass, at 120 and at 900 of them (docs/apply.md).
  disconnect: 16,
  reconnect: 4,
  connect: 16,
  // One rolling update per service; the manager serialises them on its store anyway.
  'service-update': 1,
  remove: 4,
};

/** `--parallelism N` sets every phase; an object sets some phases and leaves the rest default. */
export type ParallelismOption = number | Partial<Record<ExecutionPhase, number>>;

export function resolveParallelism(option?: ParallelismOption): Record<ExecutionPhase, number> {
  if (option === undefined) return { ...DEFAULT_PARALLELISM };
  if (typeof option === 'number') {
    assertParallelism(option);
    return {
      create: option,
      replace: option,
      disconnect: option,
      reconnect: option,
      connect: option,
      'service-update': option,
      remove: option,
    };
  }
  const resolved = { ...DEFAULT_PARALLELISM, ...option };
  for (const value of Object.values(resolved)) assertParallelism(value);
  return resolved;
}

function assertParallelism(value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`parallelism must be a whole number of at least 1, got ${value}`);
  }
}
