import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { runCli, startBundle } from '../support/cli.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { testEngineAddress } from '../support/upstream.js';
import {
  dockerOn,
  dockerOnOk,
  inspectOn,
  requireSwarm,
  rolloutsSettled,
  stageClock,
  SWARM,
  SWARM_TEST_TIMEOUT_MS,
  SwarmScope,
  waitFor,
} from '../support/swarm.js';
import type { ServiceInspect } from '../support/inspect.js';

/*
 * A replace of a swarm network that services use, on the real two-node swarm of scripts/swarm.sh
 * (docs/swarm.md, "Replacing a swarm network that services use"), through the built CLI: its
 * rollback when the manager refuses a step, and the restore point when the process is killed
 * between a service's two updates. The fault proxy (test/support/fault-proxy.ts) stands in front
 * of the manager's socket. Everything is checked with the docker CLI against the manager. Names
 * are nft-<run>-swr-…; subnets 10.213.248.0/24-10.213.250.0/24 of the swarm's range (indexes
 * 8-10, test/support/swarm.ts).
 */

interface NetworkInspect {
  Id: string;
  IPAM: { Config: { Subnet: string }[] | null };
}

// The swarm's waits are longer than the engine project's 120 s (test/support/swarm.ts).
vi.setConfig({ testTimeout: SWARM_TEST_TIMEOUT_MS, hookTimeout: SWARM_TEST_TIMEOUT_MS });

const scope = new SwarmScope(inject('runId'), 'r');
const dir = mkdtempSync(join(tmpdir(), 'netform-swarm-replace-'));
let proxy: FaultProxy;

beforeAll(async () => {
  await requireSwarm();
  proxy = await FaultProxy.start(testEngineAddress({ DOCKER_HOST: SWARM.manager.host }));
});

