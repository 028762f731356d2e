import { spawn, type ChildProcess } from 'node:child_process';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { dockerInspect, dockerOk } from '../support/engine.js';
import type { ContainerInspect, EndpointInspect } from '../support/inspect.js';
import { CLI_BIN } from '../support/cli.js';
import { testEngineAddress } from '../support/upstream.js';

/**
 * The watch tests' subnets: 10.213.232.0/21 (index 0-7 -> 10.213.232+i.0/24). The sixteen blocks
 * of 10.213.0.0/17 (test/support/blocks.ts) are all taken, the benchmark's scenarios use
 * 10.213.128-159 (bench/scenario.ts) and its watch bench 10.213.250.0/24 of its /17, and the
 * test swarm's range is 10.213.240.0/20 (test/support/swarm.ts; its engines may also run these).
 */
export function watchSubnet(index: number): { v4: string; v4Prefix: string } {
  if (!Number.isInteger(index) || index < 0 || index > 7) throw new Error(`no watch test subnet ${index}`);
  return { v4: `10.213.${232 + index}.0/24`, v4Prefix: `10.213.${232 + index}` };
}

/** One pino log line of the watch (JSON on stderr). */
export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/**
 * Polls `check` until it returns something other than undefined or false. The deadline only
 * turns a watch that never repairs into a failure naming `what`: nothing here measures time.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  deadlineMs = 60_000,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) {
      throw new Error(
        `gave up waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** `netform watch` run as a user runs it: the built CLI in a child process, its logs parsed. */
export class WatchProcess {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  private exit: Promise<number>;

  private constructor(
    private readonly child: ChildProcess,
    readonly address: string,
  ) {
    this.exit = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))),
    );
  }

  /**
   * Starts `netform watch ARGS --listen 127.0.0.1:0 --log-format json` and resolves once it
   * listens (its "watching" log line says where).
   */
  static async start(
    args: string[],
    options: { cwd: string; env?: NodeJS.ProcessEnv },
  ): Promise<WatchProcess> {
    const child = spawn(
      process.execPath,
      [CLI_BIN, '--log-format', 'json', 'watch', '--listen', '127.0.0.1:0', ...args],
      {
        cwd: options.cwd,
        env: { ...process.env, NO_COLOR: '1', ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const logs: LogLine[] = [];
    const raw: string[] = [];
    let buffer = '';
    let onLine: ((line: LogLine) => void) | undefined;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        const text = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        raw.push(text);
        try {
          const line = JSON.parse(text) as LogLine;
          logs.push(line);
          onLine?.(line);
        } catch {
          // Not a log line (a diagnostic printed before the logger started).
        }
      }
    });
    child.stdout.resume();
    const address = await new Promise<string>((resolve, reject) => {
      onLine = (line) => {
        if (line.msg === 'watching') resolve(String(line.listen));
      };
      child.once('exit', (code) =>
        reject(new Error(`netform watch exited with ${code}:\n${raw.join('\n')}`)),
      );
    });
    const watch = new WatchProcess(child, address);
    watch.logs.push(...logs);
    onLine = (line) => watch.logs.push(line);
    watch.stderr.push(...raw);
    return watch;
  }

  get pid(): number {
    return this.child.pid!;
  }

  async get(path: string): Promise<{ status: number; text: string }> {
    const response = await fetch(`http://${this.address}${path}`);
    return { status: response.status, text: await response.text() };
  }

  /** GET /metrics, parsed by an independent reader of the exposition format (which throws on bad lines). */
  async metrics(): Promise<PrometheusFamily[]> {
    const { status, text } = await this.get('/metrics');
    if (status !== 200) throw new Error(`/metrics answered ${status}`);
    return parsePrometheusTextFormat(text);
  }

  /** The value of one sample, as a number; undefined when the family or sample is absent. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
    const family = (await this.metrics()).find((f) => f.name === name);
    const sample = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    return sample?.value === undefined ? undefined : Number(sample.value);
  }

  async waitReady(): Promise<void> {
    await eventually('/readyz to answer 200', async () => (await this.get('/readyz')).status === 200);
  }

  /** Sends `signal` and resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exit;
  }

  /** Kills the process if a failed test left it running. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** The container's endpoint on `network`, read with `docker inspect`; undefined when not attached. */
export async function endpointOf(container: string, network: string): Promise<EndpointInspect | undefined> {
  const inspect = await dockerInspect<ContainerInspect>('container', container);
  return inspect.NetworkSettings.Networks[network];
}

/** Aliases the user set (the short-id alias the engine adds up to API 1.44 left out). */
export async function aliasesOf(container: string, network: string): Promise<string[] | undefined> {
  const inspect = await dockerInspect<ContainerInspect>('container', container);
  const endpoint = inspect.NetworkSettings.Networks[network];
  if (!endpoint) return undefined;
  return (endpoint.Aliases ?? []).filter((a) => !inspect.Id.startsWith(a)).sort();
}

/** The project's lock leases on the engine (none between reconciles). */
export async function leasesOf(project: string): Promise<string[]> {
  return (await dockerOk(['network', 'ls', '-q', '--filter', `label=io.netform.lock=${project}`]))
    .split('\n')
    .filter(Boolean);
}

/** The engine socket DOCKER_HOST names (the tests' own engine), for a proxy or a bind mount. */
export function engineSocket(env: NodeJS.ProcessEnv = process.env): string {
  const address = testEngineAddress(env);
  if (address.kind !== 'unix') {
    throw new Error(`these tests need the engine on a unix socket; DOCKER_HOST is ${address.display}`);
  }
  return address.socketPath;
}
