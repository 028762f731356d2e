import { desiredForEngine } from '../core/engine-projection.js';
import { hashSpec } from '../core/fingerprint.js';
import type { DesiredState } from '../model/desired.js';
import type { FleetPlan, FleetPlanFile } from '../model/fleet.js';
import { isError } from '../model/diagnostic.js';
import { EngineError, NetformError } from '../model/errors.js';
import type { ObservedState } from '../model/observed.js';
import type { Plan, PlanOptions, PlanSummary } from '../model/plan.js';
import type { DockerPort } from '../model/port.js';
import type { HeldLock } from './lock.js';
import { observeAndPlan } from './plan-engine.js';
import type { ApplyResult } from './result.js';
import type { ActionOutcome, ExecutionResult } from './result.js';
import { swarmPlanning, type Stage, type SwarmPlanning } from './swarm-fleet.js';

export type { EnginePlan, FleetPlan } from '../model/fleet.js';
import {
  asDestroyPlan,
  describeStale,
  executeStage,
  lockEngine,
  prepareUnderLock,
  releaseLock,
  savedPlanStaleness,
  type PreparedChange,
  type SessionEvent,
  type SessionOptions,
  type Staleness,
  verifyExecution,
} from './session.js';

/**
 * The apply session across several engines (docs/apply.md#several-engines): the single-engine
 * session's steps (src/apply/session.ts) on every engine of a spec with `engines:`, each on its
 * own projection of the spec (desiredForEngine). One lock per engine, taken in a fixed order
 * (engine names, sorted) so two runs never hold one each and wait for the other; plans made
 * under the locks, concurrently; one confirmation for all; engines executed concurrently, where
 * the first failure on any engine stops new work on every engine; each engine verified on its
 * own; locks released in the reverse order.
 */

/** One engine's result, as the single-engine session reports it. */
export interface EngineResult {
  engine: string;
  host: string;
  result: ApplyResult;
}

/**
 * What a session across engines came to. `status` is the worst of the engines' (`failed`, then
 * `not-converged`, then `applied`), or `blocked` / `cancelled` / `no-changes` for all of them:
 * - `blocked`: some engine's plan has errors; nothing was sent to any engine;
 * - `cancelled`: the confirmation said no; nothing was sent;
 * - `no-changes`: every engine's plan was empty.
 */
export interface FleetResult {
  status: ApplyResult['status'];
  project: string;
  engines: EngineResult[];
}

/** What a session across engines reports while it runs: each engine's session events, named. */
export type FleetEvent =
  | { type: 'engine'; engine: string; event: SessionEvent }
  /** Every engine is planned (before confirmation). */
  | { type: 'planned-all'; plan: FleetPlan };

export interface FleetSessionOptions extends Omit<SessionOptions, 'confirm' | 'onEvent'> {
  /** Asked once, for every engine's plan together; absent: approved. */
  confirm?: (plan: FleetPlan) => Promise<boolean>;
  onEvent?: (event: FleetEvent) => void;
}

/** The ports of the engines to work on, by engine name (connectEngines gives them). */
export type EnginePorts = ReadonlyMap<string, DockerPort>;

/** Sums the summaries of every engine's plan. */
export function fleetSummary(plans: readonly { plan: Plan }[]): PlanSummary {
  const total: PlanSummary = { create: 0, replace: 0, remove: 0, connect: 0, disconnect: 0, reconnect: 0 };
  for (const { plan } of plans) {
    for (const key of Object.keys(total) as (keyof PlanSummary)[]) total[key] += plan.summary[key] ?? 0;
    const services = plan.summary['service-update'];
    if (services !== undefined) total['service-update'] = (total['service-update'] ?? 0) + services;
  }
  return total;
}

/** The plan a fleet session carried out (or was blocked on): each engine's plan, summed. */
export function fleetPlanOf(result: FleetResult): FleetPlan {
  const engines = result.engines.map(({ engine, host, result: r }) => ({ engine, host, plan: r.plan }));
  return { project: result.project, engines, summary: fleetSummary(engines) };
}

/**
 * Observes and plans every engine concurrently, each on its projection of the spec (as
 * `netform plan` does for a spec with engines:). No lock is taken: a plan changes nothing.
 */
