import { pino, type Logger } from 'pino';
import { describeAction } from '../apply/describe.js';
import { resolveEngineAddress } from '../docker/address.js';
import { connectDocker, loadSpec, renderPlan } from '../index.js';
import type { DesiredState } from '../model/desired.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { NetformError } from '../model/errors.js';
import type { Plan } from '../model/plan.js';
import type { DockerPort, EngineEvent } from '../model/port.js';
import { formatDiagnostic } from '../render/diagnostics.js';
import { EngineLink } from './engine-link.js';
import { parseListenAddress, serveEndpoints, type EndpointServer } from './http.js';
import { WatchMetrics } from './metrics.js';
import { reconcileOnce, type ReconcileOutcome, type ReconcileResult, type WatchMode } from './reconcile.js';
import { concernsProject, projectScope, WATCHED_ACTIONS, type ProjectScope } from './relevance.js';
import { ReconcileScheduler, type Trigger } from './scheduler.js';
import { watchSpecFiles, type SpecFileWatcher } from './spec-files.js';

/** Defaults of `netform watch` (docs/watch.md). */
export const WATCH_DEFAULTS = {
  intervalMs: 5 * 60_000,
  debounceMs: 500,
  /** An event-driven reconcile waits at most this long while events keep coming. */
  maxDelayMs: 10_000,
  engineBackoff: { initialMs: 500, maxMs: 30_000 },
  retryBackoff: { initialMs: 2_000, maxMs: 5 * 60_000 },
} as const;

export interface WatchOptions {
  /** The spec files, as `-f` gives them (default `netform.yaml`), relative to `cwd`. */
  files?: string[];
  /** Default: the process's working directory. */
  cwd?: string;
  /**
   * The spec as already loaded from `files` (the CLI loads it first to print its problems).
   * Absent: loaded here; an invalid spec at the start is a NetformError.
   */
  spec?: DesiredState;
  /** `enforce` (default): plan and apply; `report`: plan only and publish the drift. */
  mode?: WatchMode;
  /** Full resync this long after the last reconcile ended. Default 5 minutes. */
  intervalMs?: number;
  /** Engine events are followed by a reconcile once none came for this long. Default 0.5 s. */
  debounceMs?: number;
  /** `HOST:PORT` for /healthz, /readyz, /plan and /metrics; absent: no HTTP server. */
  listen?: string;
  /** Engine address and environment, as connectDocker takes them (when `connect` is absent). */
  host?: string;
  env?: NodeJS.ProcessEnv;
  /** Opens a session with the engine; called again after the engine was lost. */
  connect?: () => Promise<DockerPort>;
  /** The engine's name in logs and metrics. Default: its address. */
  engine?: string;
  /** pino logger; default: silent. */
  logger?: Logger;
}

/** A running watch. */
export interface Watcher {
  readonly project: string;
  /** Where the HTTP endpoints listen (`host:port`), when `listen` was given. */
  readonly address: string | undefined;
  status(): WatchStatus;
  /**
   * Stops: no reconcile starts any more, the one in flight finishes (and releases the lock), the
   * event streams, file watches and HTTP server close. Safe to call twice.
   */
  stop(): Promise<void>;
}

export interface WatchStatus {
  /** Why /readyz says 503; undefined when ready. */
  notReadyBecause: string | undefined;
  specValid: boolean;
  reconciles: number;
  lastResult: ReconcileResult | undefined;
  latestPlan: Plan | undefined;
  /** Engine name -> whether it answers and its events are followed. */
  engines: Record<string, boolean>;
}

/**
 * `netform watch` (docs/watch.md): reconciles at the start, on the engine's events that concern
 * the project (debounced), every interval, and when a spec file changes; keeps the last valid
 * spec when the files become invalid; follows an engine that goes away and comes back.
 */
