import { EngineError, type EngineErrorKind } from '../model/errors.js';

/** An error the engine answered with: its HTTP status and its own words are kept. */
export class EngineRequestError extends EngineError {
  constructor(
    message: string,
    /** The engine's HTTP status (404 not found, 409 conflict, ...). */
    readonly statusCode: number,
    /** The engine's own message, from the JSON body's `message`. */
    readonly engineMessage: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, { ...options, kind: kindOfStatus(statusCode) });
  }
}

function kindOfStatus(statusCode: number): EngineErrorKind {
  if (statusCode === 409) return 'conflict';
  if (statusCode === 404) return 'not-found';
  return 'refused';
}

/** What to do when the engine cannot be reached, by kind of address. */
export const LOCAL_HINT =
  "start the Docker engine (`sudo systemctl start docker`, or install it first: Debian's package is docker.io), " +
  'or point --host / DOCKER_HOST at an engine that runs';
export const TCP_HINT = 'check that dockerd listens on that address and port, or fix --host / DOCKER_HOST';
export const SSH_HINT =
  'check that `ssh USER@HOST docker version` works (key in ssh-agent or ~/.ssh), or fix --host / DOCKER_HOST';

const UNREACHABLE_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  // The SSH host key is not the one in known_hosts (set by SshDialAgent).
  'EHOSTKEY',
]);

interface ModemError extends Error {
  statusCode?: number;
  json?: unknown;
  code?: string;
  level?: string;
}

/**
 * Turns whatever a request failed with into one clear EngineError: the engine's own message when
 * it answered, the address and what to do when it could not be reached.
 */
export function toEngineError(
  error: unknown,
  operation: string,
  host: string,
  timeoutMs?: number,
  unreachableHint: string = LOCAL_HINT,
): EngineError {
  if (error instanceof EngineError) return error;
  const e = (error instanceof Error ? error : new Error(String(error))) as ModemError;
  if (timeoutMs !== undefined) {
    return new EngineError(
      `${operation}: the engine at ${host} did not answer within ${timeoutMs / 1000} s`,
      {
        hint: 'check that the engine is running and reachable, or raise the timeout',
        cause: error,
        kind: 'unreachable',
      },
    );
  }
  if (typeof e.statusCode === 'number') {
    const engineMessage = engineWords(e);
    const explained = explainEngineMessage(engineMessage, host);
    if (explained) {
      return new EngineRequestError(
        `${operation}: ${explained.message} (the engine said: ${engineMessage})`,
        e.statusCode,
        engineMessage,
        { hint: explained.hint, cause: error },
      );
    }
    return new EngineRequestError(`${operation}: ${engineMessage}`, e.statusCode, engineMessage, {
      cause: error,
    });
  }
  if (e.code === 'EACCES') {
    return new EngineError(`cannot reach the Docker engine at ${host}: permission denied`, {
      hint: 'run as a user in the docker group (or root), or point --host / DOCKER_HOST at an engine you may use',
      cause: error,
      kind: 'unreachable',
    });
  }
  if (
    (e.code && UNREACHABLE_CODES.has(e.code)) ||
    e.level === 'client-socket' ||
    e.level === 'client-authentication'
  ) {
    return new EngineError(`cannot reach the Docker engine at ${host}: ${describe(e)}`, {
      hint: unreachableHint,
      cause: error,
      kind: 'unreachable',
    });
  }
  return new EngineError(`${operation}: ${describe(e)} (engine at ${host})`, { cause: error });
}

/**
 * Engine messages that mislead, and what they mean. Every engine seen (20.10, 26.1, 28.5) answers
 * a macvlan or ipvlan network whose parent interface does not exist with "invalid subinterface
 * vlan name X, example formatting is eth0.10" (it reads a name without a VLAN id as a malformed
 * sub-interface), and one whose VLAN sub-interface's base interface does not exist with
 * "-o parent interface was not found on the host: X" (20.10: "does was not found").
 */
const EXPLAINED: readonly {
  pattern: RegExp;
  explain: (match: RegExpExecArray, host: string) => { message: string; hint: string };
}[] = [
  {
    pattern: /invalid subinterface vlan name (\S+), example formatting is/,
    explain: ([, parent], host) => ({
      message: `the parent interface ${parent} does not exist on the host of the engine at ${host}`,
      hint: `create ${parent} on that host (the engine's own network namespace, where it runs in one), or set parent: to an interface it has; a VLAN sub-interface is written like eth0.50, and the engine creates it`,
    }),
  },
  {
    pattern: /-o parent interface (?:does )?was not found on the host: (\S+)/,
    explain: ([, parent], host) => ({
      message: `the parent interface ${parent} does not exist on the host of the engine at ${host}`,
      hint: `the engine creates a VLAN sub-interface (eth0.50) only on an interface that exists: set parent: to one of that host's interfaces`,
    }),
  },
];

function explainEngineMessage(
  engineMessage: string,
  host: string,
): { message: string; hint: string } | undefined {
  for (const { pattern, explain } of EXPLAINED) {
    const match = pattern.exec(engineMessage);
    if (match) return explain(match, host);
  }
  return undefined;
}

function engineWords(e: ModemError): string {
  const json = e.json;
  if (json && typeof json === 'object' && 'message' in json && typeof json.message === 'string') {
    return json.message;
  }
  if (typeof json === 'string' && json.trim()) return json.trim();
  if (Buffer.isBuffer(json) && json.length > 0) return json.toString().trim();
  return `the engine answered HTTP ${e.statusCode} without a message`;
}

function describe(e: ModemError): string {
  const text = e.message || e.code || 'unknown error';
  switch (e.code) {
    case 'ENOENT':
      return `no such socket (${text})`;
    case 'ECONNREFUSED':
      return `connection refused (${text})`;
    default:
      return text;
  }
}
