import { backoffDelay, type Backoff } from './backoff.js';

/**
 * Why a reconcile runs: the start, an engine event, the periodic full resync, a changed spec
 * file, an engine that answers again after it was lost, or a retry after a failed reconcile.
 */
export type Trigger = 'start' | 'event' | 'interval' | 'spec' | 'engine' | 'retry';

export interface SchedulerOptions {
  /** An event-driven reconcile waits until no event came for this long... */
  debounceMs: number;
  /** ...but never longer than this after the first event it waits for. */
  maxDelayMs: number;
  /** A full resync runs this long after the last reconcile ended. */
  intervalMs: number;
  /** Waits before retrying after failed reconciles. */
  retry: Backoff;
  /** One reconcile. Must not throw; says whether it failed (then it is retried with backoff). */
  run: (triggers: Trigger[]) => Promise<{ failed: boolean }>;
  /** Whether a reconcile can run now (the engine answers); if not, triggers wait for `trigger('engine')`. */
  canRun: () => boolean;
}

/**
 * Decides when reconciles run (docs/watch.md, "When it reconciles"): one at a time; what is
 * triggered while one runs makes one more run after it; engine events are debounced; the
 * resync timer restarts after every reconcile; a failed reconcile is retried with backoff.
 */
export class ReconcileScheduler {
  private readonly pending = new Set<Trigger>();
  private running: Promise<void> | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private firstWaitingSince: number | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: SchedulerOptions) {}

  /** Asks for a reconcile: at once, or `debounced` as engine events are. */
  trigger(trigger: Trigger, how: 'now' | 'debounced' = 'now'): void {
    if (this.stopped) return;
    this.pending.add(trigger);
    if (this.running) return;
    if (how === 'debounced') this.debounce();
    else this.fire();
  }

  /** True while a reconcile runs. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Resolves once no reconcile runs (one that starts meanwhile is waited for too). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** No reconcile starts after this; resolves when the one in flight (if any) has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.debounceTimer);
    clearTimeout(this.resyncTimer);
    clearTimeout(this.retryTimer);
    await this.running;
  }

  private debounce(): void {
    const now = Date.now();
    this.firstWaitingSince ??= now;
    clearTimeout(this.debounceTimer);
    const latest = this.firstWaitingSince + this.options.maxDelayMs;
    const delay = Math.max(0, Math.min(this.options.debounceMs, latest - now));
    this.debounceTimer = setTimeout(() => this.fire(), delay);
  }

  private fire(): void {
    clearTimeout(this.debounceTimer);
    this.debounceTimer = undefined;
    this.firstWaitingSince = undefined;
    if (this.stopped || this.running || this.pending.size === 0) return;
    // Without an engine the triggers stay pending; the engine's return fires them.
    if (!this.options.canRun()) return;
    const triggers = [...this.pending];
    this.pending.clear();
    clearTimeout(this.resyncTimer);
    clearTimeout(this.retryTimer);
    this.running = this.options
      .run(triggers)
      .catch(() => ({ failed: true }))
      .then(({ failed }) => {
        this.running = undefined;
        if (!this.stopped) this.afterRun(failed);
      });
  }

  private afterRun(failed: boolean): void {
    this.resyncTimer = setTimeout(() => this.trigger('interval'), this.options.intervalMs);
    if (failed) {
      const delay = Math.min(backoffDelay(this.failures, this.options.retry), this.options.intervalMs);
      this.failures += 1;
      this.retryTimer = setTimeout(() => this.trigger('retry'), delay);
    } else {
      this.failures = 0;
    }
    if (this.pending.size > 0) this.debounce();
  }
}