export async function planEngines(
  spec: DesiredState,
  ports: EnginePorts,
  options: PlanOptions = {},
): Promise<{
  plan: FleetPlan;
  observed: Map<string, ObservedState>;
  /** Each engine's part of the spec, what was observed there and its address (for a plan file). */
  parts: Map<string, { desired: DesiredState; observed: ObservedState; host: string }>;
}> {
  const names = [...ports.keys()].sort();
  const swarm = await swarmPlanning(spec, ports);
  const planned = await Promise.all(
    names.map(async (engine) => {
      const work = await onEngine(
        engine,
        swarm.forEngine(engine, ports.get(engine)!, desiredForEngine(spec, engine)),
      );
      const { observed, plan } = await onEngine(
        engine,
        observeAndPlan(work.port, work.desired, options, work.swarm),
      );
      return { engine, host: work.port.host, plan, observed, desired: work.desired };
    }),
  );
  // One plan of the swarm (src/apply/swarm-fleet.ts, joinPlans).
  const joined = swarm.joinPlans(
    new Map(
      planned.map(({ engine, plan, desired, observed }) => [engine, { plan, desired, observed, options }]),
    ),
  );
  const engines = planned.map(({ engine, host }) => ({ engine, host, plan: joined.get(engine)! }));
  return {
    plan: { project: spec.project, engines, summary: fleetSummary(engines) },
    observed: new Map(planned.map(({ engine, observed }) => [engine, observed])),
    parts: new Map(
      planned.map(({ engine, desired, observed, host }) => [engine, { desired, observed, host }]),
    ),
  };
}

/** A plan across engines saved by `plan --out`, to carry out as it is (docs/apply.md#several-engines). */
export interface SavedFleetSource {
  planFile: FleetPlanFile;
  /** The file's name, for messages (`fleet.plan`). */
  fileName?: string;
}

/**
 * Makes every engine of `ports` match its part of `spec` (see the top of this file), or carries
 * out a plan across engines saved by `plan --out` (`{ planFile }`; see applySavedEngines). On a
 * swarm (docs/swarm.md), cluster objects are planned and changed through one manager.
 */
export async function applyEngines(
  source: DesiredState | SavedFleetSource,
  ports: EnginePorts,
  options: FleetSessionOptions & { planOptions?: PlanOptions } = {},
): Promise<FleetResult> {
  if ('planFile' in source) return applySavedEngines(source, ports, options);
  const spec = source;
  const planOptions = options.planOptions ?? {};
  const swarm = await swarmPlanning(spec, ports);
  return runFleet(ports, 'apply', spec.project, options, swarm, async (engine, port) => {
    const work = await swarm.forEngine(engine, port, desiredForEngine(spec, engine));
    const { plan, observed } = await observeAndPlan(work.port, work.desired, planOptions, work.swarm);
    return { port: work.port, change: { plan, desired: work.desired, planOptions }, observed };
  });
}

/**
 * A saved plan across engines (docs/apply.md, "Saved plans across engines"), in the same session:
 * `ports` must be the file's engines, each at the address it was planned at; under each engine's
 * lock, the engine's part of the spec is made again as planning made it (on a swarm node, with
 * the manager's cluster networks) and must be the part the file records, and the engine is
 * observed and fingerprinted as for a single-engine plan file. When any engine is stale, the
 * session stops before anything is sent to any engine, naming every stale engine.
 */
async function applySavedEngines(
  { planFile, fileName = 'the saved plan' }: SavedFleetSource,
  ports: EnginePorts,
  options: FleetSessionOptions,
): Promise<FleetResult> {
  checkSavedEngines(planFile, ports, fileName);
  const spec = planFile.spec;
  const saved = new Map(planFile.engines.map((entry) => [entry.name, entry]));
  const plans = new Map(planFile.plan.engines.map(({ engine, plan }) => [engine, plan]));
  const swarm = await swarmPlanning(spec, ports);
  return runFleet(ports, 'apply', spec.project, options, swarm, async (engine, port) => {
    const entry = saved.get(engine)!;
    const plan = plans.get(engine)!;
    const work = await swarm.forEngine(engine, port, desiredForEngine(spec, engine));
    if (hashSpec(work.desired) !== hashSpec(entry.spec)) {
      throw new StaleEngineError(engine, fileName, {
        reason: 'its part of the spec is not what it was when the plan was made',
        changes: [
          swarm.topology
            ? `the swarm's cluster networks (on manager ${swarm.topology.manager}) or the engines' swarm roles changed`
            : "the engines' swarm roles changed",
        ],
      });
    }
    const stale = await savedPlanStaleness(work.port, entry, plan, planFile.options);
    if (stale) throw new StaleEngineError(engine, fileName, stale);
    return { port: work.port, change: { plan, desired: entry.spec, planOptions: planFile.options } };
  });
}

