import { mkdtemp, rm } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineAddress } from '../../src/docker/address.js';
import { dialEngine, testEngineAddress } from './upstream.js';

/**
 * What the proxy does to a request that matches a rule:
 * - `error500`: answers 500 with a JSON message, never telling the engine.
 * - `drop`: closes the connection without forwarding (the engine never hears of it).
 * - `drop-after`: forwards, lets the engine answer, then closes the connection without passing the
 *   answer on (the engine did it; the client cannot know).
 * - `delay`: forwards after `delayMs`.
 * - `hang`: never answers and never forwards (an engine that stopped answering).
 * - `hold`: forwards when the test calls `release()` (a slow engine whose pace the test sets,
 *   instead of a delay that a loaded machine can outlast).
 */
export type FaultAction = 'error500' | 'drop' | 'drop-after' | 'delay' | 'hang' | 'hold';

export interface FaultRule {
  /** HTTP method to match; any when absent. */
  method?: string;
  /** Matched against the path without the `/v1.xx` prefix and query, e.g. `/networks/create`. */
  path: RegExp;
  /** Matched against the request's body when given (e.g. `/"Driver":"overlay"/` for one create). */
  body?: RegExp;
  action: FaultAction;
  delayMs?: number;
  /** Skip this many matching requests before the fault applies (0: the first match). */
  after?: number;
  /** How many matching requests get the fault; default 1, Infinity for all. */
  times?: number;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
  /** The fault applied, or `forwarded`. */
  outcome: FaultAction | 'forwarded';
  /** The engine's status, when it answered. */
  status?: number;
}

interface ActiveRule extends FaultRule {
  seen: number;
  applied: number;
}

/**
 * An HTTP proxy on a unix socket between netform and the engine that injects faults into chosen
 * requests: connect netform to `dockerHost`. Every request is recorded in `requests`, so a test
 * can count what reached the engine. Its upstream is the engine DOCKER_HOST names (unix socket,
 * tcp, or tcp with TLS: see upstream.ts), so it stands in front of whichever engine the tests use.
 */
export class FaultProxy {
  readonly requests: ProxiedRequest[] = [];
  private readonly rules: ActiveRule[] = [];
  private readonly sockets = new Set<Socket>();
  private held: (() => void)[] = [];

  private constructor(
    private readonly server: Server,
    private readonly dir: string,
    readonly socketPath: string,
    private readonly upstream: EngineAddress,
  ) {}

  static async start(upstream: EngineAddress = testEngineAddress()): Promise<FaultProxy> {
    // Fail here, in the test's setup, when the upstream cannot be relayed (ssh).
    if (upstream.kind === 'ssh') dialEngine(upstream);
    const dir = await mkdtemp(join(tmpdir(), 'netform-fault-proxy-'));
    const socketPath = join(dir, 'docker.sock');
    const ref: { proxy?: FaultProxy } = {};
    const server = createServer((req, res) => {
      void ref.proxy?.handle(req, res);
    });
    // Like dockerd, which never closes an idle keep-alive connection: node's default (5 s) would
    // race a client reusing the connection on a loaded machine (a read ECONNRESET no engine gives).
    server.keepAliveTimeout = 0;
    server.requestTimeout = 0;
    const proxy = new FaultProxy(server, dir, socketPath, upstream);
    ref.proxy = proxy;
    server.on('connection', (socket: Socket) => {
      proxy.sockets.add(socket);
      socket.on('close', () => proxy.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    return proxy;
  }

  /** `DOCKER_HOST` value that routes netform through the proxy. */
  get dockerHost(): string {
    return `unix://${this.socketPath}`;
  }

  addRule(rule: FaultRule): void {
    this.rules.push({ ...rule, seen: 0, applied: 0 });
  }

  clearRules(): void {
    this.rules.length = 0;
  }

  /** Forwards every request a `hold` rule is holding. */
  release(): void {
    const held = this.held;
    this.held = [];
    for (const forward of held) forward();
  }

  /** Requests that reached the engine (forwarded, delayed or dropped after forwarding). */
  forwarded(method: string, path: RegExp): ProxiedRequest[] {
    return this.requests.filter(
      (r) =>
        r.method === method &&
        path.test(r.path) &&
        (r.outcome === 'forwarded' ||
          r.outcome === 'delay' ||
          r.outcome === 'hold' ||
          r.outcome === 'drop-after'),
    );
  }

  /**
   * Breaks every open connection through the proxy (a long-lived event stream among them), as a
   * dropped network link would; the proxy goes on listening. With a `drop` rule for every request
   * the engine then stays out of reach until the rule is cleared.
   */
  disconnectAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.release();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = (req.url ?? '/').replace(/^\/v\d+\.\d+/, '').replace(/\?.*$/, '');
    const method = req.method ?? 'GET';
    const rule = this.match(method, path, body.toString('utf8'));
    const record: ProxiedRequest = {
      method,
      path,
      body: body.toString('utf8'),
      outcome: rule?.action ?? 'forwarded',
    };
    this.requests.push(record);
    switch (rule?.action) {
      case 'error500':
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: `fault-proxy: injected failure for ${method} ${path}` }));
        return;
      case 'drop':
        req.socket.destroy();
        return;
      case 'hang':
        return;
      case 'delay':
        await new Promise((r) => setTimeout(r, rule.delayMs ?? 1000));
        break;
      case 'hold':
        await new Promise<void>((r) => this.held.push(r));
        break;
      default:
        break;
    }
    const upstream = httpRequest(
      {
        createConnection: () => dialEngine(this.upstream),
        method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        record.status = answer.statusCode;
        if (rule?.action === 'drop-after') {
          answer.resume();
          answer.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        // Streamed answers (GET /events) send their headers before any body: pass them on at once.
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      res.writeHead(502, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: `fault-proxy: upstream failed: ${error.message}` }));
    });
    upstream.end(body);
  }

  private match(method: string, path: string, body: string): ActiveRule | undefined {
    for (const rule of this.rules) {
      if (rule.method !== undefined && rule.method !== method) continue;
      if (!rule.path.test(path)) continue;
      if (rule.body !== undefined && !rule.body.test(body)) continue;
      rule.seen += 1;
      if (rule.seen <= (rule.after ?? 0)) continue;
      if (rule.applied >= (rule.times ?? 1)) continue;
      rule.applied += 1;
      return rule;
    }
    return undefined;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
