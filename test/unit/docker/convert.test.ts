import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { negotiateApiVersion } from '../../../src/docker/api-version.js';
import {
  containersToInspect,
  withProjectNetworks,
  engineInfoFrom,
  observedStateFrom,
  type ObservePayloads,
} from '../../../src/docker/convert.js';
import type { ApiInfo, ApiNetwork, ApiVersion } from '../../../src/docker/engine-api.js';
import { canonicalAddress, canonicalCidr } from '../../../src/core/cidr.js';
import type { ObservedState } from '../../../src/model/observed.js';

/*
 * Every fixture under test/fixtures/engine/api-<version>/<case>/payloads.json (recorded from an
 * engine, or written from that API version's reference) is converted and compared with the
 * observed.json beside it (UPDATE_GOLDEN=1 rewrites them), then checked for what must hold for
 * every engine version.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/engine');

interface Fixture extends ObservePayloads {
  source: string;
  notes: string;
  /** The API version the payloads were asked in, when older than the engine's own. */
  apiVersion?: string;
  version: ApiVersion;
  info: ApiInfo;
}

const fixtures = readdirSync(ROOT)
  .filter((d) => d.startsWith('api-'))
  .flatMap((d) => readdirSync(join(ROOT, d)).map((c) => join(ROOT, d, c)))
  .filter((dir) => existsSync(join(dir, 'payloads.json')));

function observe(dir: string): { fixture: Fixture; state: ObservedState } {
  const fixture = JSON.parse(readFileSync(join(dir, 'payloads.json'), 'utf8')) as Fixture;
  const engine = engineInfoFrom(
    fixture.version,
    fixture.info,
    fixture.apiVersion ?? negotiateApiVersion(fixture.version.ApiVersion!),
  );
  // Only the inspects observe() would make: the fixture may hold more.
  const wanted = new Set(containersToInspect(fixture.containers));
  const inspects = fixture.inspects.filter((i) => wanted.has(i.Id));
  return { fixture, state: observedStateFrom(engine, { ...fixture, inspects }) };
}

describe('convert: recorded and documented engine payloads', () => {
  it('has fixtures for every engine generation', () => {
    const versions = new Set(fixtures.map((f) => relative(ROOT, f).split('/')[0]));
    expect([...versions].sort()).toEqual(['api-1.41', 'api-1.44', 'api-1.45', 'api-1.51', 'api-1.54']);
  });

  it.each(fixtures.map((f) => [relative(ROOT, f), f]))(
    '%s matches its golden observed.json',
    async (_name, dir) => {
      const { state } = observe(dir);
      const golden = join(dir, 'observed.json');
      if (process.env.UPDATE_GOLDEN === '1') {
        const options = await prettier.resolveConfig(golden);
        writeFileSync(golden, await prettier.format(JSON.stringify(state), { ...options, parser: 'json' }));
      }
      expect(JSON.parse(JSON.stringify(state))).toStrictEqual(JSON.parse(readFileSync(golden, 'utf8')));
    },
  );

  it.each(fixtures.map((f) => [relative(ROOT, f), f]))('%s: invariants', (_name, dir) => {
    const { fixture, state } = observe(dir);
    expect(state.engine.engineApiVersion).toBe(fixture.version.ApiVersion);
    for (const network of state.networks) {
      for (const pool of network.ipam.config) {
        expect(pool.subnet).toBe(canonicalCidr(pool.subnet));
        if (pool.ipRange) expect(pool.ipRange).toBe(canonicalCidr(pool.ipRange));
        if (pool.gateway) expect(pool.gateway).toBe(canonicalAddress(pool.gateway));
      }
    }
    const networkIds = new Map(state.networks.map((n) => [n.name, n.id]));
    const inspected = new Set(fixture.inspects.map((i) => i.Id));
    expect(state.containers.map((c) => c.name)).toEqual(
      fixture.containers.map((c) => c.Names![0]!.slice(1)).sort(),
    );
    for (const container of state.containers) {
      expect(container.name.startsWith('/')).toBe(false);
      for (const [name, endpoint] of Object.entries(container.endpoints)) {
        expect(endpoint.networkName).toBe(name);
        // Filled from the network list where the engine leaves it out (never-started containers).
        expect(endpoint.networkId).toBe(networkIds.get(name));
        expect(endpoint.aliasesKnown).toBe(inspected.has(container.id));
        for (const address of [
          endpoint.configuredIPv4,
          endpoint.configuredIPv6,
          endpoint.ipv4Address,
          endpoint.ipv6Address,
        ]) {
          if (address) expect(address).toBe(canonicalAddress(address));
        }
        if (endpoint.macAddress) expect(endpoint.macAddress).toBe(endpoint.macAddress.toLowerCase());
      }
    }
  });
});

