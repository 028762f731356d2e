/** Exponential backoff: `initialMs`, doubling with each failed attempt, at most `maxMs`. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/**
 * The wait before attempt `attempt + 1` (attempt 0 is the first retry), with up to 20% taken off
 * at random so that several watchers of one engine do not retry in step.
 */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const full = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(full * (1 - 0.2 * random()));
}
