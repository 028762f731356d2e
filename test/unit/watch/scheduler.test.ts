import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReconcileScheduler, type SchedulerOptions, type Trigger } from '../../../src/watch/scheduler.js';

/** A scheduler whose reconciles are controlled by the test: each run waits until released. */
function harness(overrides: Partial<SchedulerOptions> = {}) {
  const runs: Trigger[][] = [];
  const releases: ((failed: boolean) => void)[] = [];
  let engineUp = true;
  const scheduler = new ReconcileScheduler({
    debounceMs: 500,
    maxDelayMs: 2_000,
    intervalMs: 60_000,
    retry: { initialMs: 1_000, maxMs: 8_000 },
    canRun: () => engineUp,
    run: (triggers) => {
      runs.push(triggers);
      return new Promise((resolve) => releases.push((failed) => resolve({ failed })));
    },
    ...overrides,
  });
  return {
    scheduler,
    runs,
    /** Ends the reconcile in flight. */
    finish: async (failed = false) => {
      const release = releases.shift();
      if (!release) throw new Error('no reconcile in flight');
      release(failed);
      await vi.advanceTimersByTimeAsync(0);
    },
    setEngineUp: (up: boolean) => {
      engineUp = up;
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
  // backoffDelay takes up to 20% off at random: take none, so delays are exact.
  vi.spyOn(Math, 'random').mockReturnValue(0);
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('ReconcileScheduler', () => {
  it('runs at once for a start, and one at a time: what comes meanwhile makes one more run', async () => {
    const h = harness();
    h.scheduler.trigger('start');
    expect(h.runs).toEqual([['start']]);
    h.scheduler.trigger('spec');
    h.scheduler.trigger('event', 'debounced');
    h.scheduler.trigger('event', 'debounced');
    expect(h.runs).toHaveLength(1);
    await h.finish();
    // The pending triggers are debounced like events.
    await vi.advanceTimersByTimeAsync(499);
    expect(h.runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.runs).toEqual([['start'], ['spec', 'event']]);
  });

  it('debounces events until they are quiet, but no longer than the maximum delay', async () => {
    const h = harness();
    h.scheduler.trigger('event', 'debounced');
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(400);
      h.scheduler.trigger('event', 'debounced');
    }
    expect(h.runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(500);
    expect(h.runs).toEqual([['event']]);
    await h.finish();

    // Events every 400 ms never leave 500 ms of quiet: the maximum delay (2 s) fires the run.
    for (let t = 0; t < 2_000; t += 400) {
      h.scheduler.trigger('event', 'debounced');
      await vi.advanceTimersByTimeAsync(400);
    }
    expect(h.runs).toHaveLength(2);
  });

  it('resyncs an interval after the last reconcile ended', async () => {
    const h = harness();
    h.scheduler.trigger('start');
    await vi.advanceTimersByTimeAsync(5_000);
    await h.finish();
    await vi.advanceTimersByTimeAsync(59_999);
    expect(h.runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.runs).toEqual([['start'], ['interval']]);
  });

  it('retries failed reconciles with doubling waits, and resets after a success', async () => {
    const h = harness();
    h.scheduler.trigger('start');
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      await h.finish(true);
      const before = h.runs.length;
      let waited = 0;
      while (h.runs.length === before) {
        await vi.advanceTimersByTimeAsync(100);
        waited += 100;
      }
      waits.push(waited);
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
    expect(h.runs.slice(1).every((t) => t.length === 1 && t[0] === 'retry')).toBe(true);
    await h.finish(false);
    h.scheduler.trigger('event', 'debounced');
    await vi.advanceTimersByTimeAsync(500);
    await h.finish(true);
    await vi.advanceTimersByTimeAsync(999);
    const count = h.runs.length;
    await vi.advanceTimersByTimeAsync(1);
    expect(h.runs.length).toBe(count + 1);
  });

  it('keeps triggers pending while the engine is away, and runs them when it answers', async () => {
    const h = harness();
    h.setEngineUp(false);
    h.scheduler.trigger('start');
    h.scheduler.trigger('spec');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.runs).toHaveLength(0);
    h.setEngineUp(true);
    h.scheduler.trigger('engine');
    expect(h.runs).toEqual([['start', 'spec', 'engine']]);
  });

  it('stop waits for the reconcile in flight and starts nothing after', async () => {
    const h = harness();
    h.scheduler.trigger('start');
    let stopped = false;
    const stopping = h.scheduler.stop().then(() => {
      stopped = true;
    });
    h.scheduler.trigger('spec');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stopped).toBe(false);
    await h.finish(true);
    await stopping;
    expect(stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(h.runs).toEqual([['start']]);
  });

  it('counts a reconcile that throws as failed and goes on', async () => {
    let calls = 0;
    const h = harness({
      run: () => {
        calls += 1;
        return Promise.reject(new Error('bug'));
      },
    });
    h.scheduler.trigger('start');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
  });
});
