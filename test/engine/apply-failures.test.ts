import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { BLOCKS } from '../support/blocks.js';
import { runCli, signalBundleWhen } from '../support/cli.js';
import { docker, dockerInspect, dockerOk, EngineScope } from '../support/engine.js';
import type { ContainerInspect } from '../support/inspect.js';

interface ApplyJson {
  status: string;
  execution: { actions: { description: string; status: string; error?: string }[] };
}

const scope = new EngineScope(inject('runId'), BLOCKS.applyFailures);
const project = scope.name('p');
let dir: string;

async function writeSpec(spec: object, name = 'netform.yaml'): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, stringify({ version: 1, project, ...spec }));
  return file;
}

async function networkExists(name: string): Promise<boolean> {
  return (await docker(['network', 'inspect', name])).code === 0;
}

async function networksOf(
  container: string,
): Promise<Record<string, { IPAMConfig: { IPv4Address?: string } | null }>> {
  return (await dockerInspect<ContainerInspect>('container', container)).NetworkSettings.Networks;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netform-apply-failures-'));
});

afterAll(async () => {
  await scope.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('applyFailures', () => {
  const n1 = scope.name('n1');
  const n2 = scope.name('n2');
  const gone = scope.name('gone');
  const s = scope.subnet(0);
  let c1: string;
  let c2: string;
  let c4: string;
  let isolated: string;

  beforeAll(async () => {
    c1 = await scope.createContainer('c1');
    c2 = await scope.createContainer('c2');
    c4 = await scope.createContainer('c4', { start: false });
    // Listed below with a static IPv6 address on an external IPv4-only network: the engine
    // refuses the connect, which the plan does not foresee (an external network's addressing is
    // not the spec's). A container in another's network namespace, used here before, is an NF210
    // plan error now that the container list's HostConfig.NetworkMode is read.
    isolated = await scope.createContainer('a-v6');
  });

  it('applies a saved plan, and refuses a stale one saying what changed', async () => {
    const spec = await writeSpec({
      networks: { [n1]: { subnet: s.v4 }, [gone]: { subnet: scope.subnet(1).v4 } },
      containers: { [c4]: { networks: [n1] } },
    });
    const planfile = join(dir, 'first.plan');
    const made = await runCli(['plan', '-f', spec, '--out', planfile]);
    expect(made.code, made.stderr).toBe(0);
    const applied = await runCli(['apply', planfile, '--auto-approve']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/Verified/);
    expect(await networkExists(n1)).toBe(true);

    const next = await writeSpec({
      networks: {
        [n1]: { subnet: s.v4 },
        [n2]: { subnet: scope.subnet(2).v4 },
        [gone]: { subnet: scope.subnet(1).v4 },
      },
      containers: { [c4]: { networks: [n1] } },
    });
    const stalefile = join(dir, 'stale.plan');
    expect((await runCli(['plan', '-f', next, '--out', stalefile])).code).toBe(0);
    // Someone creates the network by hand between plan and apply.
    await scope.createNetwork('n2', ['--subnet', scope.subnet(2).v4]);
    const stale = await runCli(['apply', stalefile, '--auto-approve']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/is stale/);
    expect(stale.stderr).toContain(`network ${n2} now exists`);
    expect(stale.stderr).toMatch(/nothing was applied/);
    await dockerOk(['network', 'rm', n2]);

    // Applying the first plan again: the engine is where it left it, but the plan was made before.
    const replay = await runCli(['apply', planfile, '--auto-approve']);
    expect(replay.code).toBe(1);
    expect(replay.stderr).toMatch(/is stale/);
    expect(replay.stderr).toContain(`network ${n1} now exists`);
  });

  it('rejects a tampered, truncated, foreign or future plan file', async () => {
    const spec = await writeSpec({
      networks: { [n1]: { subnet: s.v4 } },
      containers: { [c1]: { networks: [n1] } },
    });
    const planfile = join(dir, 'good.plan');
    expect((await runCli(['plan', '-f', spec, '--out', planfile])).code).toBe(0);
    const text = await readFile(planfile, 'utf8');

    const cases: [string, string, RegExp][] = [
      ['tampered', text.replace(c1, c2), /has been changed since netform wrote it/],
      ['truncated', text.slice(0, Math.floor(text.length / 2)), /not valid JSON.*truncated/],
      ['foreign', JSON.stringify({ hello: 'world' }), /is not a netform plan/],
      ['future', text.replace('"formatVersion": 1', '"formatVersion": 99'), /format version 99/],
    ];
    for (const [name, content, message] of cases) {
      const file = join(dir, `${name}.plan`);
      await writeFile(file, content);
      const result = await runCli(['apply', file, '--auto-approve']);
      expect(result.code, name).toBe(1);
      expect(result.stderr, name).toMatch(message);
      expect(result.stderr, name).not.toMatch(/internal error|\n\s+at /);
    }
    expect(Object.keys(await networksOf(c1))).not.toContain(n1);
    const both = await runCli(['apply', planfile, '-f', spec, '--auto-approve']);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/do not go with PLANFILE/);
  });

  it('stops at a failure: in-flight work finishes, nothing new starts, and the report says what was done, failed and not attempted', async () => {
    // `gone` is managed and will be dropped (remove phase); c4 is on n1 and will be dropped
    // (disconnect phase); the isolated container cannot be connected (connect phase fails). The
    // external network sorts before n1, so its connect is the first of the phase.
    const external = await scope.createNetwork('a-ext', ['--subnet', scope.subnet(2).v4]);
    const spec = await writeSpec({
      networks: { [n1]: { subnet: s.v4 }, [external]: { external: true } },
      containers: {
        [isolated]: { networks: { [external]: { ipv6_address: scope.subnet(2).v6.replace('/64', '5') } } },
        [c2]: { networks: [n1] },
        [c4]: { networks: {} },
      },
    });
    const result = await runCli(['apply', '-f', spec, '--auto-approve', '--parallelism', '1']);
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    const line = (status: string, description: string) =>
      lines.find((l) => l.includes(status) && l.includes(description));
    expect(line('done', `disconnect ${c4} from ${n1}`), result.stdout + result.stderr).toBeDefined();
    expect(line('FAILED', `connect ${isolated} to ${external}`)).toMatch(/user configured subnets/);
    expect(line('not attempted', `connect ${c2} to ${n1}`)).toBeDefined();
    expect(line('not attempted', `remove network ${gone}`)).toBeDefined();
    expect(result.stdout).toMatch(/Apply failed: 1 done, 1 failed, 2 not attempted/);
    expect(Object.keys(await networksOf(c4))).not.toContain(n1);
    expect(Object.keys(await networksOf(c2))).not.toContain(n1);
    expect(await networkExists(gone)).toBe(true);

    const json = await runCli(['apply', '-f', spec, '--auto-approve', '--parallelism', '1', '--json']);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as ApplyJson;
    expect(parsed.status).toBe('failed');
    expect(parsed.execution.actions.map((a) => a.status)).toEqual([
      'failed',
      'not-attempted',
      'not-attempted',
    ]);
    expect(parsed.execution.actions[0]?.error).toMatch(/user configured subnets/);

    // The fix: leave it out of the spec.
    const fixedSpec = await writeSpec({
      networks: { [n1]: { subnet: s.v4 } },
      containers: { [c2]: { networks: [n1] }, [c4]: { networks: {} } },
    });
    const fixed = await runCli(['apply', '-f', fixedSpec, '--auto-approve']);
    expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
    expect(fixed.stdout).toMatch(/Verified/);
    expect(Object.keys(await networksOf(isolated))).not.toContain(external);
    expect(Object.keys(await networksOf(c2))).toContain(n1);
    expect(await networkExists(gone)).toBe(false);
    // Its subnet is the next test's.
    await dockerOk(['network', 'rm', external]);
  });

  it('stops cleanly on SIGINT: in-flight work finishes, the rest is reported not attempted, the lock is released', async () => {
    const nets = [1, 2].map((i) => ({ name: scope.name(`i${i}`), subnet: scope.subnet(i).v4 }));
    const members: string[] = [];
    for (let i = 0; i < 5; i++) members.push(await scope.createContainer(`i${i}`, { start: false }));
    const spec = await writeSpec(
      {
        networks: Object.fromEntries(nets.map((n) => [n.name, { subnet: n.subnet }])),
        containers: Object.fromEntries(members.map((c) => [c, { networks: nets.map((n) => n.name) }])),
      },
      'interrupt.yaml',
    );
    // One request at a time, so that connects are still to come when the signal arrives: at the
    // default (16 connects at a time) the ten connects of never-started containers can all end
    // before it does. What stops them does not depend on the parallelism (execute.ts).
    const {
      code,
      stdout,
      stderr: log,
    } = await signalBundleWhen(
      ['apply', '-f', spec, '--auto-approve', '--log-level', 'info', '--parallelism', '1'],
      (sofar) => /"operation":"connect".*"msg":"done"/.test(sofar),
      ['SIGINT'],
    );
    expect(code).toBe(1);
    expect(stdout, log).toMatch(/Apply interrupted: \d+ done, \d+ not attempted/);
    expect(stdout).toMatch(/not attempted\s+connect/);
    expect(log).toMatch(/Stopping: operations in flight finish/);
    expect(
      (await dockerOk(['network', 'ls', '-q', '--filter', `label=io.netform.lock=${project}`])).trim(),
    ).toBe('');
    const again = await runCli(['apply', '-f', spec, '--auto-approve']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Verified/);
  });

  it('converges when run again after an apply killed half-way through many operations', async () => {
    const nets = [3, 4, 5, 6, 7].map((i) => ({ name: scope.name(`k${i}`), subnet: scope.subnet(i).v4 }));
    const containers: string[] = [];
    for (let i = 0; i < 6; i++) containers.push(await scope.createContainer(`k${i}`, { start: i % 2 === 0 }));
    const spec = await writeSpec({
      networks: Object.fromEntries(nets.map((n) => [n.name, { subnet: n.subnet }])),
      containers: Object.fromEntries(
        containers.map((c, i) => [
          c,
          { networks: Object.fromEntries(nets.map((n) => [n.name, { aliases: [`a${i}`] }])) },
        ]),
      ),
    });
    // Killed once a few connects are done: creates finished, most connects not yet.
    await signalBundleWhen(
      ['apply', '-f', spec, '--auto-approve', '--log-level', 'info'],
      (log) => (log.match(/"operation":"connect".*"msg":"done"/g) ?? []).length >= 5,
      ['SIGKILL'],
    );
    const attached = async () =>
      (await Promise.all(containers.map(networksOf))).reduce(
        (sum, eps) => sum + nets.filter((n) => n.name in eps).length,
        0,
      );
    const before = await attached();
    expect(before).toBeGreaterThanOrEqual(5);
    expect(before).toBeLessThan(30);

    const held = await runCli(['apply', '-f', spec, '--auto-approve']);
    expect(held.code).toBe(1);
    expect(held.stderr).toMatch(/is held/);
    expect((await runCli(['unlock', '--project', project, '--auto-approve'])).code).toBe(0);
    const again = await runCli(['apply', '-f', spec, '--auto-approve']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Verified/);
    expect(await attached()).toBe(30);
    expect((await runCli(['plan', '-f', spec, '--detailed-exitcode'])).code).toBe(0);
  });
});
