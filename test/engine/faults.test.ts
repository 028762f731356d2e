import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { BLOCKS } from '../support/blocks.js';
import { runCli } from '../support/cli.js';
import { docker, dockerInspect, dockerOk, EngineScope } from '../support/engine.js';
import { FaultProxy, type ProxiedRequest } from '../support/fault-proxy.js';
import type { ContainerInspect } from '../support/inspect.js';

const scope = new EngineScope(inject('runId'), BLOCKS.faults);
const project = scope.name('p');
let dir: string;
let proxy: FaultProxy;

async function writeSpec(spec: object): Promise<string> {
  const file = join(dir, 'netform.yaml');
  await writeFile(file, stringify({ version: 1, project, ...spec }));
  return file;
}

function viaProxy(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(args, { env: { DOCKER_HOST: proxy.dockerHost, ...env } });
}

async function networksOf(container: string): Promise<ContainerInspect['NetworkSettings']['Networks']> {
  return (await dockerInspect<ContainerInspect>('container', container)).NetworkSettings.Networks;
}

/** `network-id container-id` of each connect or disconnect that reached the engine. */
function endpointCalls(kind: 'connect' | 'disconnect'): string[] {
  return proxy
    .forwarded('POST', new RegExp(`^/networks/[^/]+/${kind}$`))
    .map(
      (r: ProxiedRequest) =>
        `${r.path.split('/')[2]} ${(JSON.parse(r.body) as { Container: string }).Container}`,
    );
}

/** Network names whose create reached the engine (the lock lease's included). */
function createCalls(): string[] {
  return proxy
    .forwarded('POST', /^\/networks\/create$/)
    .map((r) => (JSON.parse(r.body) as { Name: string }).Name);
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const duplicates = (list: string[]) => list.filter((item, i) => list.indexOf(item) !== i);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netform-faults-'));
  proxy = await FaultProxy.start();
});

beforeEach(() => {
  proxy.clearRules();
  proxy.requests.length = 0;
});

