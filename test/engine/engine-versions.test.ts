import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { compareApiVersions } from '../../src/model/api-versions.js';
import { SHARED_BLOCKS } from '../support/blocks.js';
import { runCli } from '../support/cli.js';
import { docker, dockerInspect, dockerOk, EngineScope, onEngineHost } from '../support/engine.js';
import type { ContainerInspect, EndpointInspect, NetworkInspect } from '../support/inspect.js';

/**
 * What differs between engine versions (docs/engines.md), on whichever engine DOCKER_HOST names:
 * the keys of Engine 28 (docs/spec.md) applied and read back from inside the container on API
 * 1.48 and later, refused before anything runs before it; `priority` (the connection order),
 * netform's own, on every engine; and what netform says where an engine's own words mislead.
 */
const scope = new EngineScope(inject('runId'), SHARED_BLOCKS.engineVersions);
const project = scope.name('p');
let dir: string;
let api: string;

async function writeSpec(spec: object): Promise<string> {
  const file = join(dir, 'netform.yaml');
  await writeFile(file, stringify({ version: 1, project, ...spec }));
  return file;
}

async function endpoints(container: string): Promise<Record<string, EndpointInspect>> {
  return (await dockerInspect<ContainerInspect>('container', container)).NetworkSettings.Networks;
}

/** Inside the container: interface name -> its addresses (`ip -o addr`). */
async function interfaces(container: string): Promise<Record<string, string[]>> {
  const out = await dockerOk(['exec', container, 'ip', '-o', 'addr']);
  const byName: Record<string, string[]> = {};
  for (const line of out.split('\n')) {
    const match = /^\d+:\s+(\S+?)(?:@\S+)?\s+inet6?\s+(\S+)/.exec(line);
    if (match) (byName[match[1]!] ??= []).push(match[2]!.replace(/\/\d+$/, ''));
  }
  return byName;
}

/** The IPv4 default route inside the container: `default via GW dev IF`. */
async function defaultRoute(container: string): Promise<{ via: string; dev: string } | undefined> {
  const out = await dockerOk(['exec', container, 'ip', 'route']);
  const match = /^default via (\S+) dev (\S+)/m.exec(out);
  return match ? { via: match[1]!, dev: match[2]! } : undefined;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netform-engine-versions-test-'));
  api = (await dockerOk(['version', '--format', '{{.Server.APIVersion}}'])).trim();
});

