import { describe, expect, it } from 'vitest';
import { compileCompose } from '../../../src/compose/compile.js';
import { composeProjectName, normalizeProjectName } from '../../../src/compose/project.js';
import type { DesiredState } from '../../../src/model/desired.js';
import { parseSpecText } from '../../../src/spec/parse.js';

/** Reads Compose files from text (the real loader adds only file and .env reading). */
function read(
  files: Record<string, string>,
  env: Record<string, string> = {},
  directory = '/work/Shop.App',
): ReturnType<typeof compileCompose> {
  const parsed = Object.entries(files).map(([file, text]) => {
    const result = parseSpecText(file, text);
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    return result.parsed;
  });
  return compileCompose(parsed, { lookup: (name) => env[name], directory });
}

function spec(files: Record<string, string>, env: Record<string, string> = {}): DesiredState {
  const result = read(files, env);
  if (!result.ok) throw new Error(result.errors.map((d) => `${d.code} ${d.path}: ${d.message}`).join('\n'));
  return result.spec;
}

describe('the Compose project name', () => {
  it.each([
    ['My.Project', 'myproject'],
    ['__web-App_2', 'web-app_2'],
    ['Ünïcode', 'ncode'],
  ])('normalises %j to %j', (name, expected) => {
    expect(normalizeProjectName(name)).toBe(expected);
  });

  const lookup = (env: Record<string, string>) => (name: string) => env[name];
  it('takes COMPOSE_PROJECT_NAME first, then the last name:, then the directory', () => {
    expect(
      composeProjectName({
        lookup: lookup({ COMPOSE_PROJECT_NAME: 'env' }),
        names: ['a'],
        directory: '/x/Dir',
      }),
    ).toMatchObject({ ok: true, name: 'env' });
    expect(
      composeProjectName({ lookup: lookup({}), names: ['a', undefined, 'B.c'], directory: '/x/Dir' }),
    ).toMatchObject({ ok: true, name: 'bc' });
    expect(
      composeProjectName({ lookup: lookup({ P: 'Sub' }), names: ['${P:-x}'], directory: '/x/Dir' }),
    ).toMatchObject({ ok: true, name: 'sub' });
    expect(
      composeProjectName({ lookup: lookup({ COMPOSE_PROJECT_NAME: '' }), names: [], directory: '/x/My.Dir' }),
    ).toMatchObject({ ok: true, name: 'mydir' });
  });

  it('refuses an invalid COMPOSE_PROJECT_NAME and a name with nothing left', () => {
    expect(
      composeProjectName({ lookup: lookup({ COMPOSE_PROJECT_NAME: 'Bad' }), names: [], directory: '/x/d' })
        .ok,
    ).toBe(false);
    expect(composeProjectName({ lookup: lookup({}), names: ['...'], directory: '/x/d' }).ok).toBe(false);
    expect(composeProjectName({ lookup: lookup({}), names: [], directory: '/x/__' }).ok).toBe(false);
  });
});

