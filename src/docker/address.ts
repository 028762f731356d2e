import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCKER_HOST_HINT, parseDockerHost, tcpDisplay, type DockerHost } from '../core/docker-host.js';
import type { DesiredEngine } from '../model/desired.js';
import { EngineError } from '../model/errors.js';
import { DEFAULT_CONTEXT, readDockerContext, resolveContextName } from './context.js';

/** Where the engine is and how to reach it; `display` is what messages show. */
export type EngineAddress =
  | { kind: 'unix'; display: string; socketPath: string }
  | { kind: 'tcp'; display: string; hostname: string; port: number; tls?: TlsFiles }
  | { kind: 'ssh'; display: string; hostname: string; port: number; username?: string };

export interface TlsFiles {
  /** Verify the engine's certificate (against `ca`, else the system's CAs). */
  verify: boolean;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export { DEFAULT_SOCKET } from '../core/docker-host.js';

/**
 * The engine a command talks to, resolved as the docker CLI resolves it (docs/engines.md):
 * `--context`, else `--host`, else DOCKER_HOST, else DOCKER_CONTEXT, else the current context of
 * the docker CLI's config.json, else the local socket. `--host` with `--context` is an error.
 */
export function resolveEngineAddress(
  host: string | undefined,
  env: NodeJS.ProcessEnv,
  options: { context?: string | undefined } = {},
): EngineAddress {
  const context = resolveContextName({ host, context: options.context }, env);
  return context === DEFAULT_CONTEXT ? defaultEngineAddress(host, env) : contextEngineAddress(context, env);
}

/**
 * The docker CLI's `default` context: `host` (--host), then DOCKER_HOST, then the local socket.
 * `tcp://` speaks TLS when DOCKER_TLS_VERIFY (verifying the engine) or DOCKER_TLS is set, or
 * DOCKER_CERT_PATH names client certificates; port 2376 is TLS by convention.
 */
export function defaultEngineAddress(host: string | undefined, env: NodeJS.ProcessEnv): EngineAddress {
  const raw = (host ?? env.DOCKER_HOST ?? '').trim() || 'unix://';
  const parsed = parseOrThrow(raw);
  if (parsed.kind !== 'tcp') return addressOf(parsed);
  const verify = isSet(env.DOCKER_TLS_VERIFY);
  const certPath = env.DOCKER_CERT_PATH?.trim();
  const port = parsed.port ?? (verify || parsed.https ? 2376 : 2375);
  const useTls = verify || isSet(env.DOCKER_TLS) || Boolean(certPath) || parsed.https || port === 2376;
  return addressOf({ ...parsed, port }, useTls ? readTlsFiles(verify, certPath, env) : undefined);
}

/**
 * A stored docker context's endpoint (`default`: the default context above). As the docker CLI
 * does, a tcp:// endpoint speaks TLS when the context holds TLS material or skips verification,
 * and verifies the engine unless SkipTLSVerify; unix and ssh endpoints take no TLS.
 */
export function contextEngineAddress(name: string, env: NodeJS.ProcessEnv): EngineAddress {
  if (name === DEFAULT_CONTEXT) return defaultEngineAddress(undefined, env);
  const endpoint = readDockerContext(name, env);
  const parsed = parseDockerHost(endpoint.host);
  if ('error' in parsed) {
    throw new EngineError(`docker context ${JSON.stringify(name)}: ${parsed.error}`, {
      hint: `fix it with \`docker context update ${name} --docker host=...\`; ${DOCKER_HOST_HINT}`,
    });
  }
  const { ca, cert, key } = endpoint.tls;
  const hasTls = Boolean(ca || cert || key) || endpoint.skipTlsVerify;
  const tls: TlsFiles | undefined = hasTls
    ? { verify: !endpoint.skipTlsVerify, ...(ca ? { ca } : {}), ...(cert && key ? { cert, key } : {}) }
    : undefined;
  const address = addressOf(parsed, parsed.kind === 'tcp' ? tls : undefined);
  return { ...address, display: `${address.display} (docker context ${name})` };
}

/**
 * One engine of a spec's `engines:` (docs/spec.md#engines): its `host` (TLS exactly when `tls:`
 * is given, verifying the engine against `ca`, else the system's CAs) or its docker `context`.
 */
export function specEngineAddress(engine: DesiredEngine, env: NodeJS.ProcessEnv): EngineAddress {
  if (engine.context !== undefined) return contextEngineAddress(engine.context, env);
  if (engine.host === undefined) {
    throw new EngineError(`engine ${engine.name} has neither host nor context`, {
      hint: 'give it host: or context: in the spec',
    });
  }
  const parsed = parseOrThrow(engine.host);
  if (!engine.tls || parsed.kind !== 'tcp') return addressOf(parsed);
  const read = (file: string | undefined, what: string): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (error) {
      throw new EngineError(`cannot read the TLS ${what} ${file}: ${(error as Error).message}`, {
        hint: 'tls: file names are relative to the spec file that names them',
        cause: error,
      });
    }
  };
  const ca = read(engine.tls.ca, 'CA certificate');
  const cert = read(engine.tls.cert, 'client certificate');
  const key = read(engine.tls.key, 'client key');
  return addressOf(parsed, {
    verify: true,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
  });
}

function parseOrThrow(raw: string): DockerHost {
  const parsed = parseDockerHost(raw);
  if ('error' in parsed) throw new EngineError(parsed.error, { hint: DOCKER_HOST_HINT });
  return parsed;
}

function addressOf(parsed: DockerHost, tls?: TlsFiles): EngineAddress {
  switch (parsed.kind) {
    case 'unix':
      return { kind: 'unix', display: `unix://${parsed.socketPath}`, socketPath: parsed.socketPath };
    case 'ssh': {
      const { hostname, port, username, display } = parsed;
      return { kind: 'ssh', display, hostname, port, ...(username ? { username } : {}) };
    }
    case 'tcp': {
      const port = parsed.port ?? (tls || parsed.https ? 2376 : 2375);
      const display = tcpDisplay(parsed.hostname, port);
      return tls
        ? { kind: 'tcp', display, hostname: parsed.hostname, port, tls }
        : { kind: 'tcp', display, hostname: parsed.hostname, port };
    }
  }
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

function readTlsFiles(verify: boolean, certPath: string | undefined, env: NodeJS.ProcessEnv): TlsFiles {
  const dir = certPath || (env.HOME ? join(env.HOME, '.docker') : undefined);
  if (!dir) return { verify };
  const read = (file: string, required: boolean): Buffer | undefined => {
    try {
      return readFileSync(join(dir, file));
    } catch (error) {
      if (!required) return undefined;
      throw new EngineError(`cannot read ${join(dir, file)} for TLS: ${(error as Error).message}`, {
        hint: 'set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem',
        cause: error,
      });
    }
  };
  // As the docker CLI does: the CA is needed only to verify the engine; a client certificate is
  // sent when both of its files are there.
  const cert = read('cert.pem', false);
  const key = read('key.pem', false);
  if (Boolean(cert) !== Boolean(key)) {
    throw new EngineError(`TLS: ${dir} holds only one of cert.pem and key.pem`, {
      hint: 'put both the client certificate and its key in DOCKER_CERT_PATH, or neither',
    });
  }
  return { verify, ca: read('ca.pem', verify), cert, key };
}
