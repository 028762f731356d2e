import type { Logger } from 'pino';
import type Modem from 'docker-modem';
import { EngineError } from '../model/errors.js';
import type { DockerPort } from '../model/port.js';
import { resolveEngineAddress, type EngineAddress } from './address.js';
import { DockerAdapter } from './adapter.js';
import { apiAtLeast, negotiateApiVersion, OLDEST_API_VERSION } from './api-version.js';
import { EngineClient } from './client.js';
import type { ApiVersion } from './engine-api.js';
import { EngineRequestError, LOCAL_HINT, SSH_HINT, TCP_HINT, toEngineError } from './errors.js';
import { openTransport } from './transport.js';

/** Default deadline of each engine call. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface ConnectOptions {
  /** --host; falls back to env.DOCKER_HOST, then the docker context, then the local socket. */
  host?: string;
  /**
   * --context: a docker context, read from the docker CLI's context store. Without it (and
   * without `host` and DOCKER_HOST), DOCKER_CONTEXT, then config.json's current context count.
   */
  context?: string;
  env: NodeJS.ProcessEnv;
  logger?: Logger;
  /**
   * Deadline of every engine call in milliseconds. Default: env.NETFORM_ENGINE_TIMEOUT (seconds),
   * else 30 s.
   */
  timeoutMs?: number;
}

/**
 * Opens a session with the engine: resolves the address (as the docker CLI does: docs/engines.md),
 * negotiates the API version with the engine's GET /version (min of its ApiVersion and the
 * newest netform knows), and returns the DockerPort. Rejects with an EngineError naming the
 * address when the engine cannot be reached.
 */
export async function connectDocker(options: ConnectOptions): Promise<DockerPort> {
  const address = resolveEngineAddress(options.host, options.env, { context: options.context });
  return connectAddress(address, options);
}

/** Opens a session with the engine at `address` (see connectDocker). */
export async function connectAddress(
  address: EngineAddress,
  options: Pick<ConnectOptions, 'env' | 'logger' | 'timeoutMs'>,
): Promise<DockerPort> {
  const timeoutMs = options.timeoutMs ?? timeoutFromEnv(options.env) ?? DEFAULT_TIMEOUT_MS;
  const transport = openTransport(address, options.env);
  const release = transport.close ?? (() => transport.agent.destroy());
  const hint = { unix: LOCAL_HINT, tcp: TCP_HINT, ssh: SSH_HINT }[address.kind];
  const client = new EngineClient(
    transport.modem,
    address.display,
    timeoutMs,
    hint,
    transport.lastError,
    options.logger,
  );
  try {
    if (transport.open) {
      await transport.open().catch((error: unknown) => {
        throw toEngineError(
          error,
          `connecting to the engine at ${address.display}`,
          address.display,
          undefined,
          hint,
        );
      });
    }
    return await openSession(client, address.display, release, options.logger);
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * A DockerPort over a docker-modem the caller already has (dockerode's `modem`, or a Modem of its
 * own). The caller's modem is not changed: netform's API version prefix is set on a view of it.
 * Closing the port leaves the caller's connections alone.
 */
export async function connectModem(
  modem: Modem,
  options: { display?: string; logger?: Logger; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<DockerPort> {
  const view = Object.create(modem) as Modem & { version?: string };
  view.version = undefined;
  const display = options.display ?? modemDisplay(modem);
  const timeoutMs = options.timeoutMs ?? timeoutFromEnv(options.env ?? {}) ?? DEFAULT_TIMEOUT_MS;
  const client = new EngineClient(view, display, timeoutMs, undefined, undefined, options.logger);
  return openSession(client, display, () => undefined, options.logger);
}

/** Negotiates the API version through GET /version and returns the DockerPort. */
async function openSession(
  client: EngineClient,
  display: string,
  release: () => void,
  logger: Logger | undefined,
): Promise<DockerPort> {
  try {
    const version = await client.request<ApiVersion>({
      operation: `connecting to the engine at ${display}`,
      method: 'GET',
      path: '/version',
      route: 'GET /version',
      ok: [200],
    });
    const engineApi = version.ApiVersion;
    if (!engineApi) {
      throw new EngineError(`the engine at ${display} did not report its API version`, {
        hint: 'check that the address points at a Docker engine',
      });
    }
    if (!apiAtLeast(engineApi, OLDEST_API_VERSION)) {
      throw new EngineError(
        `the engine at ${display} is Docker ${version.Version ?? '?'} (API ${engineApi}); netform needs API ${OLDEST_API_VERSION} (Docker 20.10) or newer`,
        { hint: 'upgrade the engine' },
      );
    }
    const apiVersion = negotiateApiVersion(engineApi);
    client.useApiVersion(apiVersion);
    logger?.debug(
      { host: display, engine: version.Version, engineApiVersion: engineApi, apiVersion },
      'connected to the Docker engine',
    );
    return new DockerAdapter(client, version, apiVersion, release, logger);
  } catch (error) {
    if (error instanceof EngineRequestError) {
      throw new EngineError(
        `the address ${display} does not answer like a Docker engine: ${error.engineMessage}`,
        {
          hint: 'check --host / DOCKER_HOST / the docker context',
          cause: error,
        },
      );
    }
    throw error;
  }
}

/** How a caller's modem is named in messages: its socket or host, as docker-modem holds them. */
function modemDisplay(modem: Modem): string {
  const m = modem as unknown as { socketPath?: unknown; host?: unknown; port?: unknown; protocol?: unknown };
  if (typeof m.socketPath === 'string') return `unix://${m.socketPath}`;
  if (typeof m.host === 'string') {
    const scheme = m.protocol === 'ssh' ? 'ssh' : 'tcp';
    const port = typeof m.port === 'number' || typeof m.port === 'string' ? `:${m.port}` : '';
    return `${scheme}://${m.host}${port}`;
  }
  return 'the caller-supplied client';
}

function timeoutFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.NETFORM_ENGINE_TIMEOUT;
  if (raw === undefined || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new EngineError(`NETFORM_ENGINE_TIMEOUT=${raw} is not a positive number of seconds`);
  }
  return seconds * 1000;
}