export async function startWatch(options: WatchOptions = {}): Promise<Watcher> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const files = options.files ?? [];
  const cwd = options.cwd ?? process.cwd();
  const mode = options.mode ?? 'enforce';
  const intervalMs = options.intervalMs ?? WATCH_DEFAULTS.intervalMs;
  const env = options.env ?? {};
  const listen = options.listen !== undefined ? parseListenAddress(options.listen) : undefined;
  const engine =
    options.engine ?? (options.connect ? 'default' : resolveEngineAddress(options.host, env).display);
  const connect =
    options.connect ??
    (() => connectDocker({ host: options.host, env, ...(options.logger ? { logger } : {}) }));

  let desired = options.spec ?? (await loadValidSpec(files, cwd));
  let scope: ProjectScope = projectScope(desired);
  let specValid = true;
  let latestPlan: Plan | undefined;
  let lastResult: ReconcileResult | undefined;
  let reconciles = 0;

  const metrics = new WatchMetrics();
  metrics.startProject(desired.project);
  metrics.specValid.set(1);
  metrics.engineUp.set({ engine }, 0);

  const run = async (triggers: Trigger[]): Promise<{ failed: boolean }> => {
    const port = link.port;
    if (!port) return { failed: true };
    const spec = desired;
    const started = performance.now();
    const outcome = await reconcileOnce(port, spec, mode);
    const seconds = (performance.now() - started) / 1000;
    metrics.reconcileDuration.observe(seconds);
    metrics.reconcileTotal.inc({ project: spec.project, result: outcome.result });
    metrics.lastReconcile.set(Date.now() / 1000);
    if (outcome.plan) {
      latestPlan = outcome.plan;
      metrics.driftActions.set({ project: spec.project, engine }, outcome.plan.actions.length);
    }
    if (outcome.observed) scope = projectScope(desired, outcome.observed);
    reconciles += 1;
    lastResult = outcome.result;
    logOutcome(logger, outcome, { project: spec.project, engine, triggers, ms: Math.round(seconds * 1000) });
    if (outcome.engineLost) link.reconnect(outcome.error?.message ?? 'the engine does not answer');
    return { failed: outcome.result === 'failed' };
  };

  const scheduler = new ReconcileScheduler({
    debounceMs: options.debounceMs ?? WATCH_DEFAULTS.debounceMs,
    maxDelayMs: Math.max(WATCH_DEFAULTS.maxDelayMs, options.debounceMs ?? 0),
    intervalMs,
    retry: { ...WATCH_DEFAULTS.retryBackoff, maxMs: Math.min(WATCH_DEFAULTS.retryBackoff.maxMs, intervalMs) },
    run,
    canRun: () => link.port !== undefined,
  });

  const link = new EngineLink({
    name: engine,
    connect,
    actions: WATCHED_ACTIONS,
    backoff: WATCH_DEFAULTS.engineBackoff,
    logger,
    onUp: () => {
      metrics.engineUp.set({ engine }, 1);
      scheduler.trigger('engine');
    },
    onDown: () => metrics.engineUp.set({ engine }, 0),
    onEvent: (event: EngineEvent) => {
      if (!concernsProject(event, scope)) return;
      metrics.engineEvents.inc({ engine, type: event.type, action: event.action });
      logger.debug(
        { engine, type: event.type, action: event.action, name: event.attributes.name },
        'engine event',
      );
      scheduler.trigger('event', 'debounced');
    },
  });

  // One reload at a time, in the order the changes came.
  let reloading = Promise.resolve();
  const reloadSpec = (): void => {
    reloading = reloading.then(async () => {
      const result = await loadSpec(files, { cwd });
      logDiagnostics(logger, result.warnings, 'warn');
      if (!result.ok) {
        specValid = false;
        metrics.specValid.set(0);
        logDiagnostics(logger, result.errors, 'error');
        logger.error(
          { project: desired.project, errors: result.errors.length },
          'the spec is invalid: nothing is applied from it, the last valid spec stays in force',
        );
        return;
      }
      if (result.spec.engines) {
        // watch covers one engine (docs/spec.md#engines): a spec that now names engines is kept out.
        specValid = false;
        metrics.specValid.set(0);
        logger.error(
          { project: desired.project, engines: Object.keys(result.spec.engines) },
          'the spec now names several engines, which watch does not cover: the last spec stays in force',
        );
        return;
      }
      specValid = true;
      metrics.specValid.set(1);
      if (result.spec.project !== desired.project) {
        // The drift figure belongs to the project the spec names now.
        metrics.driftActions.remove({ project: desired.project, engine });
        metrics.startProject(result.spec.project);
      }
      desired = result.spec;
      scope = projectScope(desired);
      logger.info({ project: desired.project }, 'the spec changed; reconciling');
      scheduler.trigger('spec');
    });
  };

  const notReadyBecause = (): string | undefined => {
    if (!link.port) return `the engine ${engine} does not answer`;
    if (reconciles === 0) return 'no reconcile has completed yet';
    return undefined;
  };

  let server: EndpointServer | undefined;
  let specWatcher: SpecFileWatcher | undefined;
  try {
    if (listen) {
      server = await serveEndpoints(listen, {
        notReadyBecause: () => notReadyBecause(),
        latestPlanJson: () => (latestPlan ? renderPlan(latestPlan, { format: 'json' }) : undefined),
        metrics: () => metrics.render(),
      });
    }
    specWatcher = await watchSpecFiles(files, cwd, reloadSpec);
  } catch (error) {
    await server?.close();
    throw error;
  }

  logger.info(
    {
      project: desired.project,
      mode,
      engine,
      intervalMs,
      listen: server?.address,
      files: files.length ? files : ['netform.yaml'],
    },
    'watching',
  );
  link.start();
  scheduler.trigger('start');

  let stopping: Promise<void> | undefined;
  return {
    project: desired.project,
    address: server?.address,
    status: () => ({
      notReadyBecause: notReadyBecause(),
      specValid,
      reconciles,
      lastResult,
      latestPlan,
      engines: { [engine]: link.port !== undefined },
    }),
    stop: () =>
      (stopping ??= (async () => {
        logger.info({ project: desired.project }, 'stopping: the reconcile in flight finishes first');
        await specWatcher?.close();
        await reloading;
        await scheduler.stop();
        await link.stop();
        await server?.close();
        logger.info({ project: desired.project }, 'stopped');
      })()),
  };
}