/**
 * A plan file across engines is carried out on exactly its engines, each reached where it was
 * planned: an engine the file names that the caller did not connect, one it does not name, or
 * one whose address (its `engines:` entry, or its docker context) now resolves elsewhere, is an
 * error before any lock is taken.
 */
function checkSavedEngines(file: FleetPlanFile, ports: EnginePorts, fileName: string): void {
  const again = `make a new plan with \`netform plan --out ${fileName}\``;
  const named = file.engines.map((entry) => entry.name);
  const missing = named.filter((name) => !ports.has(name));
  const extra = [...ports.keys()].filter((name) => !named.includes(name)).sort();
  if (missing.length > 0 || extra.length > 0) {
    throw new NetformError(
      `${fileName} was made for engines ${named.join(', ')}` +
        (missing.length > 0 ? `; not connected: ${missing.join(', ')}` : '') +
        (extra.length > 0 ? `; not in the plan: ${extra.join(', ')}` : ''),
      { hint: `carry it out on the engines it names, or ${again}` },
    );
  }
  const moved = file.engines.filter((entry) => ports.get(entry.name)!.host !== entry.engine.host);
  if (moved.length > 0) {
    throw new NetformError(
      `${fileName} was made against ${moved
        .map(
          (entry) =>
            `engine ${entry.name} at ${entry.engine.host}, which is now reached at ${ports.get(entry.name)!.host}`,
        )
        .join('; ')}`,
      {
        hint: `the engines: entry or docker context that reaches it changed since the plan was made; nothing was applied: ${again}`,
      },
    );
  }
}

/** A saved plan's engine that changed since the plan was made (collected across engines by runFleet). */
class StaleEngineError extends Error {
  constructor(
    readonly engine: string,
    readonly fileName: string,
    readonly staleness: Staleness,
  ) {
    super(`engine ${engine}: ${describeStale(staleness)}`);
  }
}

/** One error naming every stale engine and what changed on each. */
function staleFleetError(stale: StaleEngineError[]): NetformError {
  const sorted = [...stale].sort((a, b) => (a.engine < b.engine ? -1 : a.engine > b.engine ? 1 : 0));
  const fileName = sorted[0]!.fileName;
  const message =
    sorted.length === 1
      ? `${fileName} is stale on engine ${sorted[0]!.engine}: ${describeStale(sorted[0]!.staleness)}`
      : // One line (an error is printed as one): a sentence per engine.
        `${fileName} is stale on engines ${sorted.map((e) => e.engine).join(', ')}. ${sorted
          .map((e) => `Engine ${e.engine}: ${describeStale(e.staleness)}.`)
          .join(' ')}`;
  return new NetformError(message, {
    hint: `nothing was applied on any engine; make a new plan with \`netform plan --out ${fileName}\` and review it`,
  });
}

/**
 * Removes every network `project` manages on every engine of `ports`; on a swarm, the cluster
 * networks once, on the manager, after the nodes' containers left them (docs/swarm.md).
 */
export async function destroyEngines(
  project: string,
  ports: EnginePorts,
  options: FleetSessionOptions = {},
): Promise<FleetResult> {
  const nothing: DesiredState = { project, networks: {}, containers: {} };
  const swarm = await swarmPlanning(nothing, ports);
  return runFleet(ports, 'destroy', project, options, swarm, async (engine, port) => {
    const work = await swarm.forEngine(engine, port, nothing);
    const { plan } = await observeAndPlan(work.port, work.desired, {}, work.swarm);
    return { port: work.port, change: { plan: asDestroyPlan(plan), desired: work.desired, planOptions: {} } };
  });
}

