import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { connectDocker } from '../../src/docker/connect.js';
import { EngineError } from '../../src/model/errors.js';
import type { DockerPort, EngineEvent } from '../../src/model/port.js';
import { BLOCKS } from '../support/blocks.js';
import { runCli } from '../support/cli.js';
import { docker, dockerInspect, dockerOk, EngineScope } from '../support/engine.js';
import { FaultProxy } from '../support/fault-proxy.js';
import type { NetworkInspect } from '../support/inspect.js';
import { aliasesOf, endpointOf, eventually, leasesOf, watchSubnet, WatchProcess } from './watch-harness.js';

const scope = new EngineScope(inject('runId'), BLOCKS.watch);
let dir: string;
let proxy: FaultProxy | undefined;
const watches: WatchProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netform-watch-'));
});
afterAll(async () => {
  for (const w of watches) w.kill();
  await proxy?.close();
  await scope.cleanup();
  await rm(dir, { recursive: true, force: true });
});

/** Writes a spec file the way editors and git do: a new file renamed over the old one. */
async function writeSpec(file: string, spec: unknown): Promise<void> {
  await writeFile(`${file}.tmp`, typeof spec === 'string' ? spec : stringify(spec));
  await rename(`${file}.tmp`, file);
}

describe("the engine's event stream (DockerPort.events)", () => {
  const ports: DockerPort[] = [];
  afterAll(async () => {
    for (const port of ports) await port.close();
  });

  it('delivers the asked-for events as they happen, and ends cleanly when closed', async () => {
    const port = await connectDocker({ env: process.env });
    ports.push(port);
    const stream = await port.events!({ actions: { network: ['create', 'destroy'] } });
    const seen: EngineEvent[] = [];
    const done = (async () => {
      for await (const event of stream) seen.push(event);
    })();
    const name = await scope.createNetwork('events', ['--subnet', watchSubnet(3).v4]);
    const id = (await dockerInspect<NetworkInspect>('network', name)).Id;
    // A connect is not asked for: it must not come through.
    const container = await scope.createContainer('events-app', { network: name });
    await dockerOk(['rm', '-f', container]);
    await dockerOk(['network', 'rm', name]);
    await eventually('the create and destroy events', () =>
      Promise.resolve(seen.some((e) => e.action === 'destroy' && e.id === id)),
    );
    stream.close();
    await done; // ends without an error
    const ours = seen.filter((e) => e.id === id);
    expect(ours.map((e) => [e.type, e.action, e.attributes.name])).toEqual([
      ['network', 'create', name],
      ['network', 'destroy', name],
    ]);
    expect(ours[0]!.time).toBeLessThanOrEqual(ours[1]!.time);
  });

  it('reports a broken connection to the engine as an EngineError', async () => {
    const cut = await FaultProxy.start();
    try {
      const port = await connectDocker({ env: { DOCKER_HOST: cut.dockerHost } });
      ports.push(port);
      const stream = await port.events!({ actions: { network: ['create'] } });
      const outcome = (async () => {
        for await (const _ of stream) {
          // no events expected
        }
      })().then(
        () => undefined,
        (error: unknown) => error,
      );
      await cut.close();
      const error = await outcome;
      expect(error).toBeInstanceOf(EngineError);
      expect((error as Error).message).toContain(`the event stream of the engine at ${cut.dockerHost}`);
    } finally {
      await cut.close().catch(() => undefined);
    }
  });
});

