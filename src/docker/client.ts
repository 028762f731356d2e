import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type Modem from 'docker-modem';
import type { DialOptions } from 'docker-modem';
import type { EngineCallStats } from '../model/port.js';
import { toEngineError } from './errors.js';

export interface EngineRequest {
  /** Says what was being done, for messages: `creating network shop_web`. */
  operation: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Path without the version prefix; end it with `?` to send `query` as the query string. */
  path: string;
  /** Counted under this name instead of the path (paths carry ids). */
  route: string;
  query?: Record<string, unknown>;
  body?: unknown;
  /** Statuses that mean success. */
  ok: number[];
}

/**
 * Sends Engine API requests through docker-modem (dockerode's transport) with a deadline on each, maps every failure
 * to an EngineError, and counts calls.
 */
export class EngineClient {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly modem: Modem,
    readonly host: string,
    private readonly timeoutMs: number,
    private readonly unreachableHint?: string,
    /** The transport's own account of a failure below HTTP (the SSH side), if it has one. */
    private readonly transportError?: () => Error | undefined,
    private readonly logger?: Logger,
  ) {}

  /** Sets the `/vX.Y` prefix of every later request. */
  useApiVersion(version: string): void {
    (this.modem as Modem & { version?: string }).version = `v${version}`;
  }

  async request<T>(request: EngineRequest): Promise<T> {
    this.counts.set(request.route, (this.counts.get(request.route) ?? 0) + 1);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const statusCodes: Record<number, boolean> = {};
    for (const status of request.ok) statusCodes[status] = true;
    const options: DialOptions = {
      path: request.path,
      method: request.method,
      statusCodes,
      abortSignal: controller.signal,
      options:
        request.body !== undefined ? { _body: request.body } : request.query ? { _query: request.query } : {},
    };
    if (request.body !== undefined) options.allowEmpty = true;
    const started = Date.now();
    try {
      const result = await new Promise<T>((resolve, reject) => {
        this.modem.dial(options, (error, result) => {
          if (error) reject(error);
          else resolve(result as T);
        });
      });
      this.logger?.trace({ route: request.route, ms: Date.now() - started }, 'engine call');
      return result;
    } catch (error) {
      this.logger?.debug(
        { route: request.route, ms: Date.now() - started, err: error },
        'engine call failed',
      );
      throw this.failure(error, request.operation, timedOut);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends a GET whose answer is a stream (GET /events) and resolves with the response once the
   * engine has answered; the deadline covers only that. Destroying the response ends the request.
   */
  async openStream(request: Omit<EngineRequest, 'method' | 'body'>): Promise<IncomingMessage> {
    this.counts.set(request.route, (this.counts.get(request.route) ?? 0) + 1);
    const statusCodes: Record<number, boolean> = {};
    for (const status of request.ok) statusCodes[status] = true;
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    try {
      return await new Promise<IncomingMessage>((resolve, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          reject(new Error('timed out'));
        }, this.timeoutMs);
        this.modem.dial(
          {
            path: request.path,
            method: 'GET',
            statusCodes,
            isStream: true,
            options: request.query ? { _query: request.query } : {},
          },
          (error, result) => {
            if (error) reject(error);
            else if (timedOut) (result as IncomingMessage).destroy();
            else resolve(result as IncomingMessage);
          },
        );
      });
    } catch (error) {
      throw this.failure(error, request.operation, timedOut);
    } finally {
      clearTimeout(timer);
    }
  }

  private failure(error: unknown, operation: string, timedOut: boolean): Error {
    return toEngineError(
      // A socket error says little when the SSH side knows why (host key, login, channel refused).
      (!timedOut && !(error instanceof Error && 'statusCode' in error) && this.transportError?.()) || error,
      operation,
      this.host,
      timedOut ? this.timeoutMs : undefined,
      this.unreachableHint,
    );
  }

  stats(): EngineCallStats {
    const byRoute = Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
    return { total: [...this.counts.values()].reduce((a, b) => a + b, 0), byRoute };
  }
}
