import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../support/cli.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { testEngineAddress } from '../support/upstream.js';
import { dockerOnOk, inspectOn, requireSwarm, SWARM, SwarmScope, waitFor } from '../support/swarm.js';

/*
 * A replace of a swarm network that services use, on the real two-node swarm of scripts/swarm.sh
 * (docs/swarm.md, "Replacing a swarm network that services use"), through the built CLI: its
 * rollback when the manager refuses a step, and the restore point when the process is killed
 * between a service's two updates. The fault proxy (test/support/fault-proxy.ts) stands in front
 * of the manager's socket. Everything is checked with the docker CLI against the manager. Names
 * are nft-<run>-swr-…; subnets 10.213.248.0/24-10.213.250.0/24 of the swarm's range (indexes
 * 8-10, test/support/swarm.ts).
 */

interface ServiceInspect {
  ID: string;
  Spec: { TaskTemplate: { Networks?: { Target: string; Aliases?: string[] }[] } };
  Endpoint?: { VirtualIPs?: { NetworkID: string }[] };
}

interface NetworkInspect {
  Id: string;
  IPAM: { Config: { Subnet: string }[] | null };
}

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

/** The overlay made by netform, then services on it with an alias each, made by the docker CLI. */
async function overlayWithServices(
  project: string,
  net: string,
  subnet: string,
  services: Record<string, string>,
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
      '1s',
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
    const result = await runCli(['apply', '-f', file, '--auto-approve'], {
      env: throughProxy(),
      timeoutMs: 300_000,
    });
    proxy.clearRules();
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
    const replaced = await inspectOn<NetworkInspect>(SWARM.manager, 'network', net);
    expect(replaced.IPAM.Config?.map((c) => c.Subnet)).toEqual([scope.subnet(9).v4]);
    expect(await serviceNetworks(web)).toEqual([{ Target: replaced.Id, Aliases: ['www'] }]);
    expect(await serviceNetworks(api)).toEqual([{ Target: replaced.Id, Aliases: ['api'] }]);

    const destroyed = await runCli(['destroy', '--project', project, '--auto-approve'], {
      env: onManager,
      timeoutMs: 300_000,
    });
    expect(destroyed.code, destroyed.stdout + destroyed.stderr).toBe(0);
  });
});
