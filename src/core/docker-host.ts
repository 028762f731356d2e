/**
 * The syntax of an engine address (`--host`, DOCKER_HOST, a spec engine's `host:`, a docker
 * context's endpoint), as docs/engines.md describes it. Pure: the offline checks of the spec and
 * the connection code read addresses with this one function.
 */
export type DockerHost =
  | { kind: 'unix'; socketPath: string }
  | {
      kind: 'tcp';
      hostname: string;
      /** Absent: the default port (2375, or 2376 with TLS). */
      port?: number;
      /** Written as https:// (always TLS). */
      https: boolean;
    }
  | { kind: 'ssh'; hostname: string; port: number; username?: string; display: string };

export const DEFAULT_SOCKET = '/var/run/docker.sock';

export const DOCKER_HOST_HINT =
  'use unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT]';

/** Parses an engine address; `{ error }` says what is wrong with it. A bare `host:port` is tcp. */
export function parseDockerHost(raw: string): DockerHost | { error: string } {
  const text = raw.trim();
  if (text.startsWith('unix://')) {
    return { kind: 'unix', socketPath: text.slice('unix://'.length) || DEFAULT_SOCKET };
  }
  let url: URL;
  try {
    url = new URL(text.includes('://') ? text : `tcp://${text}`);
  } catch {
    return { error: `invalid engine address ${JSON.stringify(raw)}` };
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!hostname) return { error: `invalid engine address ${JSON.stringify(raw)}: no host` };
  if (url.protocol === 'ssh:') {
    const port = url.port ? Number(url.port) : 22;
    const username = url.username ? decodeURIComponent(url.username) : undefined;
    const display = `ssh://${username ? `${username}@` : ''}${url.host}`;
    return { kind: 'ssh', hostname, port, display, ...(username ? { username } : {}) };
  }
  if (url.protocol === 'tcp:' || url.protocol === 'http:' || url.protocol === 'https:') {
    return {
      kind: 'tcp',
      hostname,
      https: url.protocol === 'https:',
      ...(url.port ? { port: Number(url.port) } : {}),
    };
  }
  return { error: `unsupported engine address ${JSON.stringify(raw)}` };
}

/** `tcp://host:port` as messages show it (IPv6 literals in brackets). */
export function tcpDisplay(hostname: string, port: number): string {
  return `tcp://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
}
