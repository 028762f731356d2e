import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NetformError } from '../model/errors.js';

/** Where `--listen` binds. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** The default of `--listen`: loopback only. */
export const DEFAULT_LISTEN = '127.0.0.1:9480';

/** `127.0.0.1:9480`, `[::1]:9480`, `0.0.0.0:9480`, `:9480` (every interface); port 0 picks a free one. */
export function parseListenAddress(value: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new NetformError(
      `--listen takes HOST:PORT, such as 127.0.0.1:9480, [::1]:9480 or :9480, not "${value}"`,
    );
  }
  return { host: match[1] ?? (match[2] || '::'), port };
}

/** What the endpoints show; read on every request. */
export interface EndpointSources {
  /** Why the watch is not ready, or undefined when it is. */
  notReadyBecause(): string | undefined;
  /** The latest plan as JSON text, once there is one. */
  latestPlanJson(): string | undefined;
  metrics(): Promise<{ contentType: string; body: string }>;
}

export interface EndpointServer {
  /** `host:port` as bound (the port chosen when 0 was asked for). */
  address: string;
  close(): Promise<void>;
}

/**
 * Serves /healthz, /readyz, /plan and /metrics (docs/watch.md, "Endpoints"). Rejects with a
 * NetformError when the address cannot be bound.
 */
export async function serveEndpoints(
  listen: ListenAddress,
  sources: EndpointSources,
): Promise<EndpointServer> {
  const server = createServer((request, response) => {
    respond(request, response, sources).catch((error: unknown) => {
      send(response, 500, 'text/plain; charset=utf-8', `internal error: ${(error as Error).message}\n`);
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new NetformError(`cannot listen on ${format(listen)}: ${error.code ?? error.message}`, {
          hint:
            error.code === 'EADDRINUSE'
              ? 'another process listens there: pick another address with --listen'
              : 'check the address given to --listen',
          cause: error,
        }),
      );
    });
    server.listen(listen.port, listen.host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    address: format({ host: bound.address, port: bound.port }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function respond(
  request: IncomingMessage,
  response: ServerResponse,
  sources: EndpointSources,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://watch').pathname;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    send(response, 405, 'text/plain; charset=utf-8', 'only GET and HEAD\n');
    return;
  }
  switch (path) {
    case '/healthz':
      send(response, 200, 'text/plain; charset=utf-8', 'ok\n');
      return;
    case '/readyz': {
      const reason = sources.notReadyBecause();
      if (reason === undefined) send(response, 200, 'text/plain; charset=utf-8', 'ready\n');
      else send(response, 503, 'text/plain; charset=utf-8', `not ready: ${reason}\n`);
      return;
    }
    case '/plan': {
      const plan = sources.latestPlanJson();
      if (plan === undefined) {
        send(
          response,
          503,
          'application/json',
          `${JSON.stringify({ error: 'no plan has been made yet' })}\n`,
        );
      } else {
        send(response, 200, 'application/json', plan);
      }
      return;
    }
    case '/metrics': {
      const { contentType, body } = await sources.metrics();
      send(response, 200, contentType, body);
      return;
    }
    default:
      send(
        response,
        404,
        'text/plain; charset=utf-8',
        'not found: try /healthz, /readyz, /plan or /metrics\n',
      );
  }
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

function format(address: ListenAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