async function runFleet(
  ports: EnginePorts,
  command: 'apply' | 'destroy',
  project: string,
  options: FleetSessionOptions,
  swarm: SwarmPlanning,
  prepare: (
    engine: string,
    port: DockerPort,
  ) => Promise<{ port: DockerPort; change: PreparedChange; observed?: ObservedState }>,
): Promise<FleetResult> {
  const names = [...ports.keys()].sort();
  // One stop for every engine: the caller's signal (Ctrl-C), or the first engine that fails.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  if (options.signal?.aborted) stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const { confirm: _confirm, onEvent: _onEvent, signal: _signal, ...shared } = options;
  const engineOptions = (engine: string): SessionOptions => ({
    ...shared,
    signal: stop.signal,
    onEvent: (event) => {
      // The first action that fails on any engine stops new work on every engine, at once.
      if (
        event.type === 'action-end' &&
        (event.outcome.status === 'failed' || event.outcome.status === 'rolled-back')
      ) {
        stop.abort();
      }
      options.onEvent?.({ type: 'engine', engine, event });
    },
    ...(options.logger ? { logger: options.logger.child({ engine }) } : {}),
  });
  const held: { engine: string; lock: HeldLock }[] = [];
  try {
    // One at a time, in engine order: two runs that want the same engines queue on the first.
    for (const engine of names) {
      const lock = await onEngine(
        engine,
        lockEngine(ports.get(engine)!, command, project, engineOptions(engine)),
      );
      held.push({ engine, lock });
    }

    const settled = await Promise.allSettled(
      names.map(async (engine) => {
        // The port the engine is planned with (on a swarm node, one that reads cluster networks
        // from the manager) is the one it is executed and verified with.
        let work: DockerPort = ports.get(engine)!;
        let observed: ObservedState | undefined;
        const change = await onEngine(
          engine,
          prepareUnderLock(work, command, project, engineOptions(engine), async () => {
            const prepared = await prepare(engine, work);
            work = prepared.port;
            observed = prepared.observed;
            return prepared.change;
          }),
        );
        return { engine, port: work, change, observed };
      }),
    );
    const failures = settled
      .filter((s): s is PromiseRejectedResult => s.status === 'rejected')
      .map((s) => s.reason as unknown);
    // A saved plan stale on some engines: one error naming each of them (nothing was sent).
    const stale = failures.filter((f): f is StaleEngineError => f instanceof StaleEngineError);
    if (stale.length > 0) throw staleFleetError(stale);
    if (failures.length > 0) throw failures[0];
    type Prepared = { engine: string; port: DockerPort; change: PreparedChange; observed?: ObservedState };
    const planned = settled.map((s) => (s as PromiseFulfilledResult<Prepared>).value);
    // One plan of the swarm (src/apply/swarm-fleet.ts, joinPlans).
    const joined = swarm.joinPlans(
      new Map(
        planned.map(({ engine, change, observed }) => [
          engine,
          {
            plan: change.plan,
            desired: change.desired,
            options: change.planOptions,
            ...(observed && { observed }),
          },
        ]),
      ),
    );
    const prepared: Prepared[] = planned.map((p) => ({
      ...p,
      change: { ...p.change, plan: joined.get(p.engine)! },
    }));
    // A replace on the manager reaches the other nodes' engines through these.
    const enginePorts = new Map(prepared.map(({ engine, port }) => [engine, port]));
    // The removal of the ingress network waits for the tasks on it on each of these.
    const topology = swarm.topology;
    const swarmNodes = topology
      ? new Map(
          prepared.flatMap(({ engine, port }): [string, DockerPort][] =>
            engine === topology.manager || topology.others.includes(engine) ? [[engine, port]] : [],
          ),
        )
      : undefined;

    const fleetPlan: FleetPlan = {
      project,
      engines: prepared.map(({ engine, port, change }) => ({ engine, host: port.host, plan: change.plan })),
      summary: fleetSummary(prepared.map(({ change }) => change)),
    };
    options.onEvent?.({ type: 'planned-all', plan: fleetPlan });
    const all = (result: (plan: Plan) => ApplyResult): FleetResult => {
      const engines = prepared.map(({ engine, port, change }) => ({
        engine,
        host: port.host,
        result: result(change.plan),
      }));
      return { status: engines[0]?.result.status ?? 'no-changes', project, engines };
    };
    if (prepared.some(({ change }) => change.plan.diagnostics.some(isError))) {
      return all((plan) => ({ status: 'blocked', project, plan }));
    }
    if (prepared.every(({ change }) => change.plan.actions.length === 0)) {
      return all((plan) => ({ status: 'no-changes', project, plan }));
    }
    const cancelled = (by: 'signal' | 'confirmation'): FleetResult =>
      all((plan) => ({ status: 'cancelled', by, project, plan }));
    if (stop.signal.aborted) return cancelled('signal');
    if (options.confirm && !(await options.confirm(fleetPlan))) {
      return cancelled(stop.signal.aborted ? 'signal' : 'confirmation');
    }
    if (stop.signal.aborted) return cancelled('signal');

    const byEngine = new Map(prepared.map((p) => [p.engine, p]));
    // Without a swarm, one wave: every engine at once. On a swarm, the manager before or after
    // the other nodes, a node's plan in two stages around it when it must (src/apply/swarm-fleet.ts).
    const waves = swarm.waves(names, new Map(prepared.map(({ engine, change }) => [engine, change.plan])));
    const stagesLeft = new Map<string, number>();
    for (const { engine } of waves.flat()) stagesLeft.set(engine, (stagesLeft.get(engine) ?? 0) + 1);
    const executions = new Map<string, ExecutionResult[]>();
    const finishedSoFar = new Map<string, number>();
    const runStage = async ({ engine, actions }: Stage): Promise<EngineResult | undefined> => {
      const { port, change } = byEngine.get(engine)!;
      const host = port.host;
      if (change.plan.actions.length === 0) {
        return { engine, host, result: { status: 'no-changes', project, plan: change.plan } };
      }
      const options = { ...engineOptions(engine), enginePorts, ...(swarmNodes ? { swarmNodes } : {}) };
      const earlier = executions.get(engine) ?? [];
      if (earlier.length === 0) options.onEvent?.({ type: 'executing', plan: change.plan });
      // A stage's progress counts on from the actions the engine's earlier stages finished.
      const finishedBefore = finishedSoFar.get(engine) ?? 0;
      finishedSoFar.set(engine, finishedBefore + (actions?.length ?? change.plan.actions.length));
      const stage = actions ? { only: new Set(actions), finishedBefore } : undefined;
      const execution = await onEngine(engine, executeStage(port, change, options, stage));
      executions.set(engine, [...earlier, execution]);
      const left = stagesLeft.get(engine)! - 1;
      stagesLeft.set(engine, left);
      if (execution.status === 'failed') stop.abort();
      if (left > 0) return undefined;
      const whole = mergeExecutions(executions.get(engine)!);
      const result = await onEngine(engine, verifyExecution(port, project, change, whole, options));
      if (result.status === 'failed') stop.abort();
      return { engine, host, result };
    };
    const done = new Map<string, EngineResult>();
    for (const wave of waves) {
      for (const result of await Promise.all(wave.map(runStage))) {
        if (result) done.set(result.engine, result);
      }
    }
    const results = names.map((engine) => done.get(engine)!);
    const statuses = results.map(({ result }) => result.status);
    const status = statuses.includes('failed')
      ? 'failed'
      : statuses.includes('not-converged')
        ? 'not-converged'
        : 'applied';
    return { status, project, engines: results };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    for (const { engine, lock } of held.reverse()) await releaseLock(lock, engineOptions(engine));
  }
}

