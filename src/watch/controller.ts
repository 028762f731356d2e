import { pino, type Logger } from 'pino';
import { describeAction } from '../apply/describe.js';
import { desiredForEngine } from '../core/engine-projection.js';
import { loadSpec, renderPlan } from '../index.js';
import type { DesiredState } from '../model/desired.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { NetformError } from '../model/errors.js';
import type { FleetPlan } from '../model/fleet.js';
import type { ObservedState } from '../model/observed.js';
import type { Plan } from '../model/plan.js';
import type { DockerPort, EngineEvent } from '../model/port.js';
import { formatDiagnostic } from '../render/diagnostics.js';
import { renderFleetPlan } from '../render/fleet-plan.js';
import { EngineLink } from './engine-link.js';
import { parseListenAddress, serveEndpoints, type EndpointServer } from './http.js';
import { WatchMetrics } from './metrics.js';
import { reconcileEngines, reconcileOnce, type ReconcileResult, type WatchMode } from './reconcile.js';
import { concernsProject, projectScope, WATCHED_ACTIONS, type ProjectScope } from './relevance.js';
import { ReconcileScheduler, type Trigger } from './scheduler.js';
import { watchSpecFiles, type SpecFileWatcher } from './spec-files.js';
import { watchTargets, type WatchTarget } from './targets.js';

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
  /**
   * Engine address and environment, as connectDocker takes them (when `connect` is absent). A
   * spec with `engines:` takes each engine's address from its entry there, with `env` (for
   * DOCKER_CONFIG, DOCKER_CERT_PATH ...); `host` is refused for it.
   */
  host?: string;
  env?: NodeJS.ProcessEnv;
  /** A spec without `engines:`: opens a session with its engine; called again after it was lost. */
  connect?: () => Promise<DockerPort>;
  /**
   * A spec with `engines:`: opens a session with the engine the spec names `engine`; called again
   * after it was lost. Absent: each engine is reached as its `engines:` entry says.
   */
  connectEngine?: (engine: string) => Promise<DockerPort>;
  /** A spec without `engines:`: the engine's name in logs and metrics. Default: its address. */
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
  /** The latest plan, for a spec without `engines:`. */
  latestPlan: Plan | undefined;
  /** The latest plan across engines, for a spec with `engines:`. */
  latestFleetPlan: FleetPlan | undefined;
  /** Engine name -> whether it answers and its events are followed. */
  engines: Record<string, boolean>;
}

/**
 * `netform watch` (docs/watch.md): reconciles at the start, on the engines' events that concern
 * the project (debounced), every interval, and when a spec file changes; keeps the last valid
 * spec when the files become invalid; follows each engine that goes away and comes back. A spec
 * with `engines:` is followed on every engine it names, one event subscription each, and
 * reconciled across all of them by the session `apply` runs for such a spec.
 */
