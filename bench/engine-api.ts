import pLimit from 'p-limit';
import { Agent, request } from 'node:http';

export const DOCKER_SOCKET = '/var/run/docker.sock';

/**
 * The Engine API over a unix socket with node's http and a keep-alive agent: the raw floor's
 * client, and the harness's own way to build and clear the scenario. Nothing more than one
 * request per call, so what it sends is exactly what the caller asks for.
 */
export class EngineApi {
  private readonly agent: Agent;

  constructor(
    readonly socketPath: string,
    readonly apiVersion: string,
    maxSockets = 8,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  static async connect(socketPath: string, maxSockets = 8): Promise<EngineApi> {
    const probe = new EngineApi(socketPath, '', 1);
    try {
      const version = await probe.call<{ ApiVersion: string }>('GET', '/version');
      return new EngineApi(socketPath, version.ApiVersion, maxSockets);
    } finally {
      probe.close();
    }
  }

  /** Rejects with the engine's own message on a status of 400 or more. */
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const prefix = this.apiVersion ? `/v${this.apiVersion}` : '';
    return new Promise<T>((resolve, reject) => {
      const req = request(
        {
          socketPath: this.socketPath,
          agent: this.agent,
          method,
          path: `${prefix}${path}`,
          headers: payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 400) {
              let message = text.trim();
              try {
                message = (JSON.parse(text) as { message?: string }).message ?? message;
              } catch {
                // Not JSON: keep the raw text.
              }
              reject(new Error(`${method} ${path}: ${status} ${message}`));
              return;
            }
            resolve((text ? JSON.parse(text) : undefined) as T);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `tasks` with at most `limit` in flight; rejects with the first failure once all have settled. */
export async function runLimited(tasks: (() => Promise<unknown>)[], limit: number): Promise<void> {
  const gate = pLimit(limit);
  const results = await Promise.allSettled(tasks.map((task) => gate(task)));
  const failure = results.find((r) => r.status === 'rejected');
  if (failure) throw failure.reason instanceof Error ? failure.reason : new Error(String(failure.reason));
}

export const labelFilter = (label: string): string => encodeURIComponent(JSON.stringify({ label: [label] }));