async function loadValidSpec(files: string[], cwd: string): Promise<DesiredState> {
  const result = await loadSpec(files, { cwd });
  if (result.ok) return result.spec;
  const n = result.errors.length;
  throw new NetformError(
    `the spec has ${n} error${n === 1 ? '' : 's'}: ${result.errors.map((d) => formatDiagnostic(d)).join('; ')}`,
    { hint: 'run `netform validate` for details' },
  );
}

function logDiagnostics(logger: Logger, diagnostics: Diagnostic[], level: 'warn' | 'error'): void {
  for (const d of diagnostics) logger[level]({ code: d.code }, formatDiagnostic(d));
}

function logOutcome(
  logger: Logger,
  outcome: ReconcileOutcome,
  context: { project: string; engine: string; triggers: Trigger[]; ms: number },
): void {
  const actions = outcome.plan?.actions.map(describeAction);
  switch (outcome.result) {
    case 'converged':
      logger.info({ ...context, result: outcome.result }, 'reconciled: the engine matches the spec');
      return;
    case 'changed':
      logger.info({ ...context, result: outcome.result, actions }, 'reconciled: drift repaired and verified');
      return;
    case 'drift':
      logger.warn(
        { ...context, result: outcome.result, actions },
        'drift found (report mode: nothing changed)',
      );
      return;
    case 'failed':
      logger.error(
        {
          ...context,
          result: outcome.result,
          actions,
          err: outcome.error?.message,
          hint: outcome.error instanceof NetformError ? outcome.error.hint : undefined,
        },
        'reconcile failed; retrying with backoff',
      );
  }
}
