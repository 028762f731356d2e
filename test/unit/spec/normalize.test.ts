import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../../../src/model/desired.js';
import { compileSpec } from '../../../src/spec/index.js';

function compile(text: string, files: { file: string; text: string }[] = []): DesiredState {
  const result = compileSpec([{ file: '/srv/shop/netform.yaml', text }, ...files]);
  if (!result.ok) throw new Error(result.errors.map((d) => `${d.code} ${d.message}`).join('\n'));
  return result.spec;
}

describe('normalisation', () => {
  it('expands the shorthand into one canonical pool and fills the defaults', () => {
    const spec = compile(`
networks:
  user-network:
    subnet: 10.0.42.0/24
    ip_range: 10.0.42.128/25
    gateway: 10.0.42.1
    aux_addresses: { router: 10.0.42.2 }
`);
    expect(spec).toEqual({
      project: 'shop',
      networks: {
        'user-network': {
          name: 'user-network',
          driver: 'bridge',
          external: false,
          exclusive: false,
          attachable: false,
          internal: false,
          enableIPv4: true,
          enableIPv6: false,
          ingress: false,
          ipam: {
            driver: 'default',
            options: {},
            config: [
              {
                subnet: '10.0.42.0/24',
                ipRange: '10.0.42.128/25',
                gateway: '10.0.42.1',
                auxAddresses: { router: '10.0.42.2' },
              },
            ],
          },
          labels: {},
          driverOpts: {},
          source: { file: '/srv/shop/netform.yaml', line: 3, column: 3 },
        },
      },
      containers: {},
    });
  });

  it('gives the same pools for the shorthand and the full ipam form', () => {
    const short = compile('networks:\n  n:\n    subnet: 10.0.42.0/24\n    gateway: 10.0.42.1\n');
    const full = compile(
      'networks:\n  n:\n    ipam:\n      config:\n        - { subnet: 10.0.42.0/24, gateway: 10.0.42.1 }\n',
    );
    expect(full.networks.n!.ipam).toEqual(short.networks.n!.ipam);
  });

  it('sorts pools IPv4 first, then by address, and prints CIDRs and addresses canonically', () => {
    const spec = compile(`
networks:
  dual:
    driver: macvlan
    parent: eth0
    enable_ipv6: true
    ipam:
      driver: custom
      options: { foo: 1 }
      config:
        - subnet: FDD1:AC8C:0557:7CE2::/64
          gateway: FDD1:AC8C:0557:7CE2:0:0:0:1
        - subnet: 10.26.121.0/24
        - subnet: 10.26.120.0/24
containers:
  web:
    networks:
      dual:
        ipv6_address: FDD1:AC8C:0557:7CE2:0::10
        link_local_ips: [fe80::0:1, 169.254.1.1, 169.254.1.1]
        mac_address: 02-42-AC-11-00-02
        aliases: [web, api, web]
        priority: 5
`);
    expect(spec.networks.dual!.ipam).toEqual({
      driver: 'custom',
      options: { foo: '1' },
      config: [
        { subnet: '10.26.120.0/24', auxAddresses: {} },
        { subnet: '10.26.121.0/24', auxAddresses: {} },
        { subnet: 'fdd1:ac8c:557:7ce2::/64', gateway: 'fdd1:ac8c:557:7ce2::1', auxAddresses: {} },
      ],
    });
    const { source: _source, ...attachment } = spec.containers.web!.attachments.dual!;
    expect(attachment).toEqual({
      container: 'web',
      network: 'dual',
      aliases: ['api', 'web'],
      ipv6Address: 'fdd1:ac8c:557:7ce2::10',
      linkLocalIps: ['169.254.1.1', 'fe80::1'],
      macAddress: '02:42:ac:11:00:02',
      driverOpts: {},
      priority: 5,
    });
  });

  it('stringifies YAML booleans and numbers in labels and options as written', () => {
    const spec = compile(`
networks:
  n:
    labels: { chapter: 5, flag: true, hex: 0x1F, float: 5.0, word: yes, quoted: "007", neg: -3 }
    driver_opts: { com.docker.network.driver.mtu: 1450, com.docker.network.bridge.enable_icc: false }
`);
    expect(spec.networks.n!.labels).toEqual({
      chapter: '5',
      flag: 'true',
      hex: '0x1F',
      float: '5.0',
      word: 'yes',
      quoted: '007',
      neg: '-3',
    });
    expect(spec.networks.n!.driverOpts).toEqual({
      'com.docker.network.driver.mtu': '1450',
      'com.docker.network.bridge.enable_icc': 'false',
    });
  });

  it("reads YAML 1.2's explicit !!float and !!int on any number (issue 15, finding 10)", () => {
    const spec = compile('networks:\n  n:\n    labels: { f: !!float 1, i: !!int 42, s: !!str 7 }\n');
    expect(spec.networks.n!.labels).toEqual({ f: '1', i: '42', s: '7' });
    const result = compileSpec([{ file: 'n.yaml', text: 'networks:\n  n:\n    labels: { f: !!float 1 }\n' }]);
    expect(result.warnings).toEqual([]);
  });

  it('accepts labels in the Compose list form', () => {
    const spec = compile('networks:\n  n:\n    labels: ["a=1", "b=x=y", "c"]\n');
    expect(spec.networks.n!.labels).toEqual({ a: '1', b: 'x=y', c: '' });
  });

  it('folds parent into driverOpts.parent', () => {
    const spec = compile(
      'networks:\n  lan:\n    driver: macvlan\n    parent: eth0.50\n    driver_opts: { foo: bar }\n',
    );
    expect(spec.networks.lan!.driverOpts).toEqual({ foo: 'bar', parent: 'eth0.50' });
    expect(spec.networks.lan!.driver).toBe('macvlan');
  });

  it('keys networks by their Docker name (name:, legacy external.name) and maps attachments to it', () => {
    const spec = compile(`
networks:
  front:
    name: shop_front
  infra:
    external: { name: shared-infra }
  other:
    external: true
    name: other-infra
containers:
  web:
    networks: [front, infra, other]
`);
    expect(Object.keys(spec.networks)).toEqual(['shop_front', 'shared-infra', 'other-infra']);
    expect(spec.networks['shared-infra']!.external).toBe(true);
    expect(Object.keys(spec.containers.web!.attachments)).toEqual([
      'shop_front',
      'shared-infra',
      'other-infra',
    ]);
    expect(spec.containers.web!.attachments.shop_front!.network).toBe('shop_front');
    // The spec's key is kept for diagnostics' paths (NF074 names networks.infra, not shared-infra).
    expect(spec.networks['shared-infra']!.specKey).toBe('infra');
    expect(spec.networks.shop_front!.specKey).toBe('front');
  });

  it('treats the list and map forms of attachments alike, and empty entries as defaults', () => {
    const list = compile('networks:\n  a:\n  b: {}\ncontainers:\n  web:\n    networks: [a, b]\n');
    const map = compile(
      'networks:\n  a: {}\n  b:\ncontainers:\n  web:\n    networks:\n      a:\n      b: {}\n',
    );
    const strip = (s: DesiredState) =>
      JSON.parse(JSON.stringify(s, (k, v: unknown) => (k === 'source' ? undefined : v))) as unknown;
    expect(strip(list)).toEqual(strip(map));
    expect(list.containers.web!.attachments.a).toMatchObject({
      aliases: [],
      linkLocalIps: [],
      driverOpts: {},
    });
  });

  it('keeps a container with no networks as owning no attachment', () => {
    const spec = compile('networks:\n  a: {}\ncontainers:\n  lonely:\n  empty: { networks: [] }\n');
    expect(spec.containers.lonely!.attachments).toEqual({});
    expect(spec.containers.empty!.attachments).toEqual({});
  });

  it('defaults the project to the first file’s directory (Compose style) and lets the spec override it', () => {
    expect(compileSpec([{ file: '/srv/My Shop!/netform.yaml', text: 'networks: {}\n' }])).toMatchObject({
      ok: true,
      spec: { project: 'myshop' },
    });
    expect(compile('project: explicit\nnetworks: {}\n').project).toBe('explicit');
    expect(
      compileSpec([{ file: 'netform.yaml', text: 'networks: {}\n' }], { defaultProject: 'given' }),
    ).toMatchObject({ ok: true, spec: { project: 'given' } });
  });

  it('merges files key by key: later scalars and lists win, mappings merge, list and map attachments combine', () => {
    const spec = compile(
      `
project: shop
networks:
  front:
    subnet: 10.0.42.0/24
    labels: { tier: web, keep: yes }
containers:
  web:
    networks: [front]
`,
      [
        {
          file: '/srv/shop/override.yaml',
          text: `
networks:
  front:
    labels: { tier: edge }
  back: {}
containers:
  web:
    networks:
      front: { aliases: [www] }
      back: {}
`,
        },
      ],
    );
    expect(spec.networks.front!.labels).toEqual({ tier: 'edge', keep: 'yes' });
    expect(spec.networks.front!.ipam.config[0]!.subnet).toBe('10.0.42.0/24');
    expect(Object.keys(spec.networks)).toEqual(['front', 'back']);
    expect(spec.containers.web!.attachments.front!.aliases).toEqual(['www']);
    expect(spec.networks.back!.source?.file).toBe('/srv/shop/override.yaml');
    expect(spec.networks.front!.source?.file).toBe('/srv/shop/netform.yaml');
  });

  it('ignores x- extension keys at the top level and resolves YAML anchors and merge keys', () => {
    const spec = compile(`
x-common: &common
  driver: bridge
  attachable: true
  labels: { team: net }
networks:
  a:
    <<: *common
    subnet: 10.1.0.0/24
  b:
    <<: *common
    internal: true
`);
    expect(spec.networks.a).toMatchObject({ attachable: true, labels: { team: 'net' } });
    expect(spec.networks.b).toMatchObject({ attachable: true, internal: true });
  });
});