afterAll(async () => {
  await scope.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('priority: the order a container is connected in', () => {
  it('connects the highest priority first, on every engine and at any parallelism', async () => {
    // On a running container each connect takes the next free ethN: the order is visible inside.
    const container = await scope.createContainer('order');
    const [pa, pb, pc] = [scope.name('pa'), scope.name('pb'), scope.name('pc')];
    const file = await writeSpec({
      networks: {
        [pa]: { subnet: scope.subnet(1).v4 },
        [pb]: { subnet: scope.subnet(2).v4 },
        [pc]: { subnet: scope.subnet(3).v4 },
      },
      containers: {
        // Name order would be pa, pb, pc.
        [container]: { networks: { [pa]: { priority: 1 }, [pb]: { priority: 5 }, [pc]: {} } },
      },
    });
    const result = await runCli(['apply', '-f', file, '--auto-approve', '--parallelism', '4']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const seen = await endpoints(container);
    const inside = await interfaces(container);
    const interfaceOf = (network: string) =>
      Object.keys(inside).find((name) => inside[name]!.includes(seen[network]!.IPAddress!));
    expect([interfaceOf(pb), interfaceOf(pa), interfaceOf(pc)]).toEqual(['eth1', 'eth2', 'eth3']);

    // Not compared with the engine: a new priority alone is no change.
    const again = await writeSpec({
      networks: {
        [pa]: { subnet: scope.subnet(1).v4 },
        [pb]: { subnet: scope.subnet(2).v4 },
        [pc]: { subnet: scope.subnet(3).v4 },
      },
      containers: { [container]: { networks: { [pa]: { priority: 9 }, [pb]: {}, [pc]: {} } } },
    });
    const plan = await runCli(['plan', '-f', again, '--detailed-exitcode']);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect((await runCli(['destroy', '-f', again, '--auto-approve'])).code).toBe(0);
  });
});

describe('Engine 28 keys: enable_ipv4, gw_priority, interface_name', () => {
  const front = scope.name('front');
  const back = scope.name('back');
  const v6 = scope.name('v6only');
  const [f, b, s6] = [scope.subnet(5), scope.subnet(6), scope.subnet(7)];
  let container: string;

  const spec = (gw: { front?: number; back?: number }) => ({
    networks: {
      [front]: { subnet: f.v4 },
      [back]: { subnet: b.v4 },
      [v6]: { enable_ipv4: false, enable_ipv6: true, subnet: s6.v6 },
    },
    containers: {
      [container]: {
        networks: {
          [front]: gw.front === undefined ? {} : { gw_priority: gw.front },
          [back]: { interface_name: 'back0', ...(gw.back === undefined ? {} : { gw_priority: gw.back }) },
          [v6]: { interface_name: 'v6net0' },
        },
      },
    },
  });

  beforeAll(async () => {
    // On the default bridge: its gateway is the default route until netform moves it.
    container = await scope.createContainer('gw');
  });

  it('applies an IPv6-only network and moves the default route on API 1.48+, and refuses the spec before anything runs below it', async () => {
    const before = await defaultRoute(container);
    expect(before?.dev).toBe('eth0');
    const file = await writeSpec(spec({ back: 10 }));
    const result = await runCli(['apply', '-f', file, '--auto-approve']);

    if (compareApiVersions(api, '1.48') < 0) {
      // 20.10 and 26.1 would accept these and ignore them: refused, and nothing was done.
      expect(result.code).toBe(1);
      const said = result.stdout + result.stderr;
      expect(said).toContain(`NF075 networks.${v6}.enable_ipv4`);
      expect(said).toContain(`NF075 containers.${container}.networks.${back}.gw_priority`);
      expect(said).toContain(`NF075 containers.${container}.networks.${back}.interface_name`);
      expect(said).toContain(`needs Engine API 1.48 (Docker 28); this engine speaks API ${api}`);
      for (const network of [front, back, v6]) {
        expect((await docker(['network', 'inspect', network])).code, network).not.toBe(0);
      }
      expect(Object.keys(await endpoints(container))).toEqual(['bridge']);
      expect(await defaultRoute(container)).toEqual(before);
      return;
    }

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Verified/);

    const network = await dockerInspect<NetworkInspect>('network', v6);
    expect(network.EnableIPv4).toBe(false);
    expect(network.EnableIPv6).toBe(true);
    expect(network.IPAM.Config?.map((c) => c.Subnet)).toEqual([s6.v6]);

    const seen = await endpoints(container);
    expect(seen[back]!.GwPriority).toBe(10);
    expect(seen[back]!.DriverOpts).toEqual({ 'com.docker.network.endpoint.ifname': 'back0' });
    expect(seen[v6]!.IPAddress).toBe('');
    expect(seen[v6]!.GlobalIPv6Address).toMatch(new RegExp(`^${s6.v6.replace('::/64', '::')}`));

    const inside = await interfaces(container);
    expect(inside.back0).toContain(seen[back]!.IPAddress);
    expect(inside.v6net0).toContain(seen[v6]!.GlobalIPv6Address);
    expect(inside.v6net0!.filter((address) => !address.includes(':'))).toEqual([]);
    // The route moved off the default bridge, to the network with the highest gw_priority.
    expect(await defaultRoute(container)).toEqual({ via: seen[back]!.Gateway, dev: 'back0' });

    const plan = await runCli(['plan', '-f', file, '--detailed-exitcode']);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);

    // A higher gw_priority elsewhere moves it again (a reconnect of each changed endpoint).
    const moved = await writeSpec(spec({ front: 20, back: 10 }));
    const reapply = await runCli(['apply', '-f', moved, '--auto-approve']);
    expect(reapply.code, reapply.stdout + reapply.stderr).toBe(0);
    expect(reapply.stdout).toMatch(/gw_priority: 0 → 20/);
    const after = await endpoints(container);
    expect(await defaultRoute(container)).toMatchObject({ via: after[front]!.Gateway });
    expect((await runCli(['plan', '-f', moved, '--detailed-exitcode'])).code).toBe(0);
  });
});

describe('what an engine says, explained', () => {
  it("says that a macvlan parent does not exist on the engine's host, and takes one that does", async () => {
    const lan = scope.name('lan');
    const spec = (parent: string) =>
      writeSpec({ networks: { [lan]: { driver: 'macvlan', parent, subnet: scope.subnet(4).v4 } } });
    // Every engine seen answers "invalid subinterface vlan name nfnosuch0, example formatting is eth0.10".
    const missing = await runCli(['apply', '-f', await spec('nfnosuch0'), '--auto-approve']);
    expect(missing.code).toBe(1);
    const said = missing.stdout + missing.stderr;
    expect(said).toContain('the parent interface nfnosuch0 does not exist on the host of the engine at');
    expect(said).toContain('invalid subinterface vlan name nfnosuch0'); // the engine's own words, after
    expect((await docker(['network', 'inspect', lan])).code).not.toBe(0);

    // An interface in the engine's own network namespace is a parent it takes.
    const veth = `nfp${randomBytes(3).toString('hex')}`;
    const link = await onEngineHost(`ip link add ${veth} type veth peer name ${veth}p`);
    expect(link.code, link.stderr).toBe(0);
    try {
      const file = await spec(veth);
      const applied = await runCli(['apply', '-f', file, '--auto-approve']);
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      expect((await dockerInspect<NetworkInspect>('network', lan)).Options?.parent).toBe(veth);
      expect((await runCli(['destroy', '-f', file, '--auto-approve'])).code).toBe(0);
    } finally {
      await onEngineHost(`ip link del ${veth}`);
    }
  });
});
