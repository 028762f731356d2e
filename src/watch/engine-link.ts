import type { Logger } from 'pino';
import { NetformError } from '../model/errors.js';
import type { DockerPort, EngineEvent, EventOptions, EventStream } from '../model/port.js';
import { backoffDelay, type Backoff } from './backoff.js';

export interface EngineLinkOptions {
  /** The engine's name in logs and metrics. */
  name: string;
  /** Opens a new session with the engine (negotiating its API version again). */
  connect: () => Promise<DockerPort>;
  actions: EventOptions['actions'];
  /** Waits between attempts to reach the engine. */
  backoff: Backoff;
  logger: Logger;
  /** The engine answers and its events are subscribed: time for a full resync. */
  onUp: (port: DockerPort) => void;
  /** The engine was lost (or the link is stopping). */
  onDown: (error: Error | undefined) => void;
  onEvent: (event: EngineEvent) => void;
}

/**
 * Keeps one engine connected and its events subscribed (docs/watch.md, "Engines that go away"):
 * connect, subscribe, follow the events; when the stream breaks or ends, drop the session and try
 * again with backoff, each time with a new session, so an engine that was upgraded while away
 * is spoken to in its new API version.
 */
export class EngineLink {
  private session: { port: DockerPort; stream: EventStream } | undefined;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: EngineLinkOptions) {}

  get name(): string {
    return this.options.name;
  }

  /** The engine's session while it answers and its events are followed. */
  get port(): DockerPort | undefined {
    return this.session?.port;
  }

  start(): void {
    this.loop ??= this.follow();
  }

  /**
   * Drops the session and connects again (after a reconcile found the engine not answering): the
   * new session is followed by a full resync, as after any loss.
   */
  reconnect(reason: string): void {
    if (!this.session) return;
    this.options.logger.warn({ engine: this.options.name, reason }, 'engine lost; reconnecting');
    this.session.stream.close();
  }

  /** Ends the event stream and the session; resolves when the link has stopped. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.session?.stream.close();
    this.wake?.();
    await this.loop;
  }

  private async follow(): Promise<void> {
    const { logger, name } = this.options;
    let attempt = 0;
    while (!this.stopping) {
      let port: DockerPort | undefined;
      let lost: Error | undefined;
      let wasUp = false;
      try {
        port = await this.options.connect();
        if (!port.events) {
          throw new NetformError(`the engine session for ${name} cannot stream events`, {
            hint: 'pass a DockerPort with events() (connectDocker makes one)',
          });
        }
        const stream = await port.events({ actions: this.options.actions });
        if (this.stopping) {
          stream.close();
          break;
        }
        this.session = { port, stream };
        wasUp = true;
        attempt = 0;
        logger.info({ engine: name, host: port.host }, 'engine answers; following its events');
        this.options.onUp(port);
        for await (const event of stream) this.options.onEvent(event);
      } catch (error) {
        lost = error instanceof Error ? error : new Error(String(error));
      } finally {
        this.session = undefined;
        await port?.close().catch(() => undefined);
      }
      if (wasUp || this.stopping) this.options.onDown(lost);
      if (this.stopping) break;
      const delay = backoffDelay(attempt, this.options.backoff);
      attempt += 1;
      logger.warn(
        { engine: name, err: lost?.message, hint: hintOf(lost), retryInMs: delay },
        wasUp ? 'lost the engine; reconnecting' : 'the engine does not answer; retrying',
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}

function hintOf(error: Error | undefined): string | undefined {
  return error instanceof NetformError ? error.hint : undefined;
}
