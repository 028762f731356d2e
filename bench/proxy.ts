import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** API calls by `METHOD /path/{id}/shape`. */
export type CallCounts = Record<string, number>;

/**
 * The counting proxy as the harness sees it: a child process listening on `socketPath`; point a
 * client at it with DOCKER_HOST=unix://<socketPath>. `take()` returns the calls counted since the
 * last take and starts counting afresh.
 */
export class CountingProxy {
  private constructor(
    private readonly child: ChildProcess,
    readonly socketPath: string,
  ) {}

  static async start(socketPath: string, upstream: string): Promise<CountingProxy> {
    const script = fileURLToPath(new URL('./proxy-server.ts', import.meta.url));
    const child = fork(script, [socketPath, upstream], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    // A send racing the child's exit reports through 'error'; take() already answers {} then.
    child.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`the counting proxy exited with ${code}`)));
    });
    return new CountingProxy(child, socketPath);
  }

  get dockerHost(): string {
    return `unix://${this.socketPath}`;
  }

  /** The counts since the last take; empty once the proxy has gone (an interrupt ends it too). */
  take(): Promise<CallCounts> {
    if (!this.child.connected) return Promise.resolve({});
    return new Promise((resolve) => {
      this.child.once('message', (message: { counts: CallCounts }) => resolve(message.counts));
      this.child.send({ type: 'take' }, (error) => {
        if (error) resolve({});
      });
    });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

export function totalCalls(counts: CallCounts): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
