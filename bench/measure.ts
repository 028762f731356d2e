import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

/** One timed run of a child process. */
export interface ChildRun {
  code: number;
  wallMs: number;
  /** Peak resident set of the child (and the descendants it waited for), from GNU time. */
  maxRssKb?: number;
  /** User + system CPU time of the child and its waited-for descendants. */
  cpuMs?: number;
  stdout: string;
  stderr: string;
}

const GNU_TIME = '/usr/bin/time';

let current: { pid: number } | undefined;

/** The process group of the child being measured, so SIGINT can end it and its descendants. */
export function currentChild(): number | undefined {
  return current?.pid;
}

/**
 * Runs a command under GNU time (`-f '%M %U %S'`) and measures the wall time around it: spawn to
 * exit, the time a user waits. The child gets its own process group so that an interrupt ends its
 * descendants too (ansible-playbook forks workers).
 */
export async function timeChild(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeFile: string; timeoutMs?: number },
): Promise<ChildRun> {
  await rm(options.timeFile, { force: true });
  const started = performance.now();
  const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(GNU_TIME, ['-f', '%M %U %S', '-o', options.timeFile, command, ...args], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    if (child.pid !== undefined) current = { pid: child.pid };
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(
      () => {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      },
      options.timeoutMs ?? 30 * 60_000,
    );
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      current = undefined;
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
  const wallMs = performance.now() - started;
  const timing = await readFile(options.timeFile, 'utf8').catch(() => '');
  // GNU time prefixes "Command exited with non-zero status N" on failures: take the last line.
  const fields = timing.trim().split('\n').pop()?.split(' ').map(Number) ?? [];
  const [rss, user, sys] = fields;
  return {
    ...result,
    wallMs,
    maxRssKb: Number.isFinite(rss) ? rss : undefined,
    cpuMs: Number.isFinite(user) && Number.isFinite(sys) ? ((user ?? 0) + (sys ?? 0)) * 1000 : undefined,
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function tail(text: string, lines = 6): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** The machine's CPU time so far, all cores, in clock ticks (the `cpu` line of /proc/stat). */
export async function machineCpu(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  // user nice system idle iowait irq softirq steal …: idle and iowait are the time nobody ran.
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - (ticks[3] ?? 0) - (ticks[4] ?? 0), total };
}

/** The share of all cores that was busy between two `machineCpu()` reads (0–1). */
export function busyShare(before: { busy: number; total: number }, after: { busy: number; total: number }) {
  const total = after.total - before.total;
  return total > 0 ? (after.busy - before.busy) / total : 0;
}
