import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { stringify } from 'yaml';
import { resolveEngineAddress } from '../../src/docker/address.js';
import { SHARED_BLOCKS } from '../support/blocks.js';
import { docker, dockerInspect, dockerOk, EngineScope } from '../support/engine.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { ensureTestImageOn, firstEngineHost, secondEngineHost } from '../support/fleet.js';
import type { ContainerInspect, NetworkInspect } from '../support/inspect.js';
import { eventually, watchSubnet, WatchProcess } from './watch-harness.js';

/**
 * `netform watch` on a spec with `engines:` (docs/watch.md, "Several engines"), against two real
 * engines: DOCKER_HOST's (`a`) and NETFORM_TEST_SECOND_DOCKER_HOST's (`b`), the second reached
 * through a fault proxy so that the test can cut watch's link to it. Every repair is read back
 * with `docker inspect` on the engine it was made on.
 */
const hostA = firstEngineHost();
const hostB = secondEngineHost();
const scopeA = new EngineScope(inject('runId'), SHARED_BLOCKS.watchEngines);
const scopeB = new EngineScope(inject('runId'), SHARED_BLOCKS.watchEngines, { host: hostB });
const project = scopeA.name('wfleet');
const shared = scopeA.name('w-shared');
const bOnly = scopeA.name('w-b-only');
const appA = scopeA.name('w-app-a');
const appB = scopeB.name('w-app-b');
const sharedSubnet = watchSubnet(5);
const bSubnet = watchSubnet(7);
let dir: string;
let file: string;
let proxy: FaultProxy;
let watch: WatchProcess | undefined;

async function writeSpec(spec: unknown): Promise<void> {
  await writeFile(`${file}.tmp`, stringify(spec));
  await rename(`${file}.tmp`, file);
}

/** The user's aliases of `container` on `network` of the engine at `host`; undefined when not attached. */
async function aliases(container: string, network: string, host: string): Promise<string[] | undefined> {
  const inspect = await dockerInspect<ContainerInspect>('container', container, host);
  const endpoint = inspect.NetworkSettings.Networks[network];
  return endpoint ? (endpoint.Aliases ?? []).filter((a) => !inspect.Id.startsWith(a)).sort() : undefined;
}

/** Each engine as the spec says: a's app on the shared network; b's app on both of b's networks. */
async function converged(): Promise<boolean> {
  const same = (a: string[] | undefined, b: string[]) => JSON.stringify(a) === JSON.stringify(b);
  return (
    same(await aliases(appA, shared, hostA), ['edge']) &&
    same(await aliases(appB, shared, hostB), ['edge']) &&
    same(await aliases(appB, bOnly, hostB), ['store']) &&
    (await docker(['network', 'inspect', bOnly], hostA)).code !== 0
  );
}

async function leases(host: string): Promise<string[]> {
  return (await dockerOk(['network', 'ls', '-q', '--filter', `label=io.netform.lock=${project}`], host))
    .split('\n')
    .filter(Boolean);
}

beforeAll(async () => {
  await ensureTestImageOn(hostB);
  dir = await mkdtemp(join(tmpdir(), 'netform-watch-engines-'));
  file = join(dir, 'netform.yaml');
  await scopeA.createContainer('w-app-a');
  await scopeB.createContainer('w-app-b');
  // Engine b is reached through the proxy: it forwards everything until the test cuts it.
  proxy = await FaultProxy.start(resolveEngineAddress(hostB, {}));
  await writeSpec({
    version: 1,
    project,
    engines: { a: { host: hostA }, b: { host: proxy.dockerHost } },
    networks: {
      [shared]: { subnet: sharedSubnet.v4 },
      [bOnly]: { subnet: bSubnet.v4, engines: ['b'] },
    },
    containers: {
      [appA]: { engines: ['a'], networks: { [shared]: { aliases: ['edge'] } } },
      [appB]: {
        engines: ['b'],
        networks: { [shared]: { aliases: ['edge'] }, [bOnly]: { aliases: ['store'] } },
      },
    },
  });
}, 300_000);

afterAll(async () => {
  const code = await watch?.stop();
  watch?.kill();
  await proxy?.close();
  for (const host of [hostA, hostB]) {
    const ids = await leases(host).catch(() => []);
    if (ids.length > 0) await docker(['network', 'rm', ...ids], host);
  }
  await scopeA.cleanup();
  await scopeB.cleanup();
  await rm(dir, { recursive: true, force: true });
  expect(code ?? 0).toBe(0);
}, 180_000);

