import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { BLOCKS } from '../support/blocks.js';
import { CLI_BIN, runCli } from '../support/cli.js';
import { docker, dockerInspect, EngineScope, run } from '../support/engine.js';
import { FaultProxy } from '../support/fault-proxy.js';
import type { ContainerInspect, EndpointInspect, NetworkInspect } from '../support/inspect.js';

const scope = new EngineScope(inject('runId'), BLOCKS.apply);
const project = scope.name('p');
let dir: string;

async function writeSpec(spec: object): Promise<string> {
  const file = join(dir, 'netform.yaml');
  await writeFile(file, stringify({ version: 1, project, ...spec }));
  return file;
}

async function endpoints(container: string): Promise<Record<string, EndpointInspect>> {
  return (await dockerInspect<ContainerInspect>('container', container)).NetworkSettings.Networks;
}

async function networkExists(name: string): Promise<boolean> {
  return (await docker(['network', 'inspect', name])).code === 0;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netform-apply-test-'));
});

afterAll(async () => {
  await scope.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('apply', () => {
  const n1 = scope.name('n1');
  const n2 = scope.name('n2');
  const n3 = scope.name('n3');
  const n4 = scope.name('n4');
  const [s0, s1, s2, s3] = [scope.subnet(0), scope.subnet(1), scope.subnet(2), scope.subnet(3)];
  let c1: string;
  let c2: string;
  let c3: string;
  let unmanaged: string;

  beforeAll(async () => {
    c1 = await scope.createContainer('c1');
    c2 = await scope.createContainer('c2', { start: false });
    c3 = await scope.createContainer('c3');
    unmanaged = await scope.createNetwork('unmanaged', ['--subnet', scope.subnet(7).v4]);
  });

  it('refuses without a terminal and without --auto-approve, and changes nothing', async () => {
    const file = await writeSpec({ networks: { [n1]: { subnet: s0.v4 } } });
    const result = await runCli(['apply', '-f', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no terminal/);
    expect(result.stderr).toMatch(/--auto-approve/);
    expect(await networkExists(n1)).toBe(false);
  });

  it('creates networks and connects running and stopped containers with their settings', async () => {
    const file = await writeSpec({
      networks: {
        [n1]: { subnet: s0.v4, labels: { team: 'a' } },
        [n2]: { subnet: s1.v4 },
        [n3]: { subnet: s2.v4 },
      },
      containers: {
        [c1]: {
          networks: { [n1]: { aliases: ['one', 'uno'], ipv4_address: `${s0.v4Prefix}.10` }, [n2]: {} },
        },
        [c2]: { networks: { [n1]: { aliases: ['two'], ipv4_address: `${s0.v4Prefix}.20` } } },
        [c3]: { networks: [n3] },
      },
    });
    const result = await runCli(['apply', '-f', file, '--auto-approve', '--json']);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as {
      status: string;
      execution: { actions: { kind: string; status: string }[] };
    };
    expect(json.status).toBe('applied');
    expect(json.execution.actions.map((a) => `${a.kind}:${a.status}`).sort()).toEqual([
      'connect:done',
      'connect:done',
      'connect:done',
      'connect:done',
      'create:done',
      'create:done',
      'create:done',
    ]);

    const net1 = await dockerInspect<NetworkInspect>('network', n1);
    expect(net1.Labels).toMatchObject({
      'io.netform.managed': 'true',
      'io.netform.project': project,
      team: 'a',
    });
    expect(net1.IPAM.Config?.map((c) => c.Subnet)).toEqual([s0.v4]);

    const e1 = await endpoints(c1);
    expect(e1[n1]?.Aliases).toEqual(expect.arrayContaining(['one', 'uno']));
    expect(e1[n1]?.IPAMConfig?.IPv4Address).toBe(`${s0.v4Prefix}.10`);
    expect(e1[n2]).toBeDefined();
    const e2 = await endpoints(c2);
    expect(e2[n1]?.Aliases).toContain('two');
    expect(e2[n1]?.IPAMConfig?.IPv4Address).toBe(`${s0.v4Prefix}.20`);
    expect((await endpoints(c3))[n3]).toBeDefined();

    const again = await runCli(['apply', '-f', file, '--auto-approve']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
  });

  it('carries out create, remove, connect, disconnect and reconnect in one apply, then verifies', async () => {
    const file = await writeSpec({
      networks: {
        [n1]: { subnet: s0.v4, labels: { team: 'a' } },
        [n2]: { subnet: s1.v4 },
        [n4]: { subnet: s3.v4 },
      },
      containers: {
        // reconnect (aliases and address change), disconnect from n2
        [c1]: { networks: { [n1]: { aliases: ['one'], ipv4_address: `${s0.v4Prefix}.11` } } },
        // stopped: connect to n2 and n4
        [c2]: {
          networks: {
            [n1]: { aliases: ['two'], ipv4_address: `${s0.v4Prefix}.20` },
            [n2]: {},
            [n4]: { aliases: ['x'] },
          },
        },
        // c3 is on n3, which goes away (disconnected, then removed)
      },
    });
    const result = await runCli(['apply', '-f', file, '--auto-approve']);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Verified: the engine matches the spec/);
    for (const kind of ['create network', 'remove network', 'reconnect', 'disconnect', 'connect']) {
      expect(result.stdout).toContain(kind);
    }

    expect(await networkExists(n3)).toBe(false);
    expect(await networkExists(n4)).toBe(true);
    expect(await networkExists(unmanaged)).toBe(true);
    const e1 = await endpoints(c1);
    expect(Object.keys(e1)).not.toContain(n2);
    expect(e1[n1]?.Aliases).toContain('one');
    expect(e1[n1]?.Aliases).not.toContain('uno');
    expect(e1[n1]?.IPAMConfig?.IPv4Address).toBe(`${s0.v4Prefix}.11`);
    const e2 = await endpoints(c2);
    expect(
      Object.keys(e2)
        .filter((n) => n.startsWith(scope.prefix))
        .sort(),
    ).toEqual([n1, n2, n4].sort());
    expect(e2[n4]?.Aliases).toContain('x');
    expect(Object.keys(await endpoints(c3))).not.toContain(n3);

    const plan = await runCli(['plan', '-f', file, '--detailed-exitcode']);
    expect(plan.code).toBe(0);
  });

  it('shows a plan with errors and changes nothing', async () => {
    const file = await writeSpec({
      networks: {
        [n1]: { subnet: s0.v4, labels: { team: 'a' } },
        [unmanaged]: { subnet: scope.subnet(6).v4 },
      },
    });
    const result = await runCli(['apply', '-f', file, '--auto-approve']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/nothing was changed/);
    expect(await networkExists(n2)).toBe(true);
    expect(await networkExists(unmanaged)).toBe(true);
  });
});

/**
 * Every way out of a session releases the lock (docs/apply.md, "Stopping"): a SIGTERM or SIGINT
 * while the confirmation prompt waits (on a pty from util-linux's `script`), and one after the
 * lock is taken but before execution starts (the engine's network lists delayed by the fault
 * proxy, so that moment lasts seconds). Each used to kill the process with the lock left behind.
 */
describe('a signal before execution', () => {
  const sigProject = scope.name('sig');
  const net = scope.name('sig-net');
  let proxy: FaultProxy;
  let spec: string;
  const lease = async (): Promise<string> =>
    (await docker(['network', 'ls', '-q', '--filter', `label=io.netform.lock=${sigProject}`])).stdout.trim();

  beforeAll(async () => {
    spec = join(dir, 'signals.yaml');
    await writeFile(
      spec,
      stringify({ version: 1, project: sigProject, networks: { [net]: { subnet: scope.subnet(4).v4 } } }),
    );
    proxy = await FaultProxy.start();
  });
  afterAll(async () => {
    await proxy.close();
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)(
    '%s at the confirmation prompt ends the run with the lock released',
    async (signal, exitCode) => {
      // `exec` so the pty's child is node itself, the process the signal is meant for.
      const command = `exec ${process.execPath} ${CLI_BIN} apply -f ${spec}`;
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      });
      let output = '';
      const prompted = new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('[y/N]')) resolve();
        });
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      await prompted;
      expect(await lease()).not.toBe('');
      const node = (await run('pgrep', ['-P', String(child.pid)])).stdout.trim();
      expect(node).toMatch(/^\d+$/);
      process.kill(Number(node), signal);
      expect(await exited, output).toBe(exitCode);
      expect(output).toContain('apply interrupted before it started; nothing was changed');
      expect(await lease()).toBe('');
      expect(await networkExists(net)).toBe(false);
    },
  );

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)(
    '%s after the lock is taken and before execution releases the lock',
    async (signal, exitCode) => {
      proxy.clearRules();
      proxy.addRule({ method: 'GET', path: /^\/networks$/, action: 'delay', delayMs: 1500, times: Infinity });
      const child = spawn(
        process.execPath,
        [CLI_BIN, 'apply', '-f', spec, '--auto-approve', '--log-level', 'info'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, NO_COLOR: '1', DOCKER_HOST: proxy.dockerHost },
        },
      );
      let stderr = '';
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.stderr.on('data', (chunk: Buffer) => {
        const before = stderr;
        stderr += chunk.toString();
        if (!before.includes('lock acquired') && stderr.includes('lock acquired')) child.kill(signal);
      });
      expect(await exited, stderr).toBe(exitCode);
      proxy.clearRules();
      expect(stderr).toMatch(/Stopping: nothing was sent to the engine; releasing the lock/);
      expect(stderr).toMatch(/interrupted before (planning|it started); nothing was changed/);
      expect(await lease()).toBe('');
      expect(await networkExists(net)).toBe(false);
    },
  );
});