describe('netform watch in enforce mode, against the engine', () => {
  const project = scope.name('enforce');
  const front = scope.name('front');
  const back = scope.name('back');
  const extra = scope.name('extra');
  const backSubnet = watchSubnet(1);
  let app: string;
  let db: string;
  let file: string;
  let watch: WatchProcess;

  const spec = (dbAliases: string[]) => ({
    version: 1,
    project,
    networks: { [front]: { subnet: watchSubnet(0).v4 }, [back]: { subnet: backSubnet.v4 } },
    containers: {
      [app]: {
        networks: {
          [front]: { aliases: ['web', 'www'] },
          [back]: { aliases: ['api'], ipv4_address: `${backSubnet.v4Prefix}.10` },
        },
      },
      [db]: { networks: { [back]: { aliases: dbAliases } } },
    },
  });

  /** app and db are where the spec puts them, with their aliases and address (docker inspect). */
  const converged = async (dbAliases = ['db']): Promise<boolean> => {
    const appBack = await endpointOf(app, back);
    return (
      JSON.stringify(await aliasesOf(app, front)) === JSON.stringify(['web', 'www']) &&
      JSON.stringify(await aliasesOf(app, back)) === JSON.stringify(['api']) &&
      appBack?.IPAMConfig?.IPv4Address === `${backSubnet.v4Prefix}.10` &&
      JSON.stringify(await aliasesOf(db, back)) === JSON.stringify([...dbAliases].sort())
    );
  };

  beforeAll(async () => {
    app = await scope.createContainer('app');
    db = await scope.createContainer('db');
    file = join(dir, 'enforce.yaml');
    await writeSpec(file, spec(['db']));
    // Through a proxy that only forwards (until the SIGTERM test slows one request down). The
    // interval is long: every repair below is driven by the engine's events or the spec file.
    proxy = await FaultProxy.start();
    watch = await WatchProcess.start(['-f', file, '--interval', '1h', '--debounce', '200ms'], {
      cwd: dir,
      env: { DOCKER_HOST: proxy.dockerHost },
    });
    watches.push(watch);
  });

  it('reconciles at start, then holds no lock, and a person can still apply', async () => {
    await watch.waitReady();
    expect(await converged()).toBe(true);
    const network = await dockerInspect<NetworkInspect>('network', front);
    expect(network.Labels).toMatchObject({ 'io.netform.managed': 'true', 'io.netform.project': project });
    expect(
      await watch.metric('netform_reconcile_total', { project, result: 'changed' }),
    ).toBeGreaterThanOrEqual(1);
    // The lock is held only while reconciling.
    await eventually(
      'the lease to be gone after the first reconcile',
      async () => (await leasesOf(project)).length === 0,
    );
    const apply = await runCli(['apply', '-f', file, '--auto-approve']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('No changes');
  });

  /** How many reconciles changed something so far. */
  const repairs = async (): Promise<number> =>
    (await watch.metric('netform_reconcile_total', { project, result: 'changed' })) ?? 0;

  /** Waits for one more repair after `before`, and for the engine to match the spec again. */
  const repairedSince = (before: number, what: string, dbAliases?: string[]) =>
    eventually(what, async () => (await repairs()) > before && (await converged(dbAliases)));

  it('reconnects a container disconnected by hand, with its aliases and static address', async () => {
    const before = await repairs();
    await dockerOk(['network', 'disconnect', back, app]);
    await repairedSince(before, 'app to be back on its network');
  });

  it('creates a removed network again and reattaches its containers', async () => {
    const before = await repairs();
    const old = (await dockerInspect<NetworkInspect>('network', front)).Id;
    // The watch may reconnect app between the two commands (the network is then in use): again.
    await eventually('the network to be removed by hand', async () => {
      await docker(['network', 'disconnect', '-f', front, app]);
      return (await docker(['network', 'rm', front])).code === 0;
    });
    await repairedSince(before, 'the network to be back with app on it');
    expect((await dockerInspect<NetworkInspect>('network', front)).Id).not.toBe(old);
    const network = await dockerInspect<NetworkInspect>('network', front);
    expect(network.IPAM.Config?.[0]?.Subnet).toBe(watchSubnet(0).v4);
  });

  it('attaches a container recreated under the same name', async () => {
    const before = await repairs();
    const old = (await dockerInspect<{ Id: string }>('container', db)).Id;
    await dockerOk(['rm', '-f', db]);
    // Created on the default bridge only: the new container is on `back` only if watch put it there.
    await scope.createContainer('db');
    await repairedSince(before, 'the new db to be on its network');
    expect((await dockerInspect<{ Id: string }>('container', db)).Id).not.toBe(old);
  });

  it('never applies a broken spec file: it reports it and keeps enforcing the last valid one', async () => {
    // Valid YAML that would drop db's attachment and add a network, were it applied; but one
    // subnet is not a CIDR, so the whole file is invalid.
    const broken = spec(['db']) as { networks: Record<string, unknown>; containers: Record<string, unknown> };
    broken.networks[extra] = { subnet: '10.213.300.0/24' };
    delete broken.containers[db];
    await writeSpec(file, broken);
    await eventually(
      'netform_spec_valid to be 0',
      async () => (await watch.metric('netform_spec_valid')) === 0,
    );
    expect(
      watch.logs.some((l) => l.level >= 50 && /NF0\d\d/.test(l.msg) && l.msg.includes('10.213.300.0')),
    ).toBe(true);

    // Drift now is repaired by the last valid spec: db goes back on its network.
    const before = await repairs();
    await dockerOk(['network', 'disconnect', back, db]);
    await repairedSince(before, 'db to be back under the last valid spec');
    expect((await docker(['network', 'inspect', extra])).code).not.toBe(0);
    expect(await watch.metric('netform_spec_valid')).toBe(0);
  });

  it('applies the spec file once it is valid again', async () => {
    const before = await repairs();
    await writeSpec(file, spec(['db', 'database']));
    await repairedSince(before, 'db to get its new alias', ['db', 'database']);
    expect(await watch.metric('netform_spec_valid')).toBe(1);
  });

  it('answers every endpoint: /healthz, /readyz, /plan and /metrics', async () => {
    expect(await watch.get('/healthz')).toEqual({ status: 200, text: 'ok\n' });
    expect((await watch.get('/readyz')).status).toBe(200);
    const plan = JSON.parse((await watch.get('/plan')).text) as { project: string; actions: unknown[] };
    expect(plan.project).toBe(project);
    expect(Array.isArray(plan.actions)).toBe(true);

    const families = await watch.metrics();
    const family = (name: string) => families.find((f) => f.name === name);
    expect(family('netform_drift_actions')?.type).toBe('GAUGE');
    expect(family('netform_drift_actions')?.metrics).toEqual([
      { labels: { project, engine: proxy!.dockerHost }, value: expect.stringMatching(/^\d+$/) as string },
    ]);
    const totals: Record<string, number> = Object.fromEntries(
      family('netform_reconcile_total')!.metrics.map((m) => [m.labels?.result ?? '', Number(m.value)]),
    );
    // The start, four repairs of drift made by hand, the spec change: at least six changes.
    expect(totals.changed).toBeGreaterThanOrEqual(6);
    expect(Object.keys(totals).sort()).toEqual(['changed', 'converged', 'drift', 'failed']);
    const histogram = family('netform_reconcile_duration_seconds')!;
    expect(histogram.type).toBe('HISTOGRAM');
    const all = Object.values(totals).reduce((a, b) => a + b, 0);
    expect(Number(histogram.metrics[0]?.count)).toBe(all);
    expect(histogram.metrics[0]?.buckets?.['+Inf']).toBe(String(all));
    const last = Number(family('netform_last_reconcile_timestamp_seconds')?.metrics[0]?.value);
    expect(last).toBeGreaterThan(Date.parse('2020-01-01') / 1000);
    expect(family('netform_engine_up')?.metrics).toEqual([
      { labels: { engine: proxy!.dockerHost }, value: '1' },
    ]);
    expect(family('netform_spec_valid')?.metrics).toEqual([{ value: '1' }]);
  });

  it('on SIGTERM finishes the reconcile in flight, releases the lock and exits 0', async () => {
    // Slow the repair's connect down, so that the signal comes while it is in flight.
    proxy!.addRule({ method: 'POST', path: /^\/networks\/[^/]+\/connect$/, action: 'delay', delayMs: 3_000 });
    const seen = proxy!.requests.length;
    await dockerOk(['network', 'disconnect', front, app]);
    await eventually('the repair to be in flight', () =>
      Promise.resolve(proxy!.requests.slice(seen).some((r) => r.outcome === 'delay')),
    );
    expect((await leasesOf(project)).length).toBe(1);
    const code = await watch.stop('SIGTERM');
    expect(code, watch.stderr.join('\n')).toBe(0);
    const messages = watch.logs.map((l) => l.msg);
    const stopping = messages.lastIndexOf('stopping: the reconcile in flight finishes first');
    const repaired = messages.lastIndexOf('reconciled: drift repaired and verified');
    expect(stopping).toBeGreaterThan(-1);
    expect(repaired).toBeGreaterThan(stopping);
    expect(messages.at(-1)).toBe('stopped');
    expect(await converged(['db', 'database'])).toBe(true);
    expect(await leasesOf(project)).toEqual([]);
  });
});

describe('netform watch in report mode', () => {
  const project = scope.name('report');
  const net = scope.name('rnet');
  let app: string;
  let watch: WatchProcess;

  beforeAll(async () => {
    app = await scope.createContainer('rapp');
    const file = join(dir, 'report.yaml');
    await writeSpec(file, {
      version: 1,
      project,
      networks: { [net]: { subnet: watchSubnet(2).v4 } },
      containers: { [app]: { networks: { [net]: { aliases: ['r'] } } } },
    });
    // The network and attachment exist first (made by apply), so report mode has a clean start.
    const applied = await runCli(['apply', '-f', file, '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    watch = await WatchProcess.start(
      ['-f', file, '--mode', 'report', '--interval', '1h', '--debounce', '200ms'],
      {
        cwd: dir,
      },
    );
    watches.push(watch);
  });

  it('publishes the drift it finds and changes nothing', async () => {
    await watch.waitReady();
    expect(
      await watch.metric('netform_reconcile_total', { project, result: 'converged' }),
    ).toBeGreaterThanOrEqual(1);
    expect(await watch.metric('netform_drift_actions', { project })).toBe(0);

    await dockerOk(['network', 'disconnect', net, app]);
    await eventually(
      'the drift to be published',
      async () => (await watch.metric('netform_drift_actions', { project })) === 1,
    );
    expect(
      await watch.metric('netform_reconcile_total', { project, result: 'drift' }),
    ).toBeGreaterThanOrEqual(1);
    expect(await watch.metric('netform_reconcile_total', { project, result: 'changed' })).toBe(0);
    const plan = JSON.parse((await watch.get('/plan')).text) as {
      actions: { kind: string; container: string; network: string }[];
    };
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: 'connect', container: app, network: net }),
    ]);
    // Nothing was changed: the container is still off the network, and no lock was taken.
    expect(await endpointOf(app, net)).toBeUndefined();
    expect(watch.logs.some((l) => l.msg === 'drift found (report mode: nothing changed)')).toBe(true);
    expect(await leasesOf(project)).toEqual([]);
    expect(await watch.stop()).toBe(0);
    expect(await endpointOf(app, net)).toBeUndefined();
  });
});
