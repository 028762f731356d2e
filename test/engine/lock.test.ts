import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { acquireLock, LOCK_LABEL, lockNetworkName, type HeldLock } from '../../src/apply/lock.js';
import { connectDocker } from '../../src/docker/connect.js';
import type { DockerPort } from '../../src/model/port.js';
import { BLOCKS } from '../support/blocks.js';
// Processes of their own: these tests race CLIs against each other for the engine's lock.
import { CLI_BIN, runBundle as runCli } from '../support/cli.js';
import { docker, dockerOk, EngineScope } from '../support/engine.js';
import { FaultProxy } from '../support/fault-proxy.js';

const scope = new EngineScope(inject('runId'), BLOCKS.lock);
const project = scope.name('p');
let dir: string;
let proxy: FaultProxy;
const ports: DockerPort[] = [];

async function writeSpec(networks: string[]): Promise<string> {
  const file = join(dir, 'netform.yaml');
  const spec = {
    version: 1,
    project,
    networks: Object.fromEntries(networks.map((n, i) => [scope.name(n), { subnet: scope.subnet(i + 3).v4 }])),
  };
  await writeFile(file, stringify(spec));
  return file;
}

async function leases(): Promise<string[]> {
  return (await dockerOk(['network', 'ls', '-q', '--filter', `label=${LOCK_LABEL}=${project}`]))
    .split('\n')
    .filter(Boolean);
}

async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Starts an apply through the proxy whose first network create after the lease's is held until
 * the test calls `proxy.release()`: the apply holds the lock for as long as the test needs, however
 * slow the machine. Resolves once the apply holds the lock, with its run's end in `done`.
 */
async function heldApply(file: string) {
  proxy.clearRules();
  const seen = proxy.requests.length;
  proxy.addRule({ method: 'POST', path: /^\/networks\/create$/, action: 'hold', after: 1, times: 1 });
  const done = runCli(['apply', '-f', file, '--auto-approve'], { env: { DOCKER_HOST: proxy.dockerHost } });
  await waitFor(
    () => Promise.resolve(proxy.requests.slice(seen).some((r) => r.outcome === 'hold')),
    'the apply to take the lock and reach its network create',
  );
  expect((await leases()).length).toBe(1);
  return { done };
}

/** Starts the CLI; resolves once its stderr matches `pattern` (or it exited), with its run's end. */
async function startCli(args: string[], pattern: RegExp) {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => {
      exited = true;
      resolve({ code, stdout, stderr });
    }),
  );
  await waitFor(() => Promise.resolve(pattern.test(stderr) || exited), `stderr to match ${pattern}`);
  return { done };
}

async function port(): Promise<DockerPort> {
  const p = await connectDocker({ env: process.env });
  ports.push(p);
  return p;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netform-lock-test-'));
  proxy = await FaultProxy.start();
});

afterEach(async () => {
  const left = await leases();
  if (left.length > 0) await docker(['network', 'rm', ...left]);
});

