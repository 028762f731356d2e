import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../model/errors.js';

/** Where the engine is and how to reach it; `display` is what messages show. */
export type EngineAddress =
  | { kind: 'unix'; display: string; socketPath: string }
  | { kind: 'tcp'; display: string; hostname: string; port: number; tls?: TlsFiles }
  | { kind: 'ssh'; display: string; hostname: string; port: number; username?: string };

export interface TlsFiles {
  /** Verify the engine's certificate against `ca` (DOCKER_TLS_VERIFY). */
  verify: boolean;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export const DEFAULT_SOCKET = '/var/run/docker.sock';

/**
 * Resolves `--host`, then DOCKER_HOST, then the local socket, the way the docker CLI does:
 * `tcp://` speaks TLS when DOCKER_TLS_VERIFY (verifying the engine) or DOCKER_TLS is set, or DOCKER_CERT_PATH
 * names client certificates; port 2376 is TLS by convention.
 */
export function resolveEngineAddress(host: string | undefined, env: NodeJS.ProcessEnv): EngineAddress {
  const raw = (host ?? env.DOCKER_HOST ?? '').trim() || `unix://${DEFAULT_SOCKET}`;
  const hint = 'use unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT]';
  if (raw.startsWith('unix://')) {
    const socketPath = raw.slice('unix://'.length) || DEFAULT_SOCKET;
    return { kind: 'unix', display: `unix://${socketPath}`, socketPath };
  }
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `tcp://${raw}`);
  } catch {
    throw new EngineError(`invalid engine address ${JSON.stringify(raw)}`, { hint });
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!hostname) throw new EngineError(`invalid engine address ${JSON.stringify(raw)}: no host`, { hint });
  if (url.protocol === 'ssh:') {
    const port = url.port ? Number(url.port) : 22;
    const username = url.username ? decodeURIComponent(url.username) : undefined;
    const display = `ssh://${username ? `${username}@` : ''}${url.host}`;
    return { kind: 'ssh', display, hostname, port, ...(username ? { username } : {}) };
  }
  if (url.protocol === 'tcp:' || url.protocol === 'http:' || url.protocol === 'https:') {
    const verify = isSet(env.DOCKER_TLS_VERIFY);
    const certPath = env.DOCKER_CERT_PATH?.trim();
    const port = url.port ? Number(url.port) : verify || url.protocol === 'https:' ? 2376 : 2375;
    const useTls =
      verify || isSet(env.DOCKER_TLS) || Boolean(certPath) || url.protocol === 'https:' || port === 2376;
    const display = `tcp://${url.hostname}:${port}`;
    if (!useTls) return { kind: 'tcp', display, hostname, port };
    return { kind: 'tcp', display, hostname, port, tls: readTlsFiles(verify, certPath, env) };
  }
  throw new EngineError(`unsupported engine address ${JSON.stringify(raw)}`, { hint });
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
