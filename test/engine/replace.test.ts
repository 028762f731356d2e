import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { BLOCKS } from '../support/blocks.js';
import { runCli, startBundle } from '../support/cli.js';
import { dockerInspect, dockerOk, EngineScope, onEngineHost } from '../support/engine.js';
import { FaultProxy } from '../support/fault-proxy.js';
import type { ContainerInspect, NetworkInspect } from '../support/inspect.js';

const scope = new EngineScope(inject('runId'), BLOCKS.replace);
const project = scope.name('p');
let dir: string;

async function writeSpec(spec: object): Promise<string> {
  const file = join(dir, 'netform.yaml');
  await writeFile(file, stringify({ version: 1, project, ...spec }));
  return file;
}

/** What a container's endpoint on `network` keeps across a replace: aliases and static addresses. */
async function kept(container: string, network: string) {
  const inspect = await dockerInspect<ContainerInspect>('container', container);
  const endpoint = inspect.NetworkSettings.Networks[network];
  if (!endpoint) return undefined;
  return {
    aliases: (endpoint.Aliases ?? []).filter((a) => a !== inspect.Id.slice(0, 12)).sort(),
    ipv4: endpoint.IPAMConfig?.IPv4Address,
    ipv6: endpoint.IPAMConfig?.IPv6Address,
    linkLocal: endpoint.IPAMConfig?.LinkLocalIPs ?? [],
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netform-replace-test-'));
});

