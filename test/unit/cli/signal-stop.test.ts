import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NetformError } from '../../../src/model/errors.js';
import { exitCodeOf, SignalStop, type HeldLock, type InFlight } from '../../../src/cli/signal-stop.js';

/**
 * The stop that `apply` and `destroy` share on one engine and across several
 * (src/cli/signal-stop.ts). Signals come from an emitter of the test's own in place of `process`
 * (the test runner's workers have signal handlers of their own), and the quit's exit is the test's.
 * The real signals are sent to the CLI by the engine tests (apply-failures, replace, fleet).
 */
const source = new EventEmitter();
const stops: SignalStop[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop.dispose();
});

function setUp(
  engines: 'one' | 'several',
  state: { inFlight?: InFlight[]; locks?: HeldLock[] } = {},
): { stop: SignalStop; stderr: string[]; exited: Promise<number> } {
  const stderr: string[] = [];
  let exit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (exit = resolve));
  const stop = new SignalStop({
    stderr: (text) => stderr.push(text),
    engines,
    inFlight: () => state.inFlight ?? [],
    locks: () => state.locks ?? [],
    process: source,
    exit,
  });
  stops.push(stop);
  return { stop, stderr, exited };
}

const signal = (name: NodeJS.Signals): boolean => source.emit(name, name);

describe('SignalStop', () => {
  it('aborts the session on the first signal; before execution it says nothing was sent', () => {
    const { stop, stderr } = setUp('one');
    expect(stop.signal.aborted).toBe(false);
    signal('SIGTERM');
    expect(stop.signal.aborted).toBe(true);
    expect(stop.received).toBe('SIGTERM');
    expect(stderr.join('')).toContain('Stopping: nothing was sent to the engine; releasing the lock.');
  });

  it('once executing, the first signal says operations in flight finish, on every engine when several', () => {
    const one = setUp('one');
    one.stop.markExecuting();
    const several = setUp('several');
    several.stop.markExecuting();
    signal('SIGINT');
    expect(one.stderr.join('')).toContain('Stopping: operations in flight finish, nothing new starts');
    expect(several.stderr.join('')).toContain('Stopping on every engine: operations in flight finish');
  });

  it('a second signal names what is in flight, releases the locks and exits with its own code', async () => {
    const released: string[] = [];
    const { stderr, exited } = setUp('several', {
      inFlight: [
        { engine: 'a', description: 'connect web to front' },
        { engine: 'b', description: 'replace network back' },
      ],
      locks: ['a', 'b'].map((engine) => ({
        engine,
        release: () => {
          released.push(engine);
          return Promise.resolve();
        },
      })),
    });
    signal('SIGINT');
    signal('SIGTERM');
    expect(await exited).toBe(143);
    const text = stderr.join('');
    expect(text).toContain(
      'Quitting at once, leaving in flight: connect web to front on engine a, replace network back on engine b.',
    );
    expect(text).toContain('A replace in flight recorded what it must restore on its engine');
    expect(text).toContain('Run the same command again: it plans from what the engines are now.');
    expect(released.sort()).toEqual(['a', 'b']);
    expect(text).not.toContain('The lock');
  });

  it('names the lock whose release failed, with the engine’s words', async () => {
    const { stderr, exited } = setUp('several', {
      locks: [
        { engine: 'a', release: () => Promise.resolve() },
        { engine: 'b', release: () => Promise.reject(new Error('engine b went away')) },
      ],
    });
    signal('SIGINT');
    signal('SIGINT');
    expect(await exited).toBe(130);
    const text = stderr.join('');
    expect(text).toContain('Quitting at once.\n');
    expect(text).toContain(
      'The lock on engine b could not be released (engine b went away): break it with `netform unlock` on that engine.',
    );
    expect(text).not.toContain('on engine a');
  });

  it('says so when a release gets no answer within 3 s, and quits then', async () => {
    vi.useFakeTimers();
    try {
      const { stderr, exited } = setUp('one', { locks: [{ release: () => new Promise<void>(() => {}) }] });
      signal('SIGINT');
      signal('SIGINT');
      await vi.advanceTimersByTimeAsync(3000);
      expect(await exited).toBe(130);
      expect(stderr.join('')).toContain(
        "The lock's release got no answer within 3 s: if the next run waits for it, break it with `netform unlock`.",
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it('on one engine, a lock that cannot be released is named without an engine', async () => {
    const { stderr, exited } = setUp('one', {
      inFlight: [{ description: 'replace network web' }],
      locks: [{ release: () => Promise.reject(new Error('gone')) }],
    });
    signal('SIGINT');
    signal('SIGINT');
    expect(await exited).toBe(130);
    const text = stderr.join('');
    expect(text).toContain('Quitting at once, leaving in flight: replace network web.');
    expect(text).toContain('restore on the engine');
    expect(text).toContain('The lock could not be released (gone): break it with `netform unlock`.');
    expect(text).toContain('from what the engine is now');
  });

  it('gives a known error raised after a signal the signal’s exit code, and leaves others alone', () => {
    const { stop } = setUp('one');
    const before = new NetformError('boom');
    expect(stop.withExitCode(before)).toBe(before);
    signal('SIGTERM');
    const after = stop.withExitCode(new NetformError('boom'));
    expect(after).toBeInstanceOf(NetformError);
    expect((after as NetformError).options.exitCode).toBe(143);
    const other = new Error('internal');
    expect(stop.withExitCode(other)).toBe(other);
  });

  it('stops listening when disposed', () => {
    const { stop } = setUp('one');
    stop.dispose();
    expect(source.listenerCount('SIGINT')).toBe(0);
    expect(source.listenerCount('SIGTERM')).toBe(0);
    signal('SIGINT');
    expect(stop.signal.aborted).toBe(false);
  });

  it('maps signals to the shell’s exit codes', () => {
    expect(exitCodeOf('SIGINT')).toBe(130);
    expect(exitCodeOf('SIGTERM')).toBe(143);
  });
});