afterAll(async () => {
  await proxy?.close();
  await scope.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** A spec of one engine (the manager, or the proxy in front of it): the overlay, the listed service. */
function writeSpec(project: string, net: string, subnet: string, services: Record<string, string[]>): string {
  const file = join(dir, `${project}.yaml`);
  const spec = {
    version: 1,
    project,
    networks: { [net]: { driver: 'overlay', attachable: true, subnet } },
    ...(Object.keys(services).length > 0
      ? {
          services: Object.fromEntries(
            Object.entries(services).map(([name, aliases]) => [name, { networks: { [net]: { aliases } } }]),
          ),
        }
      : {}),
  };
  writeFileSync(file, stringify(spec));
  return file;
}

const onManager = { DOCKER_HOST: SWARM.manager.host };
const throughProxy = (): NodeJS.ProcessEnv => ({ DOCKER_HOST: proxy.dockerHost });

/**
 * The overlay made by netform, then services on it with an alias each, made by the docker CLI
 * (each task's stop grace period `stopGrace`; `extra`: more `docker service create` options).
 */
async function overlayWithServices(
  project: string,
  net: string,
  subnet: string,
  services: Record<string, string>,
  { stopGrace = '1s', extra = [] }: { stopGrace?: string; extra?: string[] } = {},
): Promise<{ oldId: string; ids: Record<string, string> }> {
  const first = await runCli(['apply', '-f', writeSpec(project, net, subnet, {}), '--auto-approve'], {
    env: onManager,
  });
  expect(first.code, first.stdout + first.stderr).toBe(0);
  const oldId = (await inspectOn<NetworkInspect>(SWARM.manager, 'network', net)).Id;
  const ids: Record<string, string> = {};
  for (const [service, alias] of Object.entries(services)) {
    await scope.createService(service, [
      '--replicas',
      '1',
      '--update-monitor',
      '1s',
      '--stop-grace-period',
      stopGrace,
      ...extra,
      '--network',
      `name=${net},alias=${alias}`,
    ]);
    // The manager writes the service once more right after its create (its virtual IP): read
    // the version once that has happened (docs/swarm.md).
    ids[service] = await waitFor(`${service}'s virtual IP`, async () => {
      const inspected = await inspectOn<ServiceInspect>(SWARM.manager, 'service', service);
      return inspected.Endpoint?.VirtualIPs?.some((v) => v.NetworkID === oldId) ? inspected.ID : undefined;
    });
    // Its task runs: the updates to come restart it.
    await waitFor(`${service}'s task to run`, async () => {
      const replicas = await dockerOnOk(SWARM.manager, [
        'service',
        'ls',
        '--filter',
        `name=${service}`,
        '--format',
        '{{.Replicas}}',
      ]);
      return replicas.trim() === '1/1' ? true : undefined;
    });
  }
  return { oldId, ids };
}

/** The service's networks as `docker service inspect` shows them. */
async function serviceNetworks(service: string): Promise<{ Target: string; Aliases?: string[] }[]> {
  return (
    (await inspectOn<ServiceInspect>(SWARM.manager, 'service', service)).Spec.TaskTemplate.Networks ?? []
  );
}

describe('a replace of an overlay that services use, refused by the manager half-way', () => {
  it('rolls back: the old network made again, every service back on it with its aliases, and says so', async () => {
    const project = scope.name('rb');
    const net = scope.name('rbnet');
    const web = scope.name('rbweb'); // listed by the spec
    const api = scope.name('rbapi'); // not listed: put back as it was
    const stage = stageClock('rb');
    const { oldId } = await overlayWithServices(project, net, scope.subnet(8).v4, {
      [web]: 'www',
      [api]: 'api',
    });

    // The subnet changes: a replace. The manager refuses the new overlay's create, after both
    // services were taken off and the old network removed.
    const file = writeSpec(project, net, scope.subnet(9).v4, { [web]: ['www'] });
    proxy.clearRules();
    proxy.addRule({
      method: 'POST',
      path: /^\/networks\/create$/,
      body: /"Driver":"overlay"/,
      action: 'error500',
    });
    const seen = proxy.requests.length;
    stage('the overlay made, both services run on it');
    const result = await runCli(['apply', '-f', file, '--auto-approve'], {
      env: throughProxy(),
      timeoutMs: 300_000,
    });
    proxy.clearRules();
    stage('the apply refused half-way ended');
    console.info(`[apply] ${result.stdout}${result.stderr}`);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    // The failure happened where it was meant to: both services off, the old network removed.
    const sent = proxy.requests
      .slice(seen)
      .map((r) => `${r.method} ${r.path.replace(/[0-9a-z]{25}/, 'ID')} ${r.outcome}`);
    const injected = sent.findIndex((r) => r.endsWith('error500'));
    expect(injected, sent.join('\n')).toBeGreaterThan(0);
    expect(sent.slice(0, injected).filter((r) => r.startsWith('POST /services/ID/update'))).toHaveLength(2);
    expect(sent.slice(0, injected).some((r) => r.startsWith(`DELETE /networks/`))).toBe(true);

    // What the CLI says: the engine's words, what it left and how.
    expect(result.stdout).toContain(`ROLLED BACK   replace network ${net}`);
    expect(result.stdout).toContain('fault-proxy: injected failure for POST /networks/create');
    expect(result.stdout).toContain(
      `undone: network ${net} created again as it was, with a new ID; ` +
        `service ${api} put back on it with aliases [api], service ${web} put back on it with aliases [www]`,
    );
    expect(result.stdout).toMatch(/Apply failed: 0 done, 1 rolled back/);

    // Independent reads: the network is the old one again (its subnet, a new ID), and each
    // service is on it by that ID with the alias it had.
    const now = await inspectOn<NetworkInspect>(SWARM.manager, 'network', net);
    expect(now.Id).not.toBe(oldId);
    expect(now.IPAM.Config?.map((c) => c.Subnet)).toEqual([scope.subnet(8).v4]);
    expect(await serviceNetworks(web)).toEqual([{ Target: now.Id, Aliases: ['www'] }]);
    expect(await serviceNetworks(api)).toEqual([{ Target: now.Id, Aliases: ['api'] }]);
    // No restore point is left behind: the replace ended, rolled back.
    const points = await dockerOnOk(SWARM.manager, [
      'network',
      'ls',
      '-q',
      '--filter',
      `label=io.netform.restore=${project}`,
    ]);
    expect(points.trim()).toBe('');

    // The same command again, without the fault, finishes the replace.
    const again = await runCli(['apply', '-f', file, '--auto-approve'], {
      env: onManager,
      timeoutMs: 300_000,
    });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    stage('the second apply replaced the overlay');
    const replaced = await inspectOn<NetworkInspect>(SWARM.manager, 'network', net);
    expect(replaced.IPAM.Config?.map((c) => c.Subnet)).toEqual([scope.subnet(9).v4]);
    expect(await serviceNetworks(web)).toEqual([{ Target: replaced.Id, Aliases: ['www'] }]);
    expect(await serviceNetworks(api)).toEqual([{ Target: replaced.Id, Aliases: ['api'] }]);

    await rolloutsSettled(web, api);
    stage('the rollouts settled');
    const destroyed = await runCli(['destroy', '--project', project, '--auto-approve'], {
      env: onManager,
      timeoutMs: 300_000,
    });
    expect(destroyed.code, destroyed.stdout + destroyed.stderr).toBe(0);
    stage('destroyed');
  });
});

describe('a replace of an overlay that services use, whose process is killed between the services’ two updates', () => {
  beforeAll(() => scope.cleanup());

  const points = async (project: string): Promise<string[]> =>
    (
      await dockerOnOk(SWARM.manager, [
        'network',
        'ls',
        '-q',
        '--filter',
        `label=io.netform.restore=${project}`,
      ])
    )
      .split('\n')
      .filter(Boolean);

  /**
   * Starts `netform apply` of `file` through the proxy, with every request matching `rule` left
   * unanswered (never forwarded), and resolves once the first such request hangs.
   */
  async function applyUntil(file: string, rule: { method: string; path: RegExp; after: number }) {
    proxy.clearRules();
    proxy.addRule({ ...rule, action: 'hang', times: Infinity });
    const seen = proxy.requests.length;
    const { child, output, exited } = startBundle(['apply', '-f', file, '--auto-approve'], {
      DOCKER_HOST: proxy.dockerHost,
    });
    await waitFor(
      'the apply to reach the request it is stopped at',
      () => Promise.resolve(proxy.requests.slice(seen).some((r) => r.outcome === 'hang') ? true : undefined),
      180,
    ).catch((error: unknown) => {
      child.kill('SIGKILL');
      throw new Error(`${String(error)}\n${output.stdout}${output.stderr}`);
    });
    return { child, output, exited };
  }

  it('killed (SIGKILL) after the new network was made: `netform unlock` puts both services on it with their aliases', async () => {
    const project = scope.name('k1');
    const net = scope.name('k1net');
    const web = scope.name('k1web'); // listed by the spec
    const api = scope.name('k1api'); // not listed
    await overlayWithServices(project, net, scope.subnet(8).v4, { [web]: 'www', [api]: 'api' });
    const file = writeSpec(project, net, scope.subnet(9).v4, { [web]: ['wwx'] });

    // The third service update is the first that puts a service back: both are off by then, the
    // old network removed and the new one made.
    const { child, exited } = await applyUntil(file, {
      method: 'POST',
      path: /^\/services\/[^/]+\/update$/,
      after: 2,
    });
    const newId = (await inspectOn<NetworkInspect>(SWARM.manager, 'network', net)).Id;
    expect(
      (await inspectOn<NetworkInspect>(SWARM.manager, 'network', net)).IPAM.Config?.map((c) => c.Subnet),
    ).toEqual([scope.subnet(9).v4]);
    // The window is real: neither service is on any network.
    expect(await serviceNetworks(web)).toEqual([]);
    expect(await serviceNetworks(api)).toEqual([]);
    expect(await points(project)).toHaveLength(1);
    child.kill('SIGKILL');
    await exited;
    proxy.clearRules();

    // A plan says a restore is pending, services included.
    const pending = await runCli(['plan', '-f', file, '--detailed-exitcode'], { env: onManager });
    expect(pending.code, pending.stdout + pending.stderr).toBe(2);
    expect(pending.stdout).toContain(
      `a replace of network ${net} with 0 endpoints and 2 services was interrupted`,
    );

    const unlock = await runCli(['unlock', '--project', project, '--auto-approve'], { env: onManager });
    expect(unlock.code, unlock.stdout + unlock.stderr).toBe(0);
    expect(unlock.stdout).toContain(
      `restored 2 services (${api}, ${web}) of network ${net} onto the new network`,
    );
    // Independent read: each service on the new network, web with the spec's alias, api with its own.
    expect(await serviceNetworks(web)).toEqual([{ Target: newId, Aliases: ['wwx'] }]);
    expect(await serviceNetworks(api)).toEqual([{ Target: newId, Aliases: ['api'] }]);
    expect(await points(project)).toEqual([]);
    const plan = await runCli(['plan', '-f', file, '--detailed-exitcode'], { env: onManager });
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);

    await rolloutsSettled(web, api);
    const destroyed = await runCli(['destroy', '--project', project, '--auto-approve'], {
      env: onManager,
      timeoutMs: 300_000,
    });
    expect(destroyed.code, destroyed.stdout + destroyed.stderr).toBe(0);
  });

  it('quit (a second Ctrl-C) before the old network was removed: the next `netform apply` puts both back, then replaces', async () => {
    const project = scope.name('k2');
    const net = scope.name('k2net');
    const web = scope.name('k2web');
    const api = scope.name('k2api');
    const { oldId } = await overlayWithServices(project, net, scope.subnet(10).v4, {
      [web]: 'www',
      [api]: 'api',
    });
    const file = writeSpec(project, net, scope.subnet(8).v4, { [web]: ['www'] });

    // Both services off (two updates), then the removal of the old network never answers.
    const { child, output, exited } = await applyUntil(file, {
      method: 'DELETE',
      path: new RegExp(`^/networks/${oldId}$`),
      after: 0,
    });
    expect(await serviceNetworks(web)).toEqual([]);
    expect(await serviceNetworks(api)).toEqual([]);
    child.kill('SIGINT');
    await waitFor(
      'the CLI to say it stops',
      () => Promise.resolve(output.stderr.includes('Stopping') ? true : undefined),
      30,
    );
    child.kill('SIGINT');
    expect(await exited, output.stderr).toBe(130);
    expect(output.stderr).toContain(`Quitting at once, leaving in flight: replace network ${net}`);
    expect(output.stderr).toContain('puts every endpoint back, and every Swarm service it took off');
    proxy.clearRules();
    expect(await points(project)).toHaveLength(1);

    const again = await runCli(['apply', '-f', file, '--auto-approve'], {
      env: onManager,
      timeoutMs: 300_000,
    });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stderr).toContain(
      `restored 2 services (${api}, ${web}) of network ${net} onto the old network`,
    );
    // Then the replace itself, planned from there: both services on the new network.
    const now = await inspectOn<NetworkInspect>(SWARM.manager, 'network', net);
    expect(now.Id).not.toBe(oldId);
    expect(now.IPAM.Config?.map((c) => c.Subnet)).toEqual([scope.subnet(8).v4]);
    expect(await serviceNetworks(web)).toEqual([{ Target: now.Id, Aliases: ['www'] }]);
    expect(await serviceNetworks(api)).toEqual([{ Target: now.Id, Aliases: ['api'] }]);
    expect(await points(project)).toEqual([]);

    await rolloutsSettled(web, api);
    const destroyed = await runCli(['destroy', '--project', project, '--auto-approve'], {
      env: onManager,
      timeoutMs: 300_000,
    });
    expect(destroyed.code, destroyed.stdout + destroyed.stderr).toBe(0);
  });
});

