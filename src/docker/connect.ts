import type { Logger } from 'pino';
import { EngineError } from '../model/errors.js';
import type { DockerPort } from '../model/port.js';
import { resolveEngineAddress } from './address.js';
import { DockerAdapter } from './adapter.js';
import { apiAtLeast, negotiateApiVersion, OLDEST_API_VERSION } from './api-version.js';
import { EngineClient } from './client.js';
import type { ApiVersion } from './engine-api.js';
import { EngineRequestError, LOCAL_HINT, SSH_HINT, TCP_HINT, toEngineError } from './errors.js';
import { openTransport } from './transport.js';

/** Default deadline of each engine call. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface ConnectOptions {
  /** --host; falls back to env.DOCKER_HOST, then the local socket. */
  host?: string;
  env: NodeJS.ProcessEnv;
  logger?: Logger;
  /**
   * Deadline of every engine call in milliseconds. Default: env.NETFORM_ENGINE_TIMEOUT (seconds),
   * else 30 s.
   */
  timeoutMs?: number;
}

/**
 * Opens a session with the engine: resolves the address, negotiates the API version with the
 * engine's GET /version (min of its ApiVersion and the newest netform knows), and returns the
 * DockerPort. Rejects with an EngineError naming the address when the engine cannot be reached.
 */
export async function connectDocker(options: ConnectOptions): Promise<DockerPort> {
  const address = resolveEngineAddress(options.host, options.env);
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
    const version = await client.request<ApiVersion>({
      operation: `connecting to the engine at ${address.display}`,
      method: 'GET',
      path: '/version',
      route: 'GET /version',
      ok: [200],
    });
    const engineApi = version.ApiVersion;
    if (!engineApi) {
      throw new EngineError(`the engine at ${address.display} did not report its API version`, {
        hint: 'check that the address points at a Docker engine',
      });
    }
    if (!apiAtLeast(engineApi, OLDEST_API_VERSION)) {
      throw new EngineError(
        `the engine at ${address.display} is Docker ${version.Version ?? '?'} (API ${engineApi}); netform needs API ${OLDEST_API_VERSION} (Docker 20.10) or newer`,
        { hint: 'upgrade the engine' },
      );
    }
    const apiVersion = negotiateApiVersion(engineApi);
    client.useApiVersion(apiVersion);
    options.logger?.debug(
      { host: address.display, engine: version.Version, engineApiVersion: engineApi, apiVersion },
      'connected to the Docker engine',
    );
    return new DockerAdapter(client, version, apiVersion, release, options.logger);
  } catch (error) {
    release();
    if (error instanceof EngineRequestError) {
      throw new EngineError(
        `the address ${address.display} does not answer like a Docker engine: ${error.engineMessage}`,
        {
          hint: 'check --host / DOCKER_HOST',
          cause: error,
        },
      );
    }
    throw error;
  }
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