export async function startWatch(options: WatchOptions = {}): Promise<Watcher> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const files = options.files ?? [];
  const cwd = options.cwd ?? process.cwd();
  const mode = options.mode ?? 'enforce';
  const intervalMs = options.intervalMs ?? WATCH_DEFAULTS.intervalMs;
  const env = options.env ?? {};
  const listen = options.listen !== undefined ? parseListenAddress(options.listen) : undefined;
  const targetsOf = (spec: DesiredState): WatchTarget[] =>
    watchTargets(spec, {
      env,
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.logger ? { logger } : {}),
      ...(options.connect ? { connect: options.connect } : {}),
      ...(options.connectEngine ? { connectEngine: options.connectEngine } : {}),
      ...(options.engine !== undefined ? { engine: options.engine } : {}),
    });

  let desired = options.spec ?? (await loadValidSpec(files, cwd));
  let targets = targetsOf(desired);
  let specValid = true;
  let latestPlan: Plan | undefined;
  let latestFleetPlan: FleetPlan | undefined;
  let lastResult: ReconcileResult | undefined;
  let reconciles = 0;
  /** Per engine: what its events are recognised by (its part of the spec, as last observed). */
  const scopes = new Map<string, ProjectScope>();
  const scopeOf = (spec: DesiredState, engine: string, observed?: ObservedState): ProjectScope => {
    if (!spec.engines) return projectScope(spec, observed);
    // An engine the spec no longer names (its link is being stopped): nothing of the project.
    if (!Object.hasOwn(spec.engines, engine))
      return { networks: new Set(), containers: new Set(), services: new Set() };
    // Services are the swarm's, not one engine's: their events come from a manager (docs/swarm.md).
    const services = spec.services ? { services: spec.services } : {};
    return projectScope({ ...desiredForEngine(spec, engine), ...services }, observed);
  };

  const metrics = new WatchMetrics();
  metrics.startProject(desired.project);
  metrics.specValid.set(1);

  /** The engines' links, by engine name, in the spec's order. */
  let links = new Map<string, EngineLink>();
  /** True while the links are being replaced: no reconcile starts. */
  let relinking = false;
  const allUp = (): boolean => !relinking && [...links.values()].every((link) => link.port !== undefined);

  const run = async (triggers: Trigger[]): Promise<{ failed: boolean }> => {
    if (!allUp()) return { failed: true };
    const spec = desired;
    const ports = new Map([...links].map(([name, link]) => [name, link.port!]));
    const started = performance.now();
    const context = (): Record<string, unknown> => ({
      project: spec.project,
      ...(spec.engines ? { engines: [...ports.keys()] } : { engine: [...ports.keys()][0] }),
      triggers,
      ms: Math.round(performance.now() - started),
    });
    let result: ReconcileResult;
    if (!spec.engines) {
      const [engine, port] = [...ports][0]!;
      const outcome = await reconcileOnce(port, spec, mode);
      result = outcome.result;
      if (outcome.plan) {
        latestPlan = outcome.plan;
        latestFleetPlan = undefined;
        metrics.driftActions.set({ project: spec.project, engine }, outcome.plan.actions.length);
      }
      if (outcome.observed) scopes.set(engine, scopeOf(spec, engine, outcome.observed));
      logOutcome(logger, result, outcome.plan?.actions.map(describeAction), outcome.error, context());
      if (outcome.engineLost)
        links.get(engine)?.reconnect(outcome.error?.message ?? 'the engine does not answer');
    } else {
      const outcome = await reconcileEngines(ports, spec, mode);
      result = outcome.result;
      if (outcome.plan) {
        latestFleetPlan = outcome.plan;
        latestPlan = undefined;
        for (const { engine, plan } of outcome.plan.engines) {
          metrics.driftActions.set({ project: spec.project, engine }, plan.actions.length);
        }
      }
      for (const [engine, observed] of outcome.observed ?? [])
        scopes.set(engine, scopeOf(spec, engine, observed));
      const actions = outcome.plan?.engines.flatMap(({ engine, plan }) =>
        plan.actions.map((action) => `engine ${engine}: ${describeAction(action)}`),
      );
      logOutcome(logger, result, actions, outcome.error, context());
      if (outcome.lostEngine !== undefined) {
        const reason = outcome.error?.message ?? 'the engine does not answer';
        // An unreachable engine the session did not name: every link connects again.
        for (const [name, link] of links)
          if (outcome.lostEngine === '*' || name === outcome.lostEngine) link.reconnect(reason);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    metrics.reconcileDuration.observe(seconds);
    metrics.reconcileTotal.inc({ project: spec.project, result });
    metrics.lastReconcile.set(Date.now() / 1000);
    reconciles += 1;
    lastResult = result;
    return { failed: result === 'failed' };
  };

  const scheduler = new ReconcileScheduler({
    debounceMs: options.debounceMs ?? WATCH_DEFAULTS.debounceMs,
    maxDelayMs: Math.max(WATCH_DEFAULTS.maxDelayMs, options.debounceMs ?? 0),
    intervalMs,
    retry: { ...WATCH_DEFAULTS.retryBackoff, maxMs: Math.min(WATCH_DEFAULTS.retryBackoff.maxMs, intervalMs) },
    run,
    // Every engine answers: a reconcile covers them all (docs/watch.md, "Several engines").
    canRun: allUp,
  });

  const linkTo = (target: WatchTarget): EngineLink => {
    const engine = target.name;
    metrics.engineUp.set({ engine }, 0);
    return new EngineLink({
      name: engine,
      connect: target.connect,
      actions: WATCHED_ACTIONS,
      backoff: WATCH_DEFAULTS.engineBackoff,
      logger,
      onUp: () => {
        metrics.engineUp.set({ engine }, 1);
        scheduler.trigger('engine');
      },
      onDown: () => metrics.engineUp.set({ engine }, 0),
      onEvent: (event: EngineEvent) => {
        if (!concernsProject(event, scopes.get(engine) ?? scopeOf(desired, engine))) return;
        metrics.engineEvents.inc({ engine, type: event.type, action: event.action });
        logger.debug(
          { engine, type: event.type, action: event.action, name: event.attributes.name },
          'engine event',
        );
        scheduler.trigger('event', 'debounced');
      },
    });
  };
  links = new Map(targets.map((target) => [target.name, linkTo(target)]));

  /**
   * A spec whose engines changed (another `engines:` entry, or the switch between one engine and
   * `engines:`): once the reconcile in flight has finished, the links of engines that are gone or
   * reached otherwise stop and new ones start; the next reconcile waits for all of them.
   */
  const relink = async (next: WatchTarget[], project: string): Promise<void> => {
    const same = (a: WatchTarget[], b: WatchTarget[]): boolean =>
      a.length === b.length && a.every((t, i) => t.key === b[i]!.key);
    if (same(targets, next)) {
      targets = next;
      return;
    }
    relinking = true;
    try {
      await scheduler.idle();
      const keep = new Set(next.map((t) => t.key));
      const old = links;
      links = new Map();
      for (const target of targets) {
        const link = old.get(target.name)!;
        if (keep.has(target.key)) {
          links.set(target.name, link);
          continue;
        }
        await link.stop();
        metrics.engineUp.remove({ engine: target.name });
        metrics.driftActions.remove({ project, engine: target.name });
        scopes.delete(target.name);
      }
      const reuse = links;
      links = new Map();
      for (const target of next) links.set(target.name, reuse.get(target.name) ?? linkTo(target));
      targets = next;
      logger.info({ project, engines: [...links.keys()] }, 'the engines changed; following the new ones');
    } finally {
      relinking = false;
    }
    for (const link of links.values()) link.start();
  };

  // One reload at a time, in the order the changes came.
  let reloading = Promise.resolve();
  const reloadSpec = (): void => {
    reloading = reloading.then(async () => {
      const result = await loadSpec(files, { cwd });
      logDiagnostics(logger, result.warnings, 'warn');
      const refuse = (fields: Record<string, unknown>, message: string): void => {
        specValid = false;
        metrics.specValid.set(0);
        logger.error({ project: desired.project, ...fields }, message);
      };
      if (!result.ok) {
        logDiagnostics(logger, result.errors, 'error');
        refuse(
          { errors: result.errors.length },
          'the spec is invalid: nothing is applied from it, the last valid spec stays in force',
        );
        return;
      }
      let next: WatchTarget[];
      try {
        next = targetsOf(result.spec);
      } catch (error) {
        const e = error as NetformError;
        refuse(
          { err: e.message, hint: e.hint },
          'the spec cannot be watched as it is: the last valid spec stays in force',
        );
        return;
      }
      specValid = true;
      metrics.specValid.set(1);
      const previous = desired.project;
      if (result.spec.project !== previous) {
        // The drift figures belong to the project the spec names now.
        for (const name of links.keys()) metrics.driftActions.remove({ project: previous, engine: name });
        metrics.startProject(result.spec.project);
      }
      desired = result.spec;
      await relink(next, previous);
      scopes.clear();
      logger.info({ project: desired.project }, 'the spec changed; reconciling');
      scheduler.trigger('spec');
    });
  };

  const notReadyBecause = (): string | undefined => {
    const down = [...links].filter(([, link]) => link.port === undefined).map(([name]) => name);
    if (down.length === 1) return `the engine ${down[0]} does not answer`;
    if (down.length > 1) return `the engines ${down.join(', ')} do not answer`;
    if (reconciles === 0) return 'no reconcile has completed yet';
    return undefined;
  };

  let server: EndpointServer | undefined;
  let specWatcher: SpecFileWatcher | undefined;
  try {
    if (listen) {
      server = await serveEndpoints(listen, {
        notReadyBecause: () => notReadyBecause(),
        latestPlanJson: () =>
          latestFleetPlan
            ? renderFleetPlan(latestFleetPlan, 'json', { color: false })
            : latestPlan
              ? renderPlan(latestPlan, { format: 'json' })
              : undefined,
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
      engines: [...links.keys()],
      ...(desired.engines ? {} : { engine: [...links.keys()][0] }),
      intervalMs,
      listen: server?.address,
      files: files.length ? files : ['netform.yaml'],
    },
    'watching',
  );
  for (const link of links.values()) link.start();
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
      latestFleetPlan,
      engines: Object.fromEntries([...links].map(([name, link]) => [name, link.port !== undefined])),
    }),
    stop: () =>
      (stopping ??= (async () => {
        logger.info({ project: desired.project }, 'stopping: the reconcile in flight finishes first');
        await specWatcher?.close();
        await reloading;
        await scheduler.stop();
        await Promise.all([...links.values()].map((link) => link.stop()));
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
  result: ReconcileResult,
  actions: string[] | undefined,
  error: Error | undefined,
  context: Record<string, unknown>,
): void {
  switch (result) {
    case 'converged':
      logger.info({ ...context, result }, 'reconciled: the engines match the spec');
      return;
    case 'changed':
      logger.info({ ...context, result, actions }, 'reconciled: drift repaired and verified');
      return;
    case 'drift':
      logger.warn({ ...context, result, actions }, 'drift found (report mode: nothing changed)');
      return;
    case 'failed':
      logger.error(
        {
          ...context,
          result,
          actions,
          err: error?.message,
          hint: error instanceof NetformError ? error.hint : undefined,
        },
        'reconcile failed; retrying with backoff',
      );
  }
}
