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

/** The engine could not be reached or answered in a way netform cannot use. */
export class EngineError extends NetformError {
  override readonly name = 'EngineError';
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
    super(message, options);
  }
}
