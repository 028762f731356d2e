import type { LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { EndpointSettings } from '../model/desired.js';
import type { Plan } from '../model/plan.js';
import type { DockerPort } from '../model/port.js';
import { errorMessage } from './errors.js';
import type { ActionOutcome, ExecutionEvent, OperationRecord } from './result.js';

/**
 * The state of one execution and of each action in it, shared by the executor (execute.ts) and
 * the steps of a replace (replace.ts), which both build on this module and not on each other.
 */

/** Thrown instead of sending the first request of an action once another action has failed. */
export class NotAttempted extends Error {}

/**
 * One action being carried out: every engine request it makes goes through `request`, which
 * applies the phase's concurrency limit, records the operation, and refuses to start an action
 * once the execution is stopping (an action already started always runs to its end, rollback
 * included).
 */
export class ActionRun {
  started = false;
  private startedAt = 0;

  constructor(
    readonly outcome: ActionOutcome,
    private readonly execution: Execution,
    private readonly limit: LimitFunction,
  ) {}

  get port(): DockerPort {
    return this.execution.port;
  }

  get logger(): Logger | undefined {
    return this.execution.logger;
  }

  /**
   * The port of `engine`, another engine of the same session (a swarm node whose config-only
   * network a replace on the manager changes: docs/swarm.md); this run's own port when `engine`
   * is absent or is not another engine of the session.
   */
  portOf(engine: string | undefined): DockerPort {
    return (engine !== undefined ? this.execution.enginePorts?.get(engine) : undefined) ?? this.port;
  }

  /**
   * The engines to look at for what runs on a swarm network, by name: the session's engines that
   * are nodes of this engine's swarm, this one included (docs/swarm.md, "The ingress network");
   * only this run's own port, named by its address, when the session has no others.
   */
  swarmNodes(): ReadonlyMap<string, DockerPort> {
    return this.execution.swarmNodes ?? new Map([[this.port.host, this.port]]);
  }

  get plan(): Plan {
    return this.execution.plan;
  }

  get project(): string {
    return this.execution.plan.project;
  }

  /** The ID of a network by name: one created or replaced by this plan, else the plan's. */
  networkId(name: string, fallback?: string): string {
    const id = this.execution.networkIds.get(name) ?? fallback;
    if (id === undefined) throw new Error(`no ID known for network ${name}: its creation did not succeed`);
    return id;
  }

  setNetworkId(name: string, id: string): void {
    this.execution.networkIds.set(name, id);
  }

  /**
   * The service's own `service-update` action of this plan was carried by a replace's put-back
   * update (docs/swarm.md): the action then sends nothing. `false` undoes it (the replace rolled
   * the service back to its networks at plan time).
   */
  setServiceUpdateCarried(serviceId: string, carried: boolean): void {
    if (carried) this.execution.carriedServiceUpdates.add(serviceId);
    else this.execution.carriedServiceUpdates.delete(serviceId);
  }

  serviceUpdateCarried(serviceId: string): boolean {
    return this.execution.carriedServiceUpdates.has(serviceId);
  }

  request<T>(
    operation: OperationRecord['operation'],
    target: string,
    send: () => Promise<T>,
    options: { rollback?: boolean } = {},
  ): Promise<T> {
    return this.limit(async () => {
      if (!this.started) {
        if (this.execution.stopping) throw new NotAttempted();
        this.started = true;
        this.startedAt = performance.now();
        this.execution.emitStart(this.outcome);
      }
      const rollback = options.rollback ?? false;
      const log = this.execution.logger?.child({ action: this.outcome.index, operation, target, rollback });
      log?.info('start');
      const t0 = performance.now();
      try {
        const value = await send();
        const durationMs = Math.round(performance.now() - t0);
        this.outcome.operations.push({ operation, target, ok: true, rollback, durationMs });
        log?.info({ durationMs }, 'done');
        return value;
      } catch (error) {
        // Stop before this slot is released: p-limit starts the next queued request at once.
        this.execution.stopping = true;
        const durationMs = Math.round(performance.now() - t0);
        const message = errorMessage(error);
        this.outcome.operations.push({ operation, target, ok: false, error: message, rollback, durationMs });
        log?.warn({ durationMs, error: message }, 'failed');
        throw error;
      }
    });
  }

  finish(): void {
    if (this.started) this.outcome.durationMs = Math.round(performance.now() - this.startedAt);
  }

  /** Connects with `settings`; the network is named for the record only. */
  connect(
    networkId: string,
    network: string,
    containerId: string,
    container: string,
    settings: EndpointSettings,
    options: { rollback?: boolean } = {},
  ): Promise<void> {
    return this.request(
      'connect',
      `${container} to ${network}`,
      () => this.port.connect(networkId, containerId, settings),
      options,
    );
  }

  disconnect(
    networkId: string,
    network: string,
    containerId: string,
    container: string,
    options: { rollback?: boolean; force?: boolean } = {},
  ): Promise<void> {
    return this.request(
      'disconnect',
      `${container} from ${network}`,
      () => this.port.disconnect(networkId, containerId, options.force ? { force: true } : undefined),
      options,
    );
  }
}

export class Execution {
  stopping = false;
  readonly networkIds = new Map<string, string>();
  /** Services whose own update a replace's put-back update carried (ActionRun). */
  readonly carriedServiceUpdates = new Set<string>();
  private finished: number;

  constructor(
    readonly plan: Plan,
    readonly port: DockerPort,
    readonly logger: Logger | undefined,
    private readonly onEvent: ((event: ExecutionEvent) => void) | undefined,
    readonly enginePorts?: ReadonlyMap<string, DockerPort>,
    readonly swarmNodes?: ReadonlyMap<string, DockerPort>,
    finishedBefore = 0,
  ) {
    this.finished = finishedBefore;
  }

  emitStart(outcome: ActionOutcome): void {
    this.onEvent?.({ type: 'action-start', outcome, total: this.plan.actions.length });
  }

  emitEnd(outcome: ActionOutcome): void {
    this.finished += 1;
    this.onEvent?.({ type: 'action-end', outcome, total: this.plan.actions.length, finished: this.finished });
  }
}

/** How an action ended when it did not simply throw. */
export interface ActionEnd {
  status: 'done' | 'failed' | 'rolled-back';
  error?: string;
  rollbackError?: string;
  /** For `rolled-back`: what the undo left, when that is not simply the engine as it was. */
  undone?: string;
}
