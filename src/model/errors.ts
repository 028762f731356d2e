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
  constructor(
    message: string,
    options: { hint?: string; exitCode?: number; cause?: unknown; kind?: EngineErrorKind } = {},
  ) {
    const { kind = 'other', ...rest } = options;
    super(message, rest);
    this.kind = kind;
  }
}

/** A bug in netform: printed with its stack and a request to report it. */
export class InternalError extends Error {
  override readonly name = 'InternalError';
}
