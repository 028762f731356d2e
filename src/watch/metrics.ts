import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ReconcileResult } from './reconcile.js';

/** Every value of the `result` label, exported at 0 from the start so that rate() works at once. */
const RESULTS: readonly ReconcileResult[] = ['converged', 'changed', 'drift', 'failed'];

/**
 * The watch's Prometheus metrics (docs/watch.md, "Metrics"), in a registry of their own: the
 * library never touches prom-client's global registry. Node's default process metrics are left
 * out: their event-loop monitor wakes the process 100 times a second, which an idle watch should
 * not (a node or cAdvisor exporter reports the process).
 */
export class WatchMetrics {
  readonly registry = new Registry();
  readonly driftActions = new Gauge({
    name: 'netform_drift_actions',
    help: 'Actions the latest plan found (0: the engine matches the spec).',
    labelNames: ['project', 'engine'] as const,
    registers: [this.registry],
  });
  readonly reconcileTotal = new Counter({
    name: 'netform_reconcile_total',
    help: 'Reconciles by result: converged, changed (drift repaired), drift (report mode), failed.',
    labelNames: ['project', 'result'] as const,
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: 'netform_reconcile_duration_seconds',
    help: 'Wall time of one reconcile: observe, plan and, in enforce mode, apply and verify.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  readonly lastReconcile = new Gauge({
    name: 'netform_last_reconcile_timestamp_seconds',
    help: 'When the latest reconcile ended (Unix time), whatever its result.',
    registers: [this.registry],
  });
  readonly engineUp = new Gauge({
    name: 'netform_engine_up',
    help: '1 while the engine answers and its events are followed, else 0.',
    labelNames: ['engine'] as const,
    registers: [this.registry],
  });
  readonly specValid = new Gauge({
    name: 'netform_spec_valid',
    help: '1 when the spec files as they are now are valid; 0 while the last valid spec stays in force.',
    registers: [this.registry],
  });
  readonly engineEvents = new Counter({
    name: 'netform_engine_events_total',
    help: "Engine events received that concern the project's networks or attachments.",
    labelNames: ['engine', 'type', 'action'] as const,
    registers: [this.registry],
  });

  /** Starts the series of `project` at zero. */
  startProject(project: string): void {
    for (const result of RESULTS) this.reconcileTotal.inc({ project, result }, 0);
  }

  /** The exposition text and its content type, for GET /metrics. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
