import { printable } from '../core/printable.js';
import { NetformError } from '../model/errors.js';

/** A lock the session holds on one engine, released at a quit. */
export interface HeldLock {
  /** The engine's name in the spec; absent when the command works on one engine. */
  engine?: string;
  release: () => Promise<void>;
}

/** One operation in flight, for the quit-at-once message. */
export interface InFlight {
  engine?: string;
  /** The operation as the plan describes it ("replace network web", "connect api to front"). */
  description: string;
}

export interface SignalStopOptions {
  stderr: (text: string) => void;
  /** One engine, or several: only the messages' wording differs. */
  engines: 'one' | 'several';
  /** What is in flight now, named in the quit-at-once message. */
  inFlight: () => InFlight[];
  /** The locks held now, released (within 3 s, best effort) before quitting at once. */
  locks: () => HeldLock[];
  /** Runs before the quit-at-once message (a live progress line is stopped). */
  beforeQuit?: () => void;
  /** Where the signals come from and how the process ends at a quit; tests pass their own. */
  process?: SignalSource;
  exit?: (code: number) => void;
}

/** The part of `process` the stop listens on. */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
  removeListener(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
}

/** How long a quit at once waits for the locks' release: a lock left behind is reported, never waited for. */
const RELEASE_BOUND_MS = 3000;

/** The shell's convention: 128 + the signal's number (SIGINT 130, SIGTERM 143). */
export const exitCodeOf = (signal: NodeJS.Signals): number => (signal === 'SIGTERM' ? 143 : 130);

/**
 * Ctrl-C and SIGTERM during `apply` and `destroy`, on one engine or across several
 * (docs/apply.md, "Stopping"): from the moment it is made, the first signal aborts the session
 * (`signal`): before execution nothing is sent and the locks are released; during it, operations
 * in flight finish and nothing new starts. A second signal quits at once: it names what is left in
 * flight (and, for a replace, where its restore point is), sends the locks' releases and waits
 * at most 3 s for their answers, names each lock not released (or not yet answered for), and
 * exits 130 (SIGINT) or 143 (SIGTERM).
 */
export class SignalStop {
  private readonly abort = new AbortController();
  private first: NodeJS.Signals | undefined;
  private executing = false;
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    if (this.first === undefined) {
      this.first = signal;
      this.options.stderr(this.stoppingMessage());
      this.abort.abort();
      return;
    }
    void this.quitAtOnce(signal);
  };

  private readonly source: SignalSource;

  constructor(private readonly options: SignalStopOptions) {
    this.source = options.process ?? process;
    this.source.on('SIGINT', this.onSignal);
    this.source.on('SIGTERM', this.onSignal);
  }

  /** Aborted by the first signal: the session's stop. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** The first signal received, if any. */
  get received(): NodeJS.Signals | undefined {
    return this.first;
  }

  /** From now on operations are sent: the first signal's message says they finish. */
  markExecuting(): void {
    this.executing = true;
  }

  /** Stops listening; call when the session has ended. */
  dispose(): void {
    this.source.removeListener('SIGINT', this.onSignal);
    this.source.removeListener('SIGTERM', this.onSignal);
  }

  /** A known error raised after a signal ends the process with the signal's exit code. */
  withExitCode(error: unknown): unknown {
    if (this.first !== undefined && error instanceof NetformError) {
      return new NetformError(error.message, { ...error.options, exitCode: exitCodeOf(this.first) });
    }
    return error;
  }

  private stoppingMessage(): string {
    const one = this.options.engines === 'one';
    if (this.executing) {
      return `\nStopping${one ? '' : ' on every engine'}: operations in flight finish, nothing new starts (press Ctrl-C again to quit at once).\n`;
    }
    return one
      ? '\nStopping: nothing was sent to the engine; releasing the lock.\n'
      : '\nStopping: nothing was sent to any engine; releasing the locks.\n';
  }

  private async quitAtOnce(signal: NodeJS.Signals): Promise<void> {
    const { stderr, engines } = this.options;
    const one = engines === 'one';
    this.options.beforeQuit?.();
    const left = this.options.inFlight();
    const named = left.map((a) =>
      printable(a.engine === undefined ? a.description : `${a.description} on engine ${a.engine}`),
    );
    stderr(
      (left.length === 0
        ? '\nQuitting at once.\n'
        : `\nQuitting at once, leaving in flight: ${named.join(', ')}.\n`) +
        (left.some((a) => a.description.startsWith('replace'))
          ? `A replace in flight recorded what it must restore on ${one ? 'the' : 'its'} engine (a netform-restore-* network): ` +
            'the next `netform apply` (or `netform unlock`) puts every endpoint back, and every Swarm service it took off.\n'
          : '') +
        `Run the same command again: it plans from what the engine${one ? ' is' : 's are'} now.\n`,
    );
    // Each release is sent; its answer is waited for until one shared deadline. A release the
    // engine has not answered by then may still be carried out there after the process is gone.
    const deadline = new Promise<'no answer'>((resolve) =>
      setTimeout(() => resolve('no answer'), RELEASE_BOUND_MS).unref(),
    );
    const locks = this.options.locks();
    const outcomes = await Promise.all(
      locks.map((lock) =>
        Promise.race([
          lock.release().then(
            () => 'released' as const,
            (error: unknown) => (error instanceof Error ? error.message : String(error)),
          ),
          deadline,
        ]),
      ),
    );
    locks.forEach((lock, i) => {
      const outcome = outcomes[i]!;
      if (outcome === 'released') return;
      const on = lock.engine === undefined ? '' : ` on engine ${lock.engine}`;
      const unlock = `break it with \`netform unlock\`${lock.engine === undefined ? '' : ' on that engine'}`;
      stderr(
        outcome === 'no answer'
          ? `The lock's release${on} got no answer within ${RELEASE_BOUND_MS / 1000} s: if the next run waits for it, ${unlock}.\n`
          : `The lock${on} could not be released (${printable(outcome)}): ${unlock}.\n`,
      );
    });
    (this.options.exit ?? process.exit)(exitCodeOf(signal));
  }
}
