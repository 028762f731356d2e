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
    negotiateApiVersion(fixture.version.ApiVersion!),
  );
  // Only the inspects observe() would make: the fixture may hold more.
  const wanted = new Set(containersToInspect(fixture.containers));
  const inspects = fixture.inspects.filter((i) => wanted.has(i.Id));
  return { fixture, state: observedStateFrom(engine, { ...fixture, inspects }) };
}

describe('convert: recorded and documented engine payloads', () => {
  it('has fixtures for every engine generation', () => {
    const versions = new Set(fixtures.map((f) => relative(ROOT, f).split('/')[0]));
    expect([...versions].sort()).toEqual(['api-1.41', 'api-1.44', 'api-1.48', 'api-1.54']);
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

  it('20.10 adds an IPv4 pool beside a lone IPv6 subnet, and the IPv6 subnet comes out canonical', () => {
    const state = load('api-1.41/recorded');
    const v6only = state.networks.find((n) => n.name.endsWith('v6only'))!;
    expect(v6only.ipam.config.map((p) => p.subnet)).toEqual(['192.168.128.0/20', 'fd00:213:0:f::/64']);
    expect(v6only.enableIPv4).toBeUndefined();
  });

  it('lists the short-id alias up to API 1.44 and not after; DNSNames from 1.44', () => {
    const v144 = endpoint(load('api-1.44/shop'), 'network-explorer', 'shop_dual');
    expect(v144.aliases).toEqual(['explorer', 'a1a1a1a1a1a1']);
    expect(v144.dnsNames).toEqual(['network-explorer', 'a1a1a1a1a1a1', 'explorer']);
    const v148 = endpoint(load('api-1.48/shop'), 'network-explorer', 'shop_dual');
    expect(v148.aliases).toEqual(['explorer']);
    expect(v148.dnsNames).toContain('a1a1a1a1a1a1');
    expect(endpoint(load('api-1.41/recorded'), 'nft-rec-b1-web', 'nft-rec-b1-lan').dnsNames).toBeUndefined();
  });

  it('reads EnableIPv4 and GwPriority from API 1.48', () => {
    const state = load('api-1.48/shop');
    expect(state.networks.find((n) => n.name === 'shop_dual')!.enableIPv4).toBe(true);
    expect(endpoint(state, 'network-explorer', 'shop_dual').gwPriority).toBe(10);
    const v154 = load('api-1.54/shop');
    expect(v154.networks.find((n) => n.name === 'shop_v6only')!.enableIPv4).toBe(false);
    expect(endpoint(load('api-1.44/shop'), 'network-explorer', 'shop_dual').gwPriority).toBeUndefined();
  });

  it('keeps what the daemon chose (automatic IPv6 /64, random MACs, missing gateways) for the normaliser to judge', () => {
    const auto6 = load('api-1.48/shop').networks.find((n) => n.name === 'shop_auto6')!;
    expect(auto6.ipam.config.map((p) => p.subnet)).toEqual(['10.0.50.0/24', 'fd5b:c1a2:9e4f:1::/64']);
    expect(endpoint(load('api-1.48/shop'), 'network-explorer', 'shop_user-network').macAddress).toBe(
      'b6:2f:4c:91:0e:7a',
    );
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

  it("marks list-only endpoints as aliases unknown, and fills a never-started container's network ids", () => {
    const state = load('api-1.48/shop');
    expect(endpoint(state, 'plain', 'bridge').aliasesKnown).toBe(false);
    const idle = endpoint(state, 'idle', 'shop_dual');
    expect(idle.networkId).toBe(state.networks.find((n) => n.name === 'shop_dual')!.id);
    expect([idle.aliases, idle.configuredIPv4, idle.ipv4Address]).toEqual([
      ['sleepy'],
      '10.26.120.140',
      undefined,
    ]);
  });
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
