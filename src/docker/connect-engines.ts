import type Modem from 'docker-modem';
import { engineNames, SINGLE_ENGINE } from '../core/engine-projection.js';
import type { DesiredState } from '../model/desired.js';
import { EngineError, NetformError } from '../model/errors.js';
import type { DockerPort } from '../model/port.js';
import { resolveEngineAddress, specEngineAddress, type EngineAddress } from './address.js';
import { connectAddress, connectModem, type ConnectOptions } from './connect.js';

/** A dockerode instance, or anything else that carries a docker-modem as `modem`. */
export interface ModemHolder {
  modem: Modem;
}

/** A client the caller hands in for one engine: a DockerPort, or a dockerode instance. */
export type EngineClientInput = DockerPort | ModemHolder;

export interface ConnectEnginesOptions extends ConnectOptions {
  /**
   * Clients the caller already has, by engine name (SINGLE_ENGINE, `default`, for a spec
   * without `engines:`). They are used instead of connecting, and closeEngines leaves them open:
   * the caller owns them. A dockerode instance is used through its `modem` (its own settings
   * are not changed).
   */
  clients?: Record<string, EngineClientInput>;
  /** Connect only to these engines (`--engine NAME`); default: every engine of the spec. */
  only?: readonly string[];
  /**
   * Opens the connection to one engine; default: connectAddress. For callers that build
   * connections their own way, and for tests of this function's control flow.
   */
  connector?: (address: EngineAddress, engine: string) => Promise<DockerPort>;
}

/** Ports handed in by callers: never closed by closeEngines. */
const borrowed = new WeakSet<DockerPort>();

/**
 * Connects to every engine of the spec (or those named in `only`) concurrently, each as its
 * `engines:` entry says (docs/spec.md#engines); a spec without `engines:` has one engine,
 * SINGLE_ENGINE, reached by --host / DOCKER_HOST / the docker context / the local socket (the
 * options' `host` and `context`). All or nothing: when any engine cannot be reached, the
 * connections already opened are closed and one EngineError names every engine that failed
 * with its address and reason.
 */
export async function connectEngines(
  spec: DesiredState,
  options: ConnectEnginesOptions,
): Promise<Map<string, DockerPort>> {
  const names = selectedEngines(spec, options.only);
  const clients = options.clients ?? {};
  for (const name of Object.keys(clients)) {
    if (!names.includes(name) && !engineNames(spec).includes(name)) {
      throw new NetformError(`a client was handed in for engine ${name}, which the spec does not name`, {
        hint: `the spec's engines: ${listOf(engineNames(spec))}`,
      });
    }
  }
  if (spec.engines && (options.host !== undefined || options.context !== undefined)) {
    throw new NetformError('--host and --context name one engine, but this spec names its engines', {
      hint: "the spec's engines: say how each is reached; use --engine NAME to work on some of them",
    });
  }
  const connect = options.connector ?? ((address: EngineAddress) => connectAddress(address, options));

  const attempts = names.map(async (name): Promise<[string, DockerPort]> => {
    const given = clients[name];
    if (given) return [name, await adoptClient(given, name, options)];
    let address: EngineAddress | undefined;
    try {
      address = spec.engines
        ? specEngineAddress(spec.engines[name]!, options.env)
        : resolveEngineAddress(options.host, options.env, { context: options.context });
      return [name, await connect(address, name)];
    } catch (error) {
      throw new EngineFailure(name, address?.display, error);
    }
  });
  const settled = await Promise.allSettled(attempts);
  const ports = new Map<string, DockerPort>();
  const failures: EngineFailure[] = [];
  for (const outcome of settled) {
    if (outcome.status === 'fulfilled') ports.set(outcome.value[0], outcome.value[1]);
    else
      failures.push(
        outcome.reason instanceof EngineFailure
          ? outcome.reason
          : new EngineFailure('?', undefined, outcome.reason),
      );
  }
  if (failures.length === 0) return ports;
  await closeEngines(ports);
  throw unreachableError(failures, names.length, spec.engines !== undefined);
}

/** Closes the connections connectEngines opened (clients handed in stay open). */
export async function closeEngines(engines: ReadonlyMap<string, DockerPort>): Promise<void> {
  await Promise.allSettled(
    [...engines.values()].filter((port) => !borrowed.has(port)).map((port) => port.close()),
  );
}

/** The engines a run covers: the spec's (sorted), or SINGLE_ENGINE; `only` must name some of them. */
export function selectedEngines(spec: DesiredState, only?: readonly string[]): string[] {
  const all = spec.engines ? engineNames(spec) : [SINGLE_ENGINE];
  if (!only || only.length === 0) return all;
  const unknown = only.filter((name) => !all.includes(name));
  if (unknown.length > 0) {
    throw new NetformError(
      `--engine ${unknown.join(', ')}: ${unknown.length === 1 ? 'not an engine' : 'not engines'} of this spec`,
      {
        hint: spec.engines
          ? `the spec's engines: ${listOf(all)}`
          : 'this spec has no engines: section; it covers one engine, reached by --host / DOCKER_HOST / the docker context',
      },
    );
  }
  return all.filter((name) => only.includes(name));
}

async function adoptClient(
  given: EngineClientInput,
  name: string,
  options: ConnectOptions,
): Promise<DockerPort> {
  if (isModemHolder(given)) {
    try {
      const port = await connectModem(given.modem, {
        env: options.env,
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      });
      return port;
    } catch (error) {
      throw new EngineFailure(name, undefined, error);
    }
  }
  borrowed.add(given);
  return given;
}

function isModemHolder(value: EngineClientInput): value is ModemHolder {
  const candidate = value as Partial<DockerPort> & Partial<ModemHolder>;
  return typeof candidate.observe !== 'function' && typeof candidate.modem?.dial === 'function';
}

class EngineFailure extends Error {
  constructor(
    readonly engine: string,
    readonly address: string | undefined,
    readonly error: unknown,
  ) {
    super(error instanceof Error ? error.message : String(error));
  }
}

function unreachableError(failures: EngineFailure[], total: number, fromSpec: boolean): EngineError {
  failures.sort((a, b) => a.engine.localeCompare(b.engine));
  const describe = (f: EngineFailure): string =>
    `engine ${f.engine}${f.address && !f.message.includes(f.address) ? ` (${f.address})` : ''}: ${f.message}`;
  const first = failures[0]!;
  const own = first.error instanceof NetformError ? first.error.hint : undefined;
  // The spec's engines: entry says how an engine is reached; --host / DOCKER_HOST do not count there.
  const hint = fromSpec
    ? failures.length === 1 && own !== undefined && !/--host|DOCKER_HOST/.test(own)
      ? own
      : 'check that each engine named runs and answers there; its entry under engines: in the spec (host:, tls:, context:) says how it is reached'
    : (own ?? 'check that the engine runs');
  const message =
    failures.length === 1
      ? `cannot reach ${describe(first)}`
      : `cannot reach ${failures.length} of ${total} engines:\n${failures.map((f) => `  ${describe(f)}`).join('\n')}`;
  const kind = first.error instanceof EngineError ? first.error.kind : 'unreachable';
  return new EngineError(message, { hint, cause: first.error, kind });
}

const listOf = (names: string[]): string => (names.length > 0 ? names.join(', ') : '(none)');