describe('netform watch on a spec with engines:, against two engines', () => {
  const changed = async (): Promise<number> =>
    (await watch!.metric('netform_reconcile_total', { project, result: 'changed' })) ?? 0;

  it('follows both engines, reconciles each to its part of the spec, and reports per engine', async () => {
    // A spec with engines: reaches each engine as its entry says (b only through the proxy);
    // DOCKER_HOST is for the single-engine form the spec switches to below.
    watch = await WatchProcess.start(['-f', file, '--interval', '1h', '--debounce', '200ms'], {
      cwd: dir,
      env: { DOCKER_HOST: hostA },
    });
    onTestFailed(() => {
      console.error(`netform watch logs:\n${watch?.logs.map((l) => JSON.stringify(l)).join('\n')}`);
    });
    await watch.waitReady();
    await eventually('both engines to match the spec', converged);
    const onA = await dockerInspect<NetworkInspect>('network', shared, hostA);
    const onB = await dockerInspect<NetworkInspect>('network', shared, hostB);
    for (const network of [onA, onB]) {
      expect(network.Labels).toMatchObject({ 'io.netform.managed': 'true', 'io.netform.project': project });
      expect(network.IPAM.Config?.[0]?.Subnet).toBe(sharedSubnet.v4);
    }
    expect(await watch.metric('netform_engine_up', { engine: 'a' })).toBe(1);
    expect(await watch.metric('netform_engine_up', { engine: 'b' })).toBe(1);
    // The follow-up reconcile (its own apply's events) finds nothing left on either engine.
    await eventually('no drift on either engine', async () => {
      const a = await watch!.metric('netform_drift_actions', { project, engine: 'a' });
      const b = await watch!.metric('netform_drift_actions', { project, engine: 'b' });
      return a === 0 && b === 0;
    });
    const plan = await watch.get('/plan');
    expect(plan.status).toBe(200);
    const json = JSON.parse(plan.text) as { format: string; project: string; engines: { engine: string }[] };
    expect(json.format).toBe('netform-fleet-plan');
    expect(json.project).toBe(project);
    expect(json.engines.map((e) => e.engine)).toEqual(['a', 'b']);
    expect(await leases(hostA)).toEqual([]);
    expect(await leases(hostB)).toEqual([]);
  });

  it("repairs a container disconnected by hand on the second engine, from that engine's events", async () => {
    const before = await changed();
    await dockerOk(['network', 'disconnect', bOnly, appB], hostB);
    await eventually('b to be repaired', async () => (await changed()) > before && (await converged()));
  });

  it('creates a network removed on the second engine again, and reattaches its container', async () => {
    const before = await changed();
    const old = (await dockerInspect<NetworkInspect>('network', shared, hostB)).Id;
    // The watch may reconnect the app between the two commands (the network is then in use): again.
    await eventually('the network to be removed by hand on b', async () => {
      await docker(['network', 'disconnect', '-f', shared, appB], hostB);
      return (await docker(['network', 'rm', shared], hostB)).code === 0;
    });
    await eventually('b to be repaired', async () => (await changed()) > before && (await converged()));
    expect((await dockerInspect<NetworkInspect>('network', shared, hostB)).Id).not.toBe(old);
    // Engine a's network was left alone.
    expect((await dockerInspect<NetworkInspect>('network', shared, hostA)).Labels).toMatchObject({
      'io.netform.project': project,
    });
  });

  it('an engine whose link breaks: engine_up 0 and not ready, then followed again and resynced', async () => {
    const following = () =>
      watch!.logs.filter((l) => l.msg === 'engine answers; following its events' && l.engine === 'b').length;
    const followedBefore = following();
    // Every request to b is dropped from now on, and the open ones (its event stream) are broken.
    proxy.addRule({ path: /.*/, action: 'drop', times: Infinity });
    proxy.disconnectAll();
    await eventually(
      'engine b to be down',
      async () => (await watch!.metric('netform_engine_up', { engine: 'b' })) === 0,
    );
    const ready = await watch!.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.text).toContain('the engine b does not answer');
    expect(await watch!.metric('netform_engine_up', { engine: 'a' })).toBe(1);

    // Drift on b while watch cannot see it: only the resync after b answers again can repair it
    // (the interval is an hour).
    const before = await changed();
    await dockerOk(['network', 'disconnect', bOnly, appB], hostB);
    proxy.clearRules();
    await eventually(
      'engine b to be up again',
      async () => (await watch!.metric('netform_engine_up', { engine: 'b' })) === 1,
    );
    await eventually('the resync to repair b', async () => (await changed()) > before && (await converged()));
    expect(following()).toBeGreaterThan(followedBefore);
    await watch!.waitReady();
  });

  it('follows a spec file that switches to the single-engine form: DOCKER_HOST engine only', async () => {
    const single = resolveEngineAddress(hostA, {}).display;
    const extra = scopeA.name('w-extra');
    await writeSpec({
      version: 1,
      project,
      networks: { [shared]: { subnet: sharedSubnet.v4 }, [extra]: { subnet: bSubnet.v4 } },
      containers: { [appA]: { networks: { [shared]: { aliases: ['edge'] }, [extra]: { aliases: ['x'] } } } },
    });
    await eventually('the new spec applied on a', async () => {
      const x = await aliases(appA, extra, hostA).catch(() => undefined);
      return JSON.stringify(x) === JSON.stringify(['x']);
    });
    await eventually('the engine series to be the single engine one', async () => {
      const up = (await watch!.metrics()).find((f) => f.name === 'netform_engine_up');
      return (
        JSON.stringify(up?.metrics.map((m) => [m.labels?.engine, m.value])) ===
        JSON.stringify([[single, '1']])
      );
    });
    expect(await watch!.metric('netform_spec_valid')).toBe(1);
    // Engine b is no longer the spec's: left as it was, not emptied.
    expect(await aliases(appB, bOnly, hostB)).toEqual(['store']);
    // The reconcile that connected it ends with its verification: then /plan is that engine's plan.
    await eventually('the single engine plan on /plan, with no drift left', async () => {
      const plan = JSON.parse((await watch!.get('/plan')).text) as { format?: string; actions?: unknown[] };
      return plan.format !== 'netform-fleet-plan' && plan.actions?.length === 0;
    });
    expect(await watch!.metric('netform_drift_actions', { project, engine: 'b' })).toBeUndefined();
  });

  it('stops on SIGTERM with exit 0, leaving no lock on either engine', async () => {
    expect(await watch!.stop()).toBe(0);
    expect(await leases(hostA)).toEqual([]);
    expect(await leases(hostB)).toEqual([]);
  });
});
