import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { BLOCKS } from '../support/blocks.js';
import { runCli } from '../support/cli.js';
import { docker, dockerInspect, EngineScope } from '../support/engine.js';
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