afterAll(async () => {
  await proxy.close();
  await scope.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('faults', () => {
  const a = scope.name('a');
  const b = scope.name('b');
  const [sa, sb] = [scope.subnet(0), scope.subnet(1)];
  let containers: string[];
  let aLabels: Record<string, string> = {};

  beforeAll(async () => {
    containers = [
      await scope.createContainer('c0'),
      await scope.createContainer('c1', { start: false }),
      await scope.createContainer('c2'),
    ];
  });

  const everyoneOn = (nets: string[], extra: object = {}) =>
    writeSpec({
      networks: { [a]: { subnet: sa.v4, labels: aLabels }, [b]: { subnet: sb.v4 }, ...extra },
      containers: Object.fromEntries(
        containers.map((c, i) => [
          c,
          { networks: Object.fromEntries(nets.map((n) => [n, { aliases: [`x${i}`] }])) },
        ]),
      ),
    });

  it('a 500 on one connect: the report is right, nothing else starts, and the next apply completes without doing anything twice', async () => {
    const spec = await everyoneOn([a, b]);
    proxy.addRule({ method: 'POST', path: /^\/networks\/[^/]+\/connect$/, action: 'error500', after: 1 });
    const failed = await viaProxy(['apply', '-f', spec, '--auto-approve', '--parallelism', '1', '--json']);
    expect(failed.code).toBe(1);
    const report = JSON.parse(failed.stdout) as {
      execution: { actions: { kind: string; status: string; error?: string }[] };
    };
    const statuses = report.execution.actions.map((x) => `${x.kind}:${x.status}`);
    expect(statuses).toEqual([
      'create:done',
      'create:done',
      'connect:done',
      'connect:failed',
      'connect:not-attempted',
      'connect:not-attempted',
      'connect:not-attempted',
      'connect:not-attempted',
    ]);
    expect(report.execution.actions[3]?.error).toMatch(/fault-proxy: injected failure/);
    expect(endpointCalls('connect')).toHaveLength(1);

    proxy.clearRules();
    const again = await viaProxy(['apply', '-f', spec, '--auto-approve']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Verified/);
    const connects = endpointCalls('connect');
    expect(connects).toHaveLength(6);
    expect(duplicates(connects)).toEqual([]);
    // Each run makes its own lock lease under the same name: only the project's networks count.
    expect(duplicates(createCalls().filter((n) => !n.startsWith('netform-lock-')))).toEqual([]);
    expect(createCalls().filter((n) => n === a || n === b)).toHaveLength(2);
    for (const c of containers)
      expect(Object.keys(await networksOf(c))).toEqual(expect.arrayContaining([a, b]));
  });

  it('an answer lost after the engine acted: reported failed, and the next apply does not do it again', async () => {
    const extra = scope.name('extra');
    const spec = await everyoneOn([a, b], { [extra]: { subnet: scope.subnet(2).v4 } });
    // The first create after the lock lease reaches the engine, but its answer never comes back.
    proxy.addRule({ method: 'POST', path: /^\/networks\/create$/, action: 'drop-after', after: 1 });
    const failed = await viaProxy(['apply', '-f', spec, '--auto-approve']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(
      new RegExp(`FAILED\\s+create network ${extra}: .*(socket hang up|ECONNRESET|reset)`, 'i'),
    );
    expect((await docker(['network', 'inspect', extra])).code).toBe(0); // the engine did create it
    expect(failed.stderr).not.toMatch(/could not release the lock/);

    proxy.clearRules();
    proxy.requests.length = 0;
    const again = await viaProxy(['apply', '-f', spec, '--auto-approve']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(createCalls().filter((n) => n === extra)).toEqual([]);
  });

  it('a dropped disconnect: reported, then done exactly once by the next apply', async () => {
    const spec = await everyoneOn([a]);
    proxy.addRule({ method: 'POST', path: /^\/networks\/[^/]+\/disconnect$/, action: 'drop' });
    const failed = await viaProxy(['apply', '-f', spec, '--auto-approve', '--parallelism', '1']);
    expect(failed.code).toBe(1);
    expect(failed.stdout, failed.stderr).toMatch(/FAILED\s+disconnect/);
    expect(failed.stdout).toMatch(/not attempted\s+disconnect/);
    expect(endpointCalls('disconnect')).toEqual([]);

    proxy.clearRules();
    const again = await viaProxy(['apply', '-f', spec, '--auto-approve']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const disconnects = endpointCalls('disconnect');
    expect(disconnects).toHaveLength(3);
    expect(duplicates(disconnects)).toEqual([]);
    for (const c of containers) expect(Object.keys(await networksOf(c))).not.toContain(b);
  });

  it('a 500 on the create inside a replace: rolled back, every endpoint restored', async () => {
    aLabels = { gen: '2' };
    const spec = await everyoneOn([a]);
    const before = await Promise.all(containers.map(networksOf));
    proxy.addRule({ method: 'POST', path: /^\/networks\/create$/, action: 'error500', after: 2 }); // after the lock lease and the replace's restore point
    const failed = await viaProxy(['apply', '-f', spec, '--auto-approve']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(
      new RegExp(`ROLLED BACK\\s+replace network ${a}: .*fault-proxy: injected failure`),
    );
    expect(createCalls().filter((n) => n === a)).toHaveLength(1); // the rollback's create of the old network
    const after = await Promise.all(containers.map(networksOf));
    for (const [i, c] of containers.entries()) {
      expect(after[i]?.[a]?.Aliases, c).toEqual(expect.arrayContaining([`x${i}`]));
      expect(Object.keys(after[i] ?? {}).sort(), c).toEqual(Object.keys(before[i] ?? {}).sort());
    }
    const labels = (await dockerInspect<{ Labels: Record<string, string> }>('network', a)).Labels;
    expect(labels.gen).toBeUndefined();

    proxy.clearRules();
    const again = await viaProxy(['apply', '-f', spec, '--auto-approve']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });

  it('a request slower than the timeout is one clear error, not a hang, and the next apply converges', async () => {
    const spec = await everyoneOn([a, b]);
    proxy.addRule({ method: 'POST', path: /^\/networks\/[^/]+\/connect$/, action: 'delay', delayMs: 6000 });
    const failed = await viaProxy(['apply', '-f', spec, '--auto-approve', '--parallelism', '1'], {
      NETFORM_ENGINE_TIMEOUT: '3',
    });
    expect(failed.code).toBe(1);
    expect(failed.stdout, failed.stderr).toMatch(/FAILED\s+connect .*did not answer within 3 s/);
    expect(failed.stdout).toMatch(/not attempted/);
    // The delayed request still reaches the engine afterwards; the next apply must not repeat it.
    await waitFor(
      () => proxy.requests.some((r) => r.outcome === 'delay' && r.status !== undefined),
      'the delayed connect',
    );
    proxy.clearRules();
    const again = await viaProxy(['apply', '-f', spec, '--auto-approve']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(duplicates(endpointCalls('connect'))).toEqual([]);
  });

  it('a failed remove stops the phase: at most --parallelism removes are in flight, the rest are not attempted', async () => {
    const spares = [0, 1, 2, 3, 4, 5].map((i) => ({
      name: scope.name(`r${i}`),
      subnet: `${scope.subnet(7).v4Prefix}.${16 * i}/28`,
    }));
    // Each spare has endpoints, so removing it takes several requests: the test then tells apart
    // "at most N actions in flight" from "at most N requests in flight".
    const withSpares = await everyoneOn(
      [a, ...spares.map((r) => r.name)],
      Object.fromEntries(spares.map((r) => [r.name, { subnet: r.subnet }])),
    );
    const made = await viaProxy(['apply', '-f', withSpares, '--auto-approve']);
    expect(made.code, made.stdout + made.stderr).toBe(0);
    const spec = await everyoneOn([a]);
    proxy.requests.length = 0;
    proxy.addRule({ method: 'DELETE', path: /^\/networks\/[^/]+$/, action: 'error500' });
    const failed = await viaProxy(['apply', '-f', spec, '--auto-approve', '--parallelism', '2']);
    expect(failed.code).toBe(1);
    const lines = failed.stdout.split('\n');
    expect(lines.filter((l) => /FAILED\s+remove network/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /not attempted\s+remove network/.test(l)).length).toBeGreaterThanOrEqual(4);
    // Only the removes in flight reached the engine; the lock's release is the last DELETE.
    expect(proxy.forwarded('DELETE', /^\/networks\//).length).toBeLessThanOrEqual(2);

    proxy.clearRules();
    const again = await viaProxy(['apply', '-f', spec, '--auto-approve']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    for (const r of spares) expect((await docker(['network', 'inspect', r.name])).code).toBe(1);
  });

  it('a change made by someone else during the apply: executed cleanly, then reported not converged with what is left', async () => {
    const spec = await everyoneOn([a]);
    await dockerOk(['network', 'disconnect', b, containers[0]!]).catch(() => undefined);
    // Containers 1 and 2 are to be disconnected from b; while the first of those waits in the
    // proxy, container 0 is taken off a by hand.
    const on = async (c: string) => Object.keys(await networksOf(c));
    for (const c of containers.slice(1))
      if (!(await on(c)).includes(b)) await dockerOk(['network', 'connect', b, c]);
    proxy.addRule({
      method: 'POST',
      path: /^\/networks\/[^/]+\/disconnect$/,
      action: 'delay',
      delayMs: 3000,
    });
    const running = viaProxy(['apply', '-f', spec, '--auto-approve', '--parallelism', '1']);
    await waitFor(() => proxy.requests.some((r) => r.outcome === 'delay'), 'the delayed disconnect');
    await dockerOk(['network', 'disconnect', a, containers[0]!]);
    const result = await running;
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Apply complete/);
    expect(result.stdout).toMatch(/Not converged/);
    expect(result.stdout).toContain(`connect ${containers[0]} to ${a}`);

    proxy.clearRules();
    const again = await viaProxy(['apply', '-f', spec, '--auto-approve']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(await on(containers[0]!)).toContain(a);
  });

  it('an engine that stops answering mid-apply: one clear error, the lock left with a way out, then convergence', async () => {
    const spec = await everyoneOn([]);
    // Everything after the third disconnect hangs, the lock's release included.
    proxy.addRule({
      method: 'POST',
      path: /^\/networks\/[^/]+\/disconnect$/,
      action: 'hang',
      after: 1,
      times: Infinity,
    });
    proxy.addRule({ method: 'DELETE', path: /^\/networks\//, action: 'hang', times: Infinity });
    const failed = await viaProxy(['apply', '-f', spec, '--auto-approve', '--parallelism', '1'], {
      NETFORM_ENGINE_TIMEOUT: '3',
    });
    expect(failed.code).toBe(1);
    expect(failed.stdout, failed.stderr).toMatch(/FAILED\s+disconnect .*did not answer within 3 s/);
    expect(failed.stderr).toMatch(/could not release the lock/);
    expect(failed.stderr).toMatch(/netform unlock --project/);
    expect(failed.stderr).not.toMatch(/internal error/);

    proxy.clearRules();
    const held = await viaProxy(['apply', '-f', spec, '--auto-approve']);
    expect(held.code).toBe(1);
    expect(held.stderr).toMatch(/is held/);
    expect((await runCli(['unlock', '--project', project, '--auto-approve'])).code).toBe(0);
    const again = await viaProxy(['apply', '-f', spec, '--auto-approve']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    for (const c of containers) expect(Object.keys(await networksOf(c))).not.toContain(a);
  });
});