describe('reading a Compose file into the spec model', () => {
  it('names networks as Compose does and adds the default network only when a service uses it', () => {
    const state = spec({
      'compose.yaml': `
services:
  web: { image: nginx, networks: [front, proxy] }
  worker: { image: w }
  host-net: { image: h, network_mode: host }
networks:
  front: {}
  named: { name: custom-name }
  proxy: { external: true }
  legacy: { external: { name: old-name } }
`,
    });
    expect(state.project).toBe('shopapp');
    expect(Object.keys(state.networks).sort()).toEqual(['proxy', 'shopapp_default', 'shopapp_front']);
    expect(state.compose?.networkKeys).toMatchObject({
      shopapp_front: 'front',
      'custom-name': 'named',
      proxy: 'proxy',
      'old-name': 'legacy',
      shopapp_default: 'default',
    });
    expect(Object.keys(state.containers.worker!.attachments)).toEqual(['shopapp_default']);
    expect(state.containers['host-net']!.attachments).toEqual({});
    expect(state.networks.proxy!.external).toBe(true);
  });

  it('picks the primary network as Compose does: highest priority, then by key', () => {
    const state = spec({
      'compose.yaml': `
services:
  a: { image: x, networks: [zeta, alpha] }
  b: { image: x, networks: { zeta: { priority: 10 }, alpha: {} } }
networks: { zeta: {}, alpha: {} }
`,
    });
    expect(state.compose?.primaryNetworks).toEqual({ a: 'shopapp_alpha', b: 'shopapp_zeta' });
  });

  it('merges override files as Compose does', () => {
    const state = spec({
      'compose.yaml': `
services:
  web:
    image: nginx
    networks:
      front: { aliases: [www], ipv4_address: 10.0.42.10 }
  api:
    image: api
    networks: [front]
networks:
  front:
    labels: { tier: web }
    ipam:
      config:
        - subnet: 10.0.42.0/24
        - subnet: 10.0.44.0/24
`,
      'override.yaml': `
services:
  web:
    networks:
      front: { aliases: [web2] }
  api:
    networks: !reset []
networks:
  front:
    labels: [owner=ops, tier=edge]
    ipam:
      config:
        - subnet: 10.0.42.0/24
          gateway: 10.0.42.254
`,
    });
    const front = state.networks.shopapp_front!;
    // ipam.config merges by subnet: the other subnet is dropped (compose-go's mergeIPAMConfig).
    expect(front.ipam.config).toEqual([{ subnet: '10.0.42.0/24', gateway: '10.0.42.254', auxAddresses: {} }]);
    expect(front.labels).toEqual({ owner: 'ops', tier: 'edge' });
    const web = state.containers.web!.attachments.shopapp_front!;
    expect(web.aliases).toEqual(['web2', 'www']);
    expect(web.ipv4Address).toBe('10.0.42.10');
    // !reset removes api's networks: it joins the default network.
    expect(Object.keys(state.containers.api!.attachments)).toEqual(['shopapp_default']);
  });

  it('substitutes variables, casts network booleans, and keeps positions of the original file', () => {
    const result = read(
      {
        'compose.yaml': `services:
  web:
    image: nginx
    networks:
      front:
        ipv4_address: \${WEB_IP:-10.0.42.10}
networks:
  front:
    internal: "\${INTERNAL:-true}"
    ipam:
      config:
        - subnet: \${SUBNET}
`,
      },
      { SUBNET: '10.0.43.0/24', COMPOSE_PROJECT_NAME: 'shop' },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toMatchObject([
      {
        code: 'NF021',
        path: 'services.web.networks.front.ipv4_address',
        position: { file: 'compose.yaml', line: 6, column: 23 },
        message: '10.0.42.10 is not inside subnet 10.0.43.0/24 of network front',
      },
    ]);
    const ok = spec({
      'compose.yaml': 'services: { web: { image: x, networks: [n] } }\nnetworks: { n: { internal: "yes" } }',
    });
    expect(ok.networks.shopapp_n!.internal).toBe(true);
  });

  it('takes gw_priority as the gateway priority and interface_name as the driver option Compose sends, not priority (connection order)', () => {
    const state = spec({
      'compose.yaml': `
services:
  web:
    image: x
    networks:
      front: { gw_priority: 5, priority: 100, interface_name: eth7, mac_address: 02:42:AC:11:00:02 }
networks: { front: {} }
`,
    });
    const attachment = state.containers.web!.attachments.shopapp_front!;
    expect(attachment.gwPriority).toBe(5);
    expect(attachment.priority).toBeUndefined();
    expect(attachment.driverOpts).toEqual({ 'com.docker.network.endpoint.ifname': 'eth7' });
    expect(attachment.macAddress).toBe('02:42:ac:11:00:02');
  });

  it('inherits networks through extends within the file', () => {
    const state = spec({
      'compose.yaml': `
services:
  base: { image: x, networks: { front: { aliases: [b] } } }
  child: { extends: base, networks: { front: { aliases: [c] } } }
  other: { extends: { service: base } }
networks: { front: {} }
`,
    });
    expect(state.containers.child!.attachments.shopapp_front!.aliases).toEqual(['b', 'c']);
    expect(state.containers.other!.attachments.shopapp_front!.aliases).toEqual(['b']);
  });
});

describe('plan and apply refuse a Compose file', () => {
  it('the one plan() throws a NetformError naming the project', async () => {
    const { planForEngine } = await import('../../../src/apply/plan-engine.js');
    const { NetformError } = await import('../../../src/model/errors.js');
    const state = spec({ 'compose.yaml': 'services: { web: { image: x } }' });
    const observed = {
      engine: {
        version: '20.10.24',
        apiVersion: '1.41',
        engineApiVersion: '1.41',
        os: 'linux',
        arch: 'amd64',
        swarmState: 'inactive',
        swarmControl: false,
      },
      networks: [],
      containers: [],
    };
    expect(() => planForEngine(state, observed as never)).toThrow(NetformError);
    expect(() => planForEngine(state, observed as never)).toThrow(
      /project shopapp was read from a Compose file/,
    );
  });
});