describe("a worker's container on an overlay the manager replaces, then drops, each in one apply", () => {
  beforeAll(() => scope.cleanup());

  interface ContainerInspect {
    NetworkSettings: { Networks: Record<string, { NetworkID: string; Aliases: string[] | null }> };
  }

  it('leaves it through the worker before the replace and joins the new network with its alias; leaves the dropped one before its removal', async () => {
    const project = scope.name('wk');
    const net = scope.name('wknet');
    const other = scope.name('wkother');
    const onManager = await scope.runContainer(SWARM.manager, 'wka');
    const onWorker = await scope.runContainer(SWARM.worker, 'wkb');
    const file = join(dir, `${project}.yaml`);
    const write = (networks: Record<string, object>, attached: string): void =>
      writeFileSync(
        file,
        stringify({
          version: 1,
          project,
          engines: { manager: { host: SWARM.manager.host }, worker: { host: SWARM.worker.host } },
          networks,
          containers: {
            [onManager]: { engines: ['manager'], networks: { [attached]: { aliases: ['alpha'] } } },
            [onWorker]: { engines: ['worker'], networks: { [attached]: { aliases: ['beta'] } } },
          },
        }),
      );
    const cli = (args: string[]) => runCli([...args, '-f', file], { timeoutMs: 300_000 });
    const overlay = (subnet: string) => ({ driver: 'overlay', attachable: true, subnet });
    const endpointOf = async (container: string, network: string) =>
      (await inspectOn<ContainerInspect>(SWARM.worker, 'container', container)).NetworkSettings.Networks[
        network
      ];
    const reachesAlpha = async (): Promise<void> => {
      const ping = await dockerOn(SWARM.worker, ['exec', onWorker, 'ping', '-c1', '-W2', 'alpha']);
      expect(ping.stdout + ping.stderr).toContain('1 packets received');
    };

    write({ [net]: overlay(scope.subnet(9).v4) }, net);
    const first = await cli(['apply', '--auto-approve']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const oldId = (await inspectOn<NetworkInspect>(SWARM.manager, 'network', net)).Id;
    expect((await endpointOf(onWorker, net))?.NetworkID).toBe(oldId);

    // The subnet changes: the manager replaces the overlay; the plan takes the worker's
    // container off it first and puts it back after, through the worker's engine.
    write({ [net]: overlay(scope.subnet(10).v4) }, net);
    const plan = await cli(['plan']);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    console.info(`[plan] ${plan.stdout}`);
    expect(plan.stdout).toContain(`replace network ${net}`);
    expect(plan.stdout).toMatch(new RegExp(`disconnect ${onWorker} from ${net}`));
    expect(plan.stdout).toMatch(new RegExp(`connect ${onWorker} to ${net}`));
    const replaced = await cli(['apply', '--auto-approve']);
    console.info(`[apply] ${replaced.stdout}${replaced.stderr}`);
    expect(replaced.code, replaced.stdout + replaced.stderr).toBe(0);
    // The worker's disconnect before the manager's replace, its connect after.
    expect(replaced.stderr).toMatch(
      new RegExp(
        `engine worker: \\[\\d/2\\] done disconnect ${onWorker} from ${net}[^]*engine manager: \\[1/1\\] done replace network ${net}[^]*engine worker: \\[\\d/2\\] done connect ${onWorker} to ${net}`,
      ),
    );
    // Independent reads: the new network on the manager, the worker's container on it with its
    // alias, reaching the manager's container by alias over it.
    const newNet = await inspectOn<NetworkInspect>(SWARM.manager, 'network', net);
    expect(newNet.Id).not.toBe(oldId);
    expect(newNet.IPAM.Config?.map((c) => c.Subnet)).toEqual([scope.subnet(10).v4]);
    const endpoint = await endpointOf(onWorker, net);
    expect(endpoint?.NetworkID).toBe(newNet.Id);
    expect(endpoint?.Aliases).toContain('beta');
    await reachesAlpha();
    const again = await cli(['plan', '--detailed-exitcode']);
    expect(again.code, again.stdout + again.stderr).toBe(0);

    // The overlay dropped while the manager makes another one: the worker's container leaves the
    // dropped one before the manager removes it, and joins the new one after it is made.
    write({ [other]: { driver: 'overlay', attachable: true } }, other);
    const dropped = await cli(['apply', '--auto-approve']);
    console.info(`[apply] ${dropped.stdout}${dropped.stderr}`);
    expect(dropped.code, dropped.stdout + dropped.stderr).toBe(0);
    const names = await dockerOnOk(SWARM.manager, ['network', 'ls', '--format', '{{.Name}}']);
    expect(names.split('\n')).not.toContain(net);
    expect(await endpointOf(onWorker, net)).toBeUndefined();
    expect((await endpointOf(onWorker, other))?.Aliases).toContain('beta');
    await reachesAlpha();

    const destroyed = await cli(['destroy', '--auto-approve']);
    expect(destroyed.code, destroyed.stdout + destroyed.stderr).toBe(0);
  });
});

describe('a service with network changes of its own besides the replace', () => {
  beforeAll(() => scope.cleanup());

  it('gets them in the update that puts it back: two updates in all, checked with docker service inspect', async () => {
    const project = scope.name('fo');
    const net = scope.name('fonet');
    const side = scope.name('foside');
    const web = scope.name('foweb');
    await overlayWithServices(project, net, scope.subnet(8).v4, { [web]: 'www' });
    // The subnet changes (a replace) and the service also joins a new overlay (its own update).
    const file = join(dir, `${project}.yaml`);
    writeFileSync(
      file,
      stringify({
        version: 1,
        project,
        networks: {
          [net]: { driver: 'overlay', attachable: true, subnet: scope.subnet(9).v4 },
          [side]: { driver: 'overlay', attachable: true },
        },
        services: { [web]: { networks: { [net]: { aliases: ['www'] }, [side]: { aliases: ['api'] } } } },
      }),
    );
    const plan = await runCli(['plan', '-f', file], { env: throughProxy() });
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toContain(
      `~ update service ${web} (in the update that puts it back on ${net}: no restart of its own)`,
    );
    const serviceId = (await inspectOn<ServiceInspect>(SWARM.manager, 'service', web)).ID;
    proxy.clearRules();
    const seen = proxy.requests.length;
    const applied = await runCli(['apply', '-f', file, '--auto-approve'], {
      env: throughProxy(),
      timeoutMs: 300_000,
    });
    console.info(`[apply] ${applied.stdout}${applied.stderr}`);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    // Each update is one rolling restart of the service's tasks: two, not three.
    const updates = proxy.requests
      .slice(seen)
      .filter((r) => r.method === 'POST' && r.path === `/services/${serviceId}/update` && r.status === 200);
    expect(updates).toHaveLength(2);
    console.info(
      `[measured] replace of ${net} with ${web} joining ${side} too: ${updates.length} service updates`,
    );
    const now = await inspectOn<NetworkInspect>(SWARM.manager, 'network', net);
    const sideId = (await inspectOn<NetworkInspect>(SWARM.manager, 'network', side)).Id;
    expect((await serviceNetworks(web)).sort((a, b) => a.Target.localeCompare(b.Target))).toEqual(
      [
        { Target: now.Id, Aliases: ['www'] },
        { Target: sideId, Aliases: ['api'] },
      ].sort((a, b) => a.Target.localeCompare(b.Target)),
    );
    const again = await runCli(['plan', '-f', file, '--detailed-exitcode'], { env: onManager });
    expect(again.code, again.stdout + again.stderr).toBe(0);

    await rolloutsSettled(web);
    const destroyed = await runCli(['destroy', '--project', project, '--auto-approve'], {
      env: onManager,
      timeoutMs: 300_000,
    });
    expect(destroyed.code, destroyed.stdout + destroyed.stderr).toBe(0);
  });
});

describe('a replace of an overlay whose service’s old task takes its stop grace period to leave it', () => {
  beforeAll(() => scope.cleanup());

  interface TaskInspect {
    ID: string;
    NodeID: string;
    Status: { State: string };
    NetworksAttachments?: { Network: { ID: string }; Addresses: string[] }[];
  }

  it('removes the old network only once the task is gone: the new tasks start on the new network (on the node that held the old one)', async () => {
    const project = scope.name('gr');
    const net = scope.name('grnet');
    const web = scope.name('grweb');
    const { workerNodeId } = await requireSwarm();
    // The test image's sleep ignores SIGTERM: each old task stops only at the end of its 10 s
    // grace period, while the manager already accepts the network's removal. On the worker, so
    // the node that still holds the old network is the one the new task lands on.
    const { oldId } = await overlayWithServices(
      project,
      net,
      scope.subnet(9).v4,
      { [web]: 'www' },
      { stopGrace: '10s', extra: ['--constraint', `node.id==${workerNodeId}`] },
    );
    const file = writeSpec(project, net, scope.subnet(10).v4, { [web]: ['www'] });
    proxy.clearRules();
    const seen = proxy.requests.length;
    const started = Date.now();
    const applied = await runCli(['apply', '-f', file, '--auto-approve'], {
      env: throughProxy(),
      timeoutMs: 300_000,
    });
    const tookMs = Date.now() - started;
    console.info(`[apply] ${applied.stdout}${applied.stderr}`);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    // Without the wait, the worker refused the new task ("no configured subnet or ip-range
    // contain the IP address" of the new subnet) and the rollout paused: rolloutsSettled throws then.
    await rolloutsSettled(web);
    const now = await inspectOn<NetworkInspect>(SWARM.manager, 'network', net);
    expect(now.Id).not.toBe(oldId);
    expect(await serviceNetworks(web)).toEqual([{ Target: now.Id, Aliases: ['www'] }]);
    // Independent reads: the running task on the new network with an address of its subnet, and
    // the worker's own copy of the network is the new one.
    const taskIds = (
      await dockerOnOk(SWARM.manager, [
        'service',
        'ps',
        '-q',
        '--no-trunc',
        '--filter',
        'desired-state=running',
        web,
      ])
    )
      .split('\n')
      .filter(Boolean);
    expect(taskIds).toHaveLength(1);
    const [task] = JSON.parse(await dockerOnOk(SWARM.manager, ['inspect', taskIds[0]!])) as TaskInspect[];
    expect(task?.Status.State).toBe('running');
    expect(task?.NodeID).toBe(workerNodeId);
    const attachment = task?.NetworksAttachments?.find((a) => a.Network.ID === now.Id);
    expect(attachment?.Addresses[0]).toMatch(
      new RegExp(`^${scope.subnet(10).v4Prefix.replace(/\./g, '\\.')}\\.`),
    );
    expect((await inspectOn<NetworkInspect>(SWARM.worker, 'network', net)).Id).toBe(now.Id);
    // The old network was removed after the tasks were read (the wait), not at once.
    const sent = proxy.requests.slice(seen).map((r) => `${r.method} ${r.path.replace(/\?.*$/, '')}`);
    const removal = sent.indexOf(`DELETE /networks/${oldId}`);
    expect(removal, sent.join('\n')).toBeGreaterThan(0);
    expect(sent.slice(0, removal).filter((r) => r === 'GET /tasks').length).toBeGreaterThan(0);

    console.info(
      `[measured] replace of ${net} with ${web}'s old task stopping for 10 s: the apply took ${tookMs} ms`,
    );

    const destroyed = await runCli(['destroy', '--project', project, '--auto-approve'], {
      env: onManager,
      timeoutMs: 300_000,
    });
    expect(destroyed.code, destroyed.stdout + destroyed.stderr).toBe(0);
  });
});