/**
 * The stages of one engine's plan as one execution: each action's outcome from the stage that
 * carried it out (the others left it `not-attempted`).
 */
function mergeExecutions(stages: readonly ExecutionResult[]): ExecutionResult {
  const [first, ...rest] = stages;
  if (rest.length === 0) return first!;
  const attempted = (outcome: ActionOutcome): boolean =>
    outcome.status !== 'not-attempted' || outcome.operations.length > 0;
  const actions = first!.actions.map(
    (outcome, index) => stages.map((stage) => stage.actions[index]!).find(attempted) ?? outcome,
  );
  return {
    status: stages.every((stage) => stage.status === 'applied') ? 'applied' : 'failed',
    actions,
    durationMs: stages.reduce((sum, stage) => sum + stage.durationMs, 0),
    parallelism: first!.parallelism,
    ...(stages.some((stage) => stage.interrupted) ? { interrupted: true } : {}),
  };
}

/** Names the engine in a known error (a held lock, an engine that stopped answering). */
async function onEngine<T>(engine: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof EngineError) {
      throw new EngineError(`engine ${engine}: ${error.message}`, {
        ...error.options,
        kind: error.kind,
        engine,
        cause: error,
      });
    }
    if (error instanceof NetformError) {
      throw new NetformError(`engine ${engine}: ${error.message}`, { ...error.options, cause: error });
    }
    throw error;
  }
}
