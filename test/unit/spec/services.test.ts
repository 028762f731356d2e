import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../../../src/model/desired.js';
import { compileSpec } from '../../../src/spec/index.js';

function compile(text: string, more: string[] = []): DesiredState {
  const result = compileSpec([
    { file: '/srv/shop/netform.yaml', text },
    ...more.map((t, i) => ({ file: `/srv/shop/override${i}.yaml`, text: t })),
  ]);
  if (!result.ok) throw new Error(result.errors.map((d) => `${d.code} ${d.message}`).join('\n'));
  return result.spec;
}

function codes(text: string): string[] {
  const result = compileSpec([{ file: '/srv/shop/netform.yaml', text }]);
  return result.ok ? [] : result.errors.map((d) => `${d.code} ${d.path}`);
}

const NETWORKS = `
networks:
  mesh:
    driver: overlay
    attachable: true
  back:
    name: shop_back
    driver: overlay
`;

describe('services: normalisation', () => {
  it('reads the list and the map form, by Docker name, with sorted aliases and string driver options', () => {
    const spec = compile(`${NETWORKS}
services:
  web:
    networks:
      mesh: { aliases: [www, api, www], driver_opts: { mtu: 1400, flag: true } }
      back:
  worker:
    networks: [mesh]
  idle:
`);
    expect(spec.services).toEqual({
      web: {
        name: 'web',
        source: { file: '/srv/shop/netform.yaml', line: 11, column: 3 },
        attachments: {
          mesh: {
            service: 'web',
            network: 'mesh',
            aliases: ['api', 'www'],
            driverOpts: { mtu: '1400', flag: 'true' },
            source: { file: '/srv/shop/netform.yaml', line: 13, column: 7 },
          },
          shop_back: {
            service: 'web',
            network: 'shop_back',
            aliases: [],
            driverOpts: {},
            source: { file: '/srv/shop/netform.yaml', line: 14, column: 7 },
          },
        },
      },
      worker: {
        name: 'worker',
        source: { file: '/srv/shop/netform.yaml', line: 15, column: 3 },
        attachments: {
          mesh: {
            service: 'worker',
            network: 'mesh',
            aliases: [],
            driverOpts: {},
            source: { file: '/srv/shop/netform.yaml', line: 16, column: 16 },
          },
        },
      },
      idle: {
        name: 'idle',
        source: { file: '/srv/shop/netform.yaml', line: 17, column: 3 },
        attachments: {},
      },
    });
  });

  it('leaves services out of a spec without the key, and keeps an empty map for `services: {}`', () => {
    expect(compile(NETWORKS).services).toBeUndefined();
    expect(compile(`${NETWORKS}\nservices: {}\n`).services).toEqual({});
  });

  it('merges a list in one file with a map in another, as for containers', () => {
    const spec = compile(`${NETWORKS}\nservices:\n  web:\n    networks: [mesh, back]\n`, [
      'services:\n  web:\n    networks:\n      mesh: { aliases: [www] }\n',
    ]);
    const attachments = spec.services?.web?.attachments ?? {};
    expect(Object.keys(attachments).sort()).toEqual(['mesh', 'shop_back']);
    expect(attachments.mesh?.aliases).toEqual(['www']);
  });
});

describe('swarm-scoped networks: normalisation', () => {
  it('gives a swarm macvlan/ipvlan network its config-only network, default <name>-config', () => {
    const spec = compile(`
networks:
  lan:
    driver: macvlan
    scope: swarm
    parent: eth0
    subnet: 10.0.50.0/24
  wan:
    driver: ipvlan
    scope: swarm
    parent: eth1
    config_from: wan-nodes
  local-lan:
    driver: macvlan
    parent: eth0
  mesh:
    driver: overlay
    scope: swarm
`);
    expect(spec.networks.lan?.configFrom).toBe('lan-config');
    expect(spec.networks.wan?.configFrom).toBe('wan-nodes');
    expect(spec.networks['local-lan']?.configFrom).toBeUndefined();
    expect(spec.networks.mesh?.configFrom).toBeUndefined();
    expect(spec.networks.lan?.scope).toBe('swarm');
  });
});

describe('services: offline checks', () => {
  it('accepts overlay and swarm-scoped networks for services', () => {
    expect(
      codes(`${NETWORKS}
  lan: { driver: macvlan, scope: swarm, parent: eth0 }
  infra: { external: true }
services:
  web: { networks: [mesh, back, lan, infra] }
`),
    ).toEqual([]);
  });

  it('refuses local networks, undeclared networks and per-task settings', () => {
    expect(
      codes(`${NETWORKS}
  front: {}
  lan: { driver: macvlan, parent: eth0 }
services:
  web:
    networks:
      front: {}
      lan: {}
      nope: {}
      mesh: { ipv6_address: 'fd00::5', mac_address: '02:42:00:00:00:01', link_local_ips: [169.254.0.5] }
`),
    ).toEqual([
      'NF140 services.web.networks.front',
      'NF140 services.web.networks.lan',
      'NF027 services.web.networks.nope',
      'NF142 services.web.networks.mesh.ipv6_address',
      'NF142 services.web.networks.mesh.mac_address',
      'NF142 services.web.networks.mesh.link_local_ips',
    ]);
  });

  it('refuses an invalid alias on a service', () => {
    expect(
      codes(`${NETWORKS}\nservices:\n  web:\n    networks:\n      mesh: { aliases: ['-bad'] }\n`),
    ).toEqual(['NF051 services.web.networks.mesh.aliases[0]']);
  });

  it('asks for attachable on a swarm network a container joins, and not for services', () => {
    expect(
      codes(`
networks:
  mesh: { driver: overlay }
  lan: { driver: macvlan, scope: swarm, parent: eth0 }
  open: { driver: macvlan, scope: swarm, parent: eth1, attachable: true, config_from: open-nodes }
containers:
  tool: { networks: [mesh, lan, open] }
services:
  web: { networks: [mesh, lan] }
`),
    ).toEqual(['NF141 containers.tool.networks[0]', 'NF141 containers.tool.networks[1]']);
  });
});
