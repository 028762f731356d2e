import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { BLOCKS } from '../support/blocks.js';
import { runCli } from '../support/cli.js';
import { dockerInspect, dockerOk, EngineScope, onEngineHost } from '../support/engine.js';
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