describe('convert: what differs between engine versions', () => {
  const load = (path: string): ObservedState => observe(join(ROOT, path)).state;
  const endpoint = (state: ObservedState, container: string, network: string) =>
    state.containers.find((c) => c.name === container)!.endpoints[network]!;

  const E20 = 'api-1.41/engine-20.10';
  const E26 = 'api-1.45/engine-26.1';
  const E26AT144 = 'api-1.44/engine-26.1';
  const E28 = 'api-1.51/engine-28.5';
  const network = (state: ObservedState, suffix: string) =>
    state.networks.find((n) => n.name.endsWith(suffix))!;

  it('every engine (20.10, 26.1, 28.5) adds an IPv4 pool beside a lone IPv6 subnet; the subnet comes out canonical', () => {
    for (const fixture of [E20, E26, E28]) {
      const pools = network(load(fixture), '-v6only').ipam.config.map((p) => p.subnet);
      expect(pools, fixture).toHaveLength(2);
      expect(pools, fixture).toContain('fd00:213:0:f::/64');
      expect(
        pools.find((p) => !p.includes(':')),
        fixture,
      ).toMatch(/^(172|192\.168)\./);
    }
    expect(network(load(E20), '-v6only').enableIPv4).toBeUndefined();
  });

  it('lists the short-id alias up to API 1.44 (26.1 asked in 1.44 too) and not after; DNSNames from 1.44', () => {
    const idOf = (state: ObservedState) =>
      state.containers.find((c) => c.name.endsWith('-web'))!.id.slice(0, 12);
    const at144 = load(E26AT144);
    const v144 = endpoint(at144, 'nft-rec-b1-web', 'nft-rec-b1-lan');
    expect(v144.aliases).toEqual(['www', idOf(at144)]);
    expect(v144.dnsNames).toEqual(['nft-rec-b1-web', 'www', idOf(at144)]);
    for (const fixture of [E26, E28]) {
      const state = load(fixture);
      const web = endpoint(state, 'nft-rec-b1-web', 'nft-rec-b1-lan');
      expect(web.aliases, fixture).toEqual(['www']);
      expect(web.dnsNames, fixture).toContain(idOf(state));
    }
    const e20 = load(E20);
    expect(endpoint(e20, 'nft-rec-b1-web', 'nft-rec-b1-lan').aliases).toEqual(['www', idOf(e20)]);
    expect(endpoint(e20, 'nft-rec-b1-web', 'nft-rec-b1-lan').dnsNames).toBeUndefined();
  });

  it('reads EnableIPv4, GwPriority and the interface name from API 1.48', () => {
    const e28 = load(E28);
    expect(network(e28, '-dual').enableIPv4).toBe(true);
    expect(network(e28, '-v6net').enableIPv4).toBe(false);
    expect(network(e28, '-v6net').ipam.config.map((p) => p.subnet)).toEqual(['fd00:213:0:77::/64']);
    const v6net = endpoint(e28, 'nft-rec-b1-web', 'nft-rec-b1-v6net');
    expect(v6net.gwPriority).toBe(10);
    expect(v6net.driverOpts).toEqual({ 'com.docker.network.endpoint.ifname': 'v6net0' });
    expect(v6net.ipv4Address).toBeUndefined();
    expect(endpoint(e28, 'nft-rec-b1-web', 'nft-rec-b1-lan').gwPriority).toBeUndefined(); // 0 reads as none
    expect(network(load(E26), '-dual').enableIPv4).toBeUndefined();
    expect(endpoint(load(E26), 'nft-rec-b1-web', 'nft-rec-b1-lan').gwPriority).toBeUndefined();
    expect(load('api-1.54/shop').networks.find((n) => n.name === 'shop_v6only')!.enableIPv4).toBe(false);
  });

  it('keeps what the daemon chose (automatic IPv6 /64, random MACs, missing gateways) for the normaliser to judge', () => {
    const auto6 = network(load(E28), '-auto6').ipam.config.map((p) => p.subnet);
    expect(auto6[0]).toBe('10.213.119.0/24');
    expect(auto6[1]).toMatch(/^fd[0-9a-f:]+::\/64$/);
    // MACs derived from the IPv4 address up to 26.1 (02:42 + the address), random on 28.5.
    expect(endpoint(load(E26), 'nft-rec-b1-web', 'nft-rec-b1-lan').macAddress).toBe('02:42:0a:d5:0e:c8');
    expect(endpoint(load(E28), 'nft-rec-b1-web', 'nft-rec-b1-lan').macAddress).not.toMatch(/^02:42:/);
    const dual = load('api-1.54/shop').networks.find((n) => n.name === 'shop_dual')!;
    expect(dual.ipam.config).toEqual([
      { subnet: '10.26.120.0/24', auxAddresses: {} },
      { subnet: 'fdd1:ac8c:557:7ce2::/64', auxAddresses: {} },
    ]);
  });

  it('reads swarm state and overlay networks', () => {
    const state = load('api-1.54/shop');
    expect([state.engine.swarmState, state.engine.swarmControl]).toEqual(['active', true]);
    const mesh = state.networks.find((n) => n.name === 'shop_mesh')!;
    expect([mesh.driver, mesh.scope, mesh.attachable]).toEqual(['overlay', 'swarm', true]);
    expect(state.networks.find((n) => n.name === 'ingress')!.ingress).toBe(true);
  });

  it.each([E20, E26, E28])(
    "%s: list-only endpoints have aliases unknown, and a never-started container's network ids are filled",
    (fixture) => {
      const state = load(fixture);
      expect(endpoint(state, 'nft-rec-b1-plain', 'bridge').aliasesKnown).toBe(false);
      const idle = endpoint(state, 'nft-rec-b1-idle', 'nft-rec-b1-lan');
      expect(idle.networkId).toBe(network(state, '-lan').id);
      expect([idle.aliases, idle.ipv4Address]).toEqual([['sleepy'], undefined]);
    },
  );
});