afterAll(async () => {
  await Promise.all(ports.map((p) => p.close()));
  await proxy.close();
  await scope.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('lock', () => {
  it('makes a second apply fail at once, naming the holder, while the first runs', async () => {
    const file = await writeSpec(['a']);
    const first = await heldApply(file);
    const second = await runCli(['apply', '-f', file, '--auto-approve']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(
        `the lock for project "${project}" on \\S+ is held: apply by \\S+ \\(pid \\d+ on ${hostname()}\\) since \\d{4}-`,
      ),
    );
    expect(second.stderr).toMatch(/--lock-timeout/);
    expect(second.stderr).toMatch(/netform unlock/);
    expect((await leases()).length).toBe(1); // the loser left the holder's lease alone
    proxy.release();
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    expect(await leases()).toEqual([]);
  });

  it('refuses a destroy while an apply holds it, and lets an apply wait with --lock-timeout', async () => {
    const file = await writeSpec(['a', 'b']);
    const first = await heldApply(file);
    const destroy = await runCli(['destroy', '-f', file, '--auto-approve']);
    expect(destroy.code).toBe(1);
    expect(destroy.stderr).toMatch(/is held: apply by/);
    const waiting = await startCli(
      ['apply', '-f', file, '--auto-approve', '--lock-timeout', '60s'],
      /Waiting for the lock of project/,
    );
    proxy.release();
    const firstDone = await first.done;
    expect(firstDone.code, firstDone.stderr).toBe(0);
    const waited = await waiting.done;
    expect(waited.stderr).toMatch(/Waiting for the lock of project/);
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toMatch(/No changes/); // planned after the first apply had finished
  });

  it('is left behind by a killed apply, refused until broken with `netform unlock`, then the apply converges', async () => {
    const file = await writeSpec(['a', 'b', 'c']);
    proxy.clearRules();
    proxy.addRule({ method: 'POST', path: /^\/networks\/create$/, action: 'hang', after: 1, times: 1 });
    const child = spawn(process.execPath, [CLI_BIN, 'apply', '-f', file, '--auto-approve'], {
      env: { ...process.env, DOCKER_HOST: proxy.dockerHost },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.once('exit', r));
    await waitFor(
      () => Promise.resolve(proxy.requests.some((r) => r.outcome === 'hang')),
      'the apply to reach its network create',
    );
    child.kill('SIGKILL');
    await exited;
    expect((await leases()).length).toBe(1);

    const refused = await runCli(['apply', '-f', file, '--auto-approve']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`pid ${child.pid} on`));

    const asks = await runCli(['unlock', '--project', project]);
    expect(asks.code).toBe(1);
    expect(asks.stdout).toMatch(/held by apply/);
    expect(asks.stderr).toMatch(/no terminal/);
    expect((await leases()).length).toBe(1);

    const unlock = await runCli(['unlock', '--project', project, '--auto-approve']);
    expect(unlock.code, unlock.stderr).toBe(0);
    expect(unlock.stdout).toMatch(/Removed 1 lock/);
    expect(await leases()).toEqual([]);

    const again = await runCli(['apply', '-f', file, '--auto-approve']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Verified/);
    const plan = await runCli(['plan', '-f', file, '--detailed-exitcode']);
    expect(plan.code).toBe(0);
  });

  it('admits exactly one of many concurrent claimants, whatever the engine does with duplicate names', async () => {
    const claimants = await Promise.all(Array.from({ length: 10 }, () => port()));
    for (let round = 0; round < 3; round++) {
      const results = await Promise.allSettled(
        claimants.map((p, i) =>
          acquireLock(p, project, { host: 'test', pid: i, user: 'tester', command: 'apply' }),
        ),
      );
      const winners = results.filter((r): r is PromiseFulfilledResult<HeldLock> => r.status === 'fulfilled');
      expect(winners.length).toBe(1);
      for (const loser of results.filter((r) => r.status === 'rejected')) {
        expect(String(loser.reason)).toMatch(/is held: apply by tester \(pid \d+ on test\)/);
      }
      expect((await leases()).length).toBe(1);
      await winners[0]!.value.release();
    }
  });

  it('never lets two waiting claimants hold it at once', async () => {
    const claimants = await Promise.all(Array.from({ length: 6 }, () => port()));
    const intervals: [number, number][] = [];
    await Promise.all(
      claimants.map(async (p, i) => {
        const lock = await acquireLock(
          p,
          project,
          { host: 'test', pid: i, user: 'tester', command: 'apply' },
          { timeoutMs: 60_000 },
        );
        const start = performance.now();
        await new Promise((r) => setTimeout(r, 100));
        intervals.push([start, performance.now()]);
        await lock.release();
      }),
    );
    expect(intervals.length).toBe(6);
    intervals.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < intervals.length; i++)
      expect(intervals[i]![0]).toBeGreaterThanOrEqual(intervals[i - 1]![1]);
  });

  it('is invisible to plan and export', async () => {
    const file = await writeSpec(['a', 'b', 'c']);
    const lock = await acquireLock(await port(), project, {
      host: 'test',
      pid: 1,
      user: 'tester',
      command: 'apply',
    });
    try {
      const plan = await runCli(['plan', '-f', file, '--detailed-exitcode']);
      expect(plan.code, plan.stdout + plan.stderr).toBe(0);
      expect(plan.stdout).not.toContain(lockNetworkName(project));
      const exported = await runCli(['export', '--project', project]);
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stdout).not.toContain('netform-lock');
      expect(exported.stdout).toContain(scope.name('a'));
    } finally {
      await lock.release();
    }
  });
});
