import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '../model/errors.js';

/**
 * The docker CLI's context store, read the way the docker CLI reads it (docs/engines.md#docker-contexts):
 *
 * - the configuration directory is DOCKER_CONFIG, else ~/.docker;
 * - `config.json` names the current context (`currentContext`);
 * - a context's metadata is `contexts/meta/<sha256 of its name>/meta.json`, whose
 *   `Endpoints.docker` holds `Host` and `SkipTLSVerify`;
 * - its TLS material is `contexts/tls/<sha256 of its name>/docker/{ca,cert,key}.pem`.
 *
 * `default` is no stored context: it means DOCKER_HOST (with DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH), else the local socket.
 */
export const DEFAULT_CONTEXT = 'default';

/** A context's docker endpoint, as stored. */
export interface DockerContextEndpoint {
  name: string;
  host: string;
  skipTlsVerify: boolean;
  /** The PEM files present in the context's TLS directory. */
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** The context's metadata directory, for messages. */
  metaDir: string;
}

/** DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  const configured = env.DOCKER_CONFIG?.trim();
  return configured || join(env.HOME || homedir(), '.docker');
}

/**
 * The context the docker CLI would use, in its order: `--context`; `default` when `--host` or
 * DOCKER_HOST is set; DOCKER_CONTEXT; `currentContext` of config.json; `default`. Giving both
 * `--host` and `--context` is an error, as in the docker CLI.
 */
export function resolveContextName(
  options: { host?: string | undefined; context?: string | undefined },
  env: NodeJS.ProcessEnv,
): string {
  const context = options.context?.trim();
  const host = options.host?.trim();
  if (context && host) {
    throw new EngineError('conflicting options: cannot give both --host and --context', {
      hint: 'give one of them: --host names an address, --context a docker context',
    });
  }
  if (context) return context;
  if (host) return DEFAULT_CONTEXT;
  if (env.DOCKER_HOST?.trim()) return DEFAULT_CONTEXT;
  const fromEnv = env.DOCKER_CONTEXT?.trim();
  if (fromEnv) return fromEnv;
  return currentContext(env) ?? DEFAULT_CONTEXT;
}

/** `currentContext` of config.json; absent when the file, or the field, is not there. */
export function currentContext(env: NodeJS.ProcessEnv): string | undefined {
  const file = join(dockerConfigDir(env), 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EngineError(`cannot read ${file}: ${(error as Error).message}`, {
      hint: 'fix its permissions, or point DOCKER_CONFIG at another directory',
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new EngineError(`${file} is not valid JSON: ${(error as Error).message}`, {
      hint: 'fix the file (the docker CLI cannot read it either), or point DOCKER_CONFIG elsewhere',
      cause: error,
    });
  }
  const name = (parsed as { currentContext?: unknown } | null)?.currentContext;
  return typeof name === 'string' && name.trim() !== '' ? name.trim() : undefined;
}

/** The store's directory name of a context: the hex sha256 of its name. */
export function contextDigest(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

/** Reads a stored context's docker endpoint; an EngineError when it does not exist or is broken. */
export function readDockerContext(name: string, env: NodeJS.ProcessEnv): DockerContextEndpoint {
  const root = join(dockerConfigDir(env), 'contexts');
  const digest = contextDigest(name);
  const metaDir = join(root, 'meta', digest);
  const metaFile = join(metaDir, 'meta.json');
  let text: string;
  try {
    text = readFileSync(metaFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new EngineError(`docker context ${JSON.stringify(name)} does not exist (no ${metaFile})`, {
        hint: 'list the contexts with `docker context ls`; DOCKER_CONFIG selects another docker configuration',
      });
    }
    throw new EngineError(`cannot read docker context ${JSON.stringify(name)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let endpoint: { Host?: unknown; SkipTLSVerify?: unknown } | undefined;
  try {
    const meta = JSON.parse(text) as { Endpoints?: Record<string, typeof endpoint> } | null;
    endpoint = meta?.Endpoints?.docker ?? undefined;
  } catch (error) {
    throw new EngineError(`docker context ${JSON.stringify(name)}: ${metaFile} is not valid JSON`, {
      hint: 'recreate the context with `docker context rm` and `docker context create`',
      cause: error,
    });
  }
  if (!endpoint || typeof endpoint.Host !== 'string' || endpoint.Host.trim() === '') {
    throw new EngineError(`docker context ${JSON.stringify(name)} has no docker endpoint host`, {
      hint: `set one with \`docker context update ${name} --docker host=...\``,
    });
  }
  const tlsDir = join(root, 'tls', digest, 'docker');
  const read = (file: string): Buffer | undefined => {
    try {
      return readFileSync(join(tlsDir, file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new EngineError(
        `cannot read ${join(tlsDir, file)} of docker context ${JSON.stringify(name)}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  };
  const tls: DockerContextEndpoint['tls'] = {};
  for (const [key, file] of [
    ['ca', 'ca.pem'],
    ['cert', 'cert.pem'],
    ['key', 'key.pem'],
  ] as const) {
    const data = read(file);
    if (data) tls[key] = data;
  }
  return {
    name,
    host: endpoint.Host.trim(),
    skipTlsVerify: endpoint.SkipTLSVerify === true,
    tls,
    metaDir,
  };
}