afterAll(async () => {
  await scope.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('replace', () => {
  const net = scope.name('net');
  const s = scope.subnet(0);
  const v4 = (host: number) => `${s.v4Prefix}.${host}`;
  const v6 = (host: number) => s.v6.replace('::/64', `::${host}`);
  let running: string;
  let stopped: string;
  let created: string;
  let undeclared: string;
  let undeclaredStopped: string;

  const network = (labels: Record<string, string>, extra: object = {}) => ({
    [net]: { enable_ipv6: true, ipam: { config: [{ subnet: s.v4 }, { subnet: s.v6 }] }, labels, ...extra },
  });
  const containers = () => ({
    [running]: {
      networks: { [net]: { aliases: ['run-a', 'run-b'], ipv4_address: v4(10), ipv6_address: v6(10) } },
    },
    [stopped]: {
      networks: { [net]: { aliases: ['stop-a'], ipv4_address: v4(11), link_local_ips: ['169.254.10.11'] } },
    },
    [created]: { networks: { [net]: { aliases: ['new-a'], ipv6_address: v6(12) } } },
  });
  let expected: Record<string, Awaited<ReturnType<typeof kept>>>;

  beforeAll(async () => {
    running = await scope.createContainer('running');
    stopped = await scope.createContainer('stopped');
    await dockerOk(['stop', '-t', '0', stopped]);
    created = await scope.createContainer('created', { start: false });
    undeclared = await scope.createContainer('undeclared');
    undeclaredStopped = await scope.createContainer('undeclared-stopped', { start: false });

    const file = await writeSpec({ networks: network({ gen: '1' }), containers: containers() });
    const first = await runCli(['apply', '-f', file, '--auto-approve']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    // Containers the spec does not list, connected by hand: a replace must keep them too.
    await dockerOk([
      'network',
      'connect',
      '--alias',
      'u-a',
      '--ip',
      v4(20),
      '--ip6',
      v6(20),
      net,
      undeclared,
    ]);
    await dockerOk(['network', 'connect', '--alias', 'us-a', '--ip', v4(21), net, undeclaredStopped]);
    expected = {};
    for (const c of [running, stopped, created, undeclared, undeclaredStopped])
      expected[c] = await kept(c, net);
    expect(expected[running]).toEqual({
      aliases: ['run-a', 'run-b'],
      ipv4: v4(10),
      ipv6: v6(10),
      linkLocal: [],
    });
    expect(expected[stopped]).toMatchObject({
      aliases: ['stop-a'],
      ipv4: v4(11),
      linkLocal: ['169.254.10.11'],
    });
    expect(expected[undeclared]).toMatchObject({ aliases: ['u-a'], ipv4: v4(20), ipv6: v6(20) });
    expect(expected[undeclaredStopped]).toMatchObject({ aliases: ['us-a'], ipv4: v4(21) });
  });

  it('replaces a network and reconnects running, stopped, never-started and undeclared containers with their settings', async () => {
    const before = await dockerInspect<NetworkInspect>('network', net);
    const file = await writeSpec({ networks: network({ gen: '2' }), containers: containers() });
    const result = await runCli(['apply', '-f', file, '--auto-approve']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/replace network/);
    expect(result.stdout).toMatch(/Verified/);

    const after = await dockerInspect<NetworkInspect>('network', net);
    expect(after.Id).not.toBe(before.Id);
    expect(after.Labels).toMatchObject({
      gen: '2',
      'io.netform.managed': 'true',
      'io.netform.project': project,
    });
    for (const c of [running, stopped, created, undeclared, undeclaredStopped]) {
      expect(await kept(c, net), c).toEqual(expected[c]);
    }
    expect((await dockerInspect<ContainerInspect>('container', running)).State.Status).toBe('running');
    expect((await dockerInspect<ContainerInspect>('container', stopped)).State.Status).toBe('exited');
  });

  it('rolls back when the engine refuses the new network, restoring the old one and every endpoint', async () => {
    // A bridge name that is an existing host interface of another kind: only the daemon can know
    // that the create will fail.
    const veth = `nfv${randomBytes(4).toString('hex')}`;
    const link = await onEngineHost(`ip link add ${veth} type veth peer name ${veth}p`);
    expect(link.code, link.stderr).toBe(0);
    try {
      const before = await dockerInspect<NetworkInspect>('network', net);
      const file = await writeSpec({
        networks: network({ gen: '2' }, { driver_opts: { 'com.docker.network.bridge.name': veth } }),
        containers: containers(),
      });
      const result = await runCli(['apply', '-f', file, '--auto-approve']);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/ROLLED BACK\s+replace network/);
      expect(result.stdout).toContain(`existing interface ${veth} is not a bridge`);
      expect(result.stdout).toMatch(/1 rolled back/);

      const after = await dockerInspect<NetworkInspect>('network', net);
      expect(after.Labels).toEqual(before.Labels);
      expect(after.Options ?? {}).toEqual(before.Options ?? {});
      expect(after.EnableIPv6).toBe(true);
      expect(after.IPAM.Config?.map((c) => c.Subnet).sort()).toEqual([s.v4, s.v6].sort());
      for (const c of [running, stopped, created, undeclared, undeclaredStopped]) {
        expect(await kept(c, net), c).toEqual(expected[c]);
      }

      // Back to a spec the engine accepts: nothing left to do.
      const spec = await writeSpec({ networks: network({ gen: '2' }), containers: containers() });
      const plan = await runCli(['plan', '-f', spec, '--detailed-exitcode']);
      expect(plan.code, plan.stdout).toBe(0);
    } finally {
      await onEngineHost(`ip link del ${veth}`);
    }
  });

  it('reconnects a stopped container whose settings changed (disconnect, then connect)', async () => {
    const changed = containers();
    changed[stopped] = {
      networks: { [net]: { aliases: ['stop-b'], ipv4_address: v4(31), link_local_ips: [] } },
    };
    const file = await writeSpec({ networks: network({ gen: '2' }), containers: changed });
    const result = await runCli(['apply', '-f', file, '--auto-approve']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/reconnect/);
    expect(await kept(stopped, net)).toEqual({
      aliases: ['stop-b'],
      ipv4: v4(31),
      ipv6: undefined,
      linkLocal: [],
    });
  });
});

/**
 * A replace interrupted for good (docs/apply.md, "Interrupted replaces"): the process dies, or
 * quits on a second Ctrl-C, after every endpoint was taken off the network and before any was
 * put back. The engine's answers to the reconnects are held back by the fault proxy, so that
 * moment lasts as long as the test needs. Containers the spec does not list used to be lost for
 * good; now the next run restores every endpoint from the restore point the replace wrote.
 */
describe('an interrupted replace', () => {
  const net = scope.name('int');
  const s = scope.subnet(1);
  const v4 = (host: number) => `${s.v4Prefix}.${host}`;
  let proxy: FaultProxy;
  let declared: string;
  let undeclared: string;
  let undeclaredStopped: string;
  let expected: Record<string, Awaited<ReturnType<typeof kept>>>;
  const spec = (gen: string) =>
    writeSpec({
      networks: { [net]: { subnet: s.v4, labels: { gen } } },
      containers: { [declared]: { networks: { [net]: { aliases: ['d-a'], ipv4_address: v4(10) } } } },
    });
  const restorePoints = async (): Promise<string[]> =>
    (await dockerOk(['network', 'ls', '-q', '--filter', `label=io.netform.restore=${project}`]))
      .split('\n')
      .filter(Boolean);
  const leases = async (): Promise<string[]> =>
    (await dockerOk(['network', 'ls', '-q', '--filter', `label=io.netform.lock=${project}`]))
      .split('\n')
      .filter(Boolean);

  /** Starts a replace through the proxy and resolves once a reconnect hangs: all endpoints are off. */
  async function replaceUntilReconnect(gen: string) {
    const file = await spec(gen);
    const seen = proxy.requests.length;
    const hung = () => proxy.requests.slice(seen).some((r) => r.outcome === 'hang');
    proxy.clearRules();
    proxy.addRule({ method: 'POST', path: /^\/networks\/[^/]+\/connect$/, action: 'hang', times: Infinity });
    const { child, output, exited } = startBundle(['apply', '-f', file, '--auto-approve'], {
      DOCKER_HOST: proxy.dockerHost,
    });
    for (let i = 0; i < 600 && !hung(); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(
      proxy.requests.some((r) => r.outcome === 'hang'),
      output.stderr,
    ).toBe(true);
    // The window is real: the undeclared containers are off the network now.
    expect(await kept(undeclared, net)).toBeUndefined();
    expect(await kept(undeclaredStopped, net)).toBeUndefined();
    expect(await restorePoints()).toHaveLength(1);
    return { child, output, exited, file };
  }

  async function expectEveryEndpointBack(): Promise<void> {
    for (const c of [declared, undeclared, undeclaredStopped])
      expect(await kept(c, net), c).toEqual(expected[c]);
    expect(await restorePoints()).toEqual([]);
  }

  beforeAll(async () => {
    proxy = await FaultProxy.start();
    declared = await scope.createContainer('int-declared');
    undeclared = await scope.createContainer('int-undeclared');
    undeclaredStopped = await scope.createContainer('int-undeclared-stopped', { start: false });
    const first = await runCli(['apply', '-f', await spec('1'), '--auto-approve']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    await dockerOk([
      'network',
      'connect',
      '--alias',
      'u-a',
      '--alias',
      'u-b',
      '--ip',
      v4(20),
      net,
      undeclared,
    ]);
    await dockerOk(['network', 'connect', '--alias', 'us-a', '--ip', v4(21), net, undeclaredStopped]);
    expected = {};
    for (const c of [declared, undeclared, undeclaredStopped]) expected[c] = await kept(c, net);
    expect(expected[undeclared]).toMatchObject({ aliases: ['u-a', 'u-b'], ipv4: v4(20) });
    expect(expected[undeclaredStopped]).toMatchObject({ aliases: ['us-a'], ipv4: v4(21) });
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('killed with SIGKILL: `netform unlock` restores every endpoint and says so', async () => {
    const { child, exited, file } = await replaceUntilReconnect('2');
    child.kill('SIGKILL');
    await exited;
    proxy.clearRules();
    expect(await leases()).toHaveLength(1);
    // The plan says a restore is pending (the unlisted endpoints are in no action of it).
    const pending = await runCli(['plan', '-f', file, '--detailed-exitcode']);
    expect(pending.code, pending.stdout + pending.stderr).toBe(2);
    expect(pending.stdout).toMatch(
      new RegExp(`a replace of network ${net} with 3 endpoints was interrupted`),
    );

    const unlock = await runCli(['unlock', '--project', project, '--auto-approve']);
    expect(unlock.code, unlock.stdout + unlock.stderr).toBe(0);
    expect(unlock.stdout).toMatch(
      new RegExp(`restored 3 endpoints \\(.*\\) of network ${net} onto the new network`),
    );
    await expectEveryEndpointBack();
    expect(await leases()).toEqual([]);

    const plan = await runCli(['plan', '-f', file, '--detailed-exitcode']);
    expect(plan.code, plan.stdout).toBe(0);
  });

  it('quit with a second Ctrl-C: it says what it leaves, releases the lock, and the next apply restores', async () => {
    const { child, output, exited, file } = await replaceUntilReconnect('3');
    child.kill('SIGINT');
    for (let i = 0; i < 200 && !output.stderr.includes('Stopping'); i++)
      await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    expect(await exited, output.stderr).toBe(130);
    expect(output.stderr).toContain(`Quitting at once, leaving in flight: replace network ${net}`);
    expect(output.stderr).toMatch(
      /the next `netform apply` \(or `netform unlock`\) puts every endpoint back/,
    );
    proxy.clearRules();
    expect(await leases()).toEqual([]);
    expect(await restorePoints()).toHaveLength(1);

    const again = await runCli(['apply', '-f', file, '--auto-approve']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`restored 3 endpoints .* of network ${net}`));
    await expectEveryEndpointBack();
  });
});