describe('containersToInspect', () => {
  const summary = (id: string, name: string, networks: Record<string, string>) => ({
    Id: id,
    Names: [`/${name}`],
    NetworkSettings: {
      Networks: Object.fromEntries(
        Object.entries(networks).map(([n, networkId]) => [n, { NetworkID: networkId }]),
      ),
    },
  });
  const list = [
    summary('c1', 'foo', { foo: 'n-foo' }),
    summary('c2', 'foobar', { foobar: 'n-foobar' }),
    summary('c3', 'plain', { bridge: 'n-bridge' }),
    summary('c4', 'hosted', { host: 'n-host' }),
    summary('c5', 'idle', { foo: '' }),
  ];

  it('adds the networks a project manages, by exact labels', () => {
    const networks: ApiNetwork[] = [
      { Name: 'foo', Id: 'n-foo', Labels: { 'io.netform.managed': 'true', 'io.netform.project': 'shop' } },
      {
        Name: 'foobar',
        Id: 'n-foobar',
        Labels: { 'io.netform.managed': 'true', 'io.netform.project': 'shopping' },
      },
      { Name: 'plain', Id: 'n-plain', Labels: { 'io.netform.project': 'shop' } },
    ];
    const options = withProjectNetworks(networks, { networks: ['declared'], project: 'shop' });
    expect(options.networks).toEqual(['declared', 'foo']);
    expect(containersToInspect(list, options)).toEqual(['c1', 'c5']);
    expect(withProjectNetworks(networks, { networks: ['x'] })).toEqual({ networks: ['x'] });
  });

  it.each([
    ['every container on a user network by default', {}, ['c1', 'c2', 'c5']],
    ['only those on the named networks, names exact', { networks: ['foo'] }, ['c1', 'c5']],
    ['networks by id too', { networks: ['n-foobar'] }, ['c2']],
    [
      'named containers besides, names exact',
      { networks: ['foo'], containers: ['plain', 'foob'] },
      ['c1', 'c3', 'c5'],
    ],
    ['none when no network is asked for', { networks: [] }, []],
  ] as const)('%s', (_name, options, ids) => {
    expect(
      containersToInspect(list, { ...options } as { networks?: string[]; containers?: string[] }),
    ).toEqual(ids);
  });
});

describe('network mode container:X', () => {
  const engine = {
    version: '20.10.24',
    apiVersion: '1.41',
    engineApiVersion: '1.41',
    os: 'linux',
    arch: 'amd64',
    swarmState: 'inactive',
    swarmControl: false,
  };
  const shared = `container:${'a'.repeat(64)}`;

  it('is kept from the list and from an inspect; other modes are left to the endpoints', () => {
    const state = observedStateFrom(engine, {
      networks: [],
      containers: [
        { Id: 'c1', Names: ['/sidecar'], HostConfig: { NetworkMode: shared } },
        { Id: 'c2', Names: ['/web'], HostConfig: { NetworkMode: 'default' } },
        { Id: 'c3', Names: ['/agent'], HostConfig: { NetworkMode: 'host' } },
        { Id: 'c4', Names: ['/inspected'] },
      ],
      inspects: [{ Id: 'c4', Name: '/inspected', HostConfig: { NetworkMode: shared } }],
    });
    expect(state.containers.map((c) => [c.name, c.networkMode])).toEqual([
      ['agent', undefined],
      ['inspected', shared],
      ['sidecar', shared],
      ['web', undefined],
    ]);
  });
});
