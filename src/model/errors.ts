/**
 * A failure the user can cause and fix: bad input, an unreachable engine, a held lock, a stale
 * plan. The CLI prints `message` (and `hint`) as one line, with no stack trace, and exits with
 * `exitCode`.
 */
export class NetformError extends Error {
  override readonly name: string = 'NetformError';
  constructor(
    message: string,
    readonly options: { hint?: string; exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
  }
  get exitCode(): number {
    return this.options.exitCode ?? 1;
  }
  get hint(): string | undefined {
    return this.options.hint;
  }
}

/**
 * What kind of engine failure an EngineError is, so callers decide without reading a transport's
 * status codes:
 * - `conflict`: the engine refused because something already exists (HTTP 409: a network name);
 * - `not-found`: the object named does not exist (HTTP 404);
 * - `refused`: the engine (or netform's last guard before sending) refused the request as it is;
 * - `unreachable`: no answer: no socket, connection refused or lost, timeout, denied access;
 * - `other`: anything else (an answer netform cannot use).
 */
export type EngineErrorKind = 'conflict' | 'not-found' | 'refused' | 'unreachable' | 'other';

/** The engine could not be reached or answered in a way netform cannot use. */
export class EngineError extends NetformError {
  override readonly name = 'EngineError';
  readonly kind: EngineErrorKind;
  /**
   * The spec's name of the engine it happened on, when a session across engines named it
   * (docs/spec.md#engines); `netform watch` reconnects that engine's link when it is unreachable.
   */
  readonly engine: string | undefined;
  constructor(
    message: string,
    options: {
      hint?: string;
      exitCode?: number;
      cause?: unknown;
      kind?: EngineErrorKind;
      engine?: string;
    } = {},
  ) {
    const { kind = 'other', engine, ...rest } = options;
    super(message, rest);
    this.kind = kind;
    this.engine = engine;
  }
}

/** A bug in netform: printed with its stack and a request to report it. */
export class InternalError extends Error {
  override readonly name = 'InternalError';
}

/**
 * A service update was refused because the service changed since its version was read ("update
 * out of sequence"): read it again and plan again (docs/swarm.md).
 */
export class ServiceVersionConflictError extends EngineError {
  constructor(
    message: string,
    readonly service: string,
    /** The version the update was sent with. */
    readonly sentVersion: number,
    /** The version the engine has, when it was read. */
    readonly currentVersion: number | undefined,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, { ...options, kind: 'conflict' });
  }
}
