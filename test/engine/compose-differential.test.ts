import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { BLOCKS } from '../support/blocks.js';
import { runCli } from '../support/cli.js';
import {
  docker,
  dockerInspect,
  dockerOk,
  EngineScope,
  networkNames,
  run,
  TEST_IMAGE,
} from '../support/engine.js';
import type { NetworkInspect } from '../support/inspect.js';

/** The endpoint fields these rows read back (docker inspect of a container). */
interface Endpoints {
  NetworkSettings: {
    Networks: Record<
      string,
      { IPAddress: string; GlobalIPv6Address: string; MacAddress: string; Aliases: string[] | null }
    >;
  };
}

/**
 * The differential test of Compose files (docs/compose.md): for each file of the table, what
 * `netform validate` says (through the real CLI, against this engine) and what the real
 * `docker compose up` (Debian's Compose, scripts/compose.sh) does with it on the same engine.
 * What netform rejects, Compose fails on, or brings up other than written (checked with an
 * independent `docker inspect`); what netform accepts comes up as written.
 */
const scope = new EngineScope(inject('runId'), BLOCKS.compose);
let compose: string;
let engineApi: string;
const dirs: string[] = [];
const projects: { project: string; dir: string; files: string[] }[] = [];

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** One Compose project in its own directory, named with the scope's prefix. */
async function project(
  local: string,
  files: Record<string, string>,
): Promise<{
  project: string;
  dir: string;
  netform: (args?: string[]) => Promise<Outcome>;
  up: () => Promise<Outcome>;
  finish: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), `netform-compose-${local}-`));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const name = scope.name(local);
  const composeFiles = Object.keys(files).filter((f) => f.endsWith('.yaml'));
  projects.push({ project: name, dir, files: composeFiles });
  const fileArgs = composeFiles.flatMap((f) => ['-f', f]);
  const finish = async (): Promise<void> => {
    // Down, and the networks a failed up or a row's setup left: the next rows reuse the subnets.
    await down({ project: name, dir, files: composeFiles });
    const left = (await networkNames()).filter((n) => n.startsWith(`${name}_`));
    if (left.length > 0) await docker(['network', 'rm', ...left]);
  };
  onTestFinished(finish);
  return {
    project: name,
    dir,
    netform: (args = []) => runCli(['validate', ...fileArgs, '-p', name, ...args], { cwd: dir }),
    up: () =>
      run(compose, [...fileArgs, '-p', name, 'up', '-d', '--quiet-pull'], { cwd: dir, timeoutMs: 90_000 }),
    finish,
  };
}

async function down(entry: { project: string; dir: string; files: string[] }): Promise<void> {
  await run(
    compose,
    [...entry.files.flatMap((f) => ['-f', f]), '-p', entry.project, 'down', '--timeout', '0'],
    {
      cwd: entry.dir,
    },
  );
}

/** A service of the test image, labelled so the harness removes it whatever happens. */
const service = (body = ''): string =>
  `    image: ${TEST_IMAGE}\n    pull_policy: never\n    labels: ["${scope.label}"]\n${body}`;

/** The 1-based line that starts with `start` (a top-level network key: `  front:`). */
const lineOf = (text: string, start: string): number =>
  text.split('\n').findIndex((line) => line.startsWith(start)) + 1;

const errorCodes = (out: string): string[] =>
  [...out.matchAll(/ error (NF\d{3}) /g)].map((m) => m[1]!).sort();
const warningCodes = (out: string): string[] =>
  [...out.matchAll(/ warning (NF\d{3}) /g)].map((m) => m[1]!).sort();

/**
 * The six /24s this file may use: block 15's indices 2-7 (its first two are examples/quickstart's).
 * Every test removes what it made, so the next one may reuse them.
 */
const s = (i: number) => scope.subnet(i + 2);

beforeAll(async () => {
  const installed = await run('bash', ['scripts/compose.sh', 'path'], { timeoutMs: 110_000 });
  if (installed.code !== 0)
    throw new Error(`scripts/compose.sh could not provide Compose:\n${installed.stderr}`);
  compose = installed.stdout.trim();
  expect((await run(compose, ['version', '--short'])).stdout).toMatch(/^2\.40\./);
  engineApi = (await dockerOk(['version', '--format', '{{.Server.APIVersion}}'])).trim();
});

afterAll(async () => {
  for (const entry of projects) await down(entry);
  await scope.cleanup();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Engine 20.10 (API 1.41) is what the endpoint-field rows are about; newer engines honour them. */
const oldEngine = (): boolean => Number(engineApi.split('.')[1]) < 44;

describe('Compose files: netform validate against docker compose up', () => {
  it('overlap with a live network: rejected at the network key line; compose up fails on the pool', async () => {
    const live = await scope.createNetwork('live', ['--subnet', s(0).v4]);
    onTestFinished(async () => {
      await docker(['network', 'rm', live]);
    });
    const text = `services:\n  web:\n${service('    networks: [front]\n')}networks:\n  front:\n    ipam:\n      config:\n        - subnet: ${s(0).v4Prefix}.128/25\n`;
    const p = await project('overlap-live', { 'compose.yaml': text });
    const netform = await p.netform();
    expect(netform.code).toBe(1);
    expect(netform.stdout).toContain(
      `compose.yaml:${lineOf(text, '  front:')}:3 error NF070 networks.front: subnet ${s(0).v4Prefix}.128/25 of network ${p.project}_front overlaps subnet ${s(0).v4} of the existing network ${live}`,
    );
    const up = await p.up();
    expect(up.code).not.toBe(0);
    expect(up.stderr).toMatch(/Pool overlaps with other one on this address space/);
  });

  it("the project's own networks are not reported once it is up, another project's overlap is", async () => {
    const text = `services:\n  web:\n${service(`    networks:\n      front:\n        ipv4_address: ${s(0).v4Prefix}.10\n`)}  worker:\n${service()}networks:\n  front:\n    ipam:\n      config:\n        - subnet: ${s(0).v4}\n`;
    const first = await project('own', { 'compose.yaml': text });
    expect((await first.netform()).stdout).toMatch(
      /valid: Compose project .*own, 2 networks, 2 services \(no problems\)/,
    );
    const up = await first.up();
    expect(up.code, up.stderr).toBe(0);
    const front = await dockerInspect<NetworkInspect>('network', `${first.project}_front`);
    expect(front.IPAM.Config?.map((c) => c.Subnet)).toEqual([s(0).v4]);
    const web = await dockerInspect<Endpoints>('container', `${first.project}-web-1`);
    expect(web.NetworkSettings.Networks[`${first.project}_front`]!.IPAddress).toBe(`${s(0).v4Prefix}.10`);

    const again = await first.netform();
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('NF070');
    expect(again.stdout).toMatch(/\(no problems\)/);

    const second = await project('other', { 'compose.yaml': text });
    const other = await second.netform();
    expect(other.code).toBe(1);
    expect(other.stdout).toContain(
      `compose.yaml:${lineOf(text, '  front:')}:3 error NF070 networks.front: subnet ${s(0).v4} of network ${second.project}_front overlaps subnet ${s(0).v4} of the existing network ${first.project}_front`,
    );
    const secondUp = await second.up();
    expect(secondUp.code).not.toBe(0);
    expect(secondUp.stderr).toMatch(/Pool overlaps/);
  });

  /** Rows where netform reports an error and `docker compose up` fails. */
  const rejected: {
    name: string;
    codes: string[];
    composeSays: RegExp;
    files: () => Record<string, string>;
    setup?: (project: string) => Promise<void>;
    only?: () => boolean;
  }[] = [
    {
      name: 'static-outside',
      codes: ['NF021'],
      composeSays: /does not belong to any of this network's subnets|no configured subnet/i,
      files: () => ({
        'compose.yaml': `services:\n  web:\n${service(`    networks:\n      front:\n        ipv4_address: ${s(1).v4Prefix}.10\n`)}networks:\n  front:\n    ipam:\n      config:\n        - subnet: ${s(0).v4}\n`,
      }),
    },
    {
      name: 'gateway-outside',
      codes: ['NF015'],
      composeSays: /gateway|out of range|does not belong/i,
      files: () => ({
        'compose.yaml': `services:\n  web:\n${service('    networks: [front]\n')}networks:\n  front:\n    ipam:\n      config:\n        - subnet: ${s(0).v4}\n          gateway: ${s(1).v4Prefix}.1\n`,
      }),
    },
    {
      name: 'overlap-between',
      codes: ['NF019'],
      composeSays: /Pool overlaps/,
      files: () => ({
        'compose.yaml': `services:\n  web:\n${service('    networks: [a, b]\n')}networks:\n  a:\n    ipam:\n      config:\n        - subnet: ${s(0).v4}\n  b:\n    ipam:\n      config:\n        - subnet: ${s(0).v4Prefix}.128/25\n`,
      }),
    },
    {
      name: 'duplicate-static',
      codes: ['NF023'],
      composeSays: /Address already in use/i,
      files: () => ({
        'compose.yaml': `services:\n  web:\n${service(`    networks:\n      front:\n        ipv4_address: ${s(0).v4Prefix}.10\n`)}  api:\n${service(`    networks:\n      front:\n        ipv4_address: ${s(0).v4Prefix}.10\n`)}networks:\n  front:\n    ipam:\n      config:\n        - subnet: ${s(0).v4}\n`,
      }),
    },
    {
      name: 'mode-and-networks',
      codes: ['NF100'],
      composeSays: /mutually exclusive/,
      files: () => ({
        'compose.yaml': `services:\n  web:\n${service('    network_mode: host\n    networks: [front]\n')}networks:\n  front: {}\n`,
      }),
    },
    {
      name: 'mode-service-missing',
      codes: ['NF103'],
      composeSays: /undefined service "proxy"|not found for network_mode/,
      files: () => ({
        'compose.yaml': `services:\n  web:\n${service('    network_mode: service:proxy\n')}`,
      }),
    },
    {
      name: 'undeclared',
      codes: ['NF027'],
      composeSays: /undefined network/,
      files: () => ({
        'compose.yaml': `services:\n  web:\n${service('    networks: [frontend]\n')}networks:\n  front: {}\n`,
      }),
    },
    {
      name: 'unknown-key',
      codes: ['NF036'],
      composeSays: /additional properties 'ipv4_adress' not allowed/,
      files: () => ({
        'compose.yaml': `services:\n  web:\n${service(`    networks:\n      front:\n        ipv4_adress: ${s(0).v4Prefix}.10\n`)}networks:\n  front: {}\n`,
      }),
    },
    {
      name: 'external-missing',
      codes: ['NF074'],
      composeSays: /declared as external, but could not be found/,
      files: () => ({
        'compose.yaml': `services:\n  web:\n${service('    networks: [edge]\n')}networks:\n  edge:\n    name: ${scope.name('absent')}\n    external: true\n`,
      }),
    },
    {
      name: 'label-mismatch',
      codes: ['NF108'],
      composeSays: /incorrect label com\.docker\.compose\.network/,
      setup: async (name) => {
        await dockerOk([
          'network',
          'create',
          '--label',
          scope.label,
          '--label',
          `com.docker.compose.project=${name}`,
          '--label',
          'com.docker.compose.network=old',
          '--subnet',
          s(2).v4,
          `${name}_front`,
        ]);
      },
      files: () => ({
        'compose.yaml': `services:\n  web:\n${service('    networks: [front]\n')}networks:\n  front:\n    ipam:\n      config:\n        - subnet: ${s(2).v4}\n`,
      }),
    },
    {
      name: 'not-compose',
      codes: ['NF108'],
      composeSays: /incorrect label com\.docker\.compose\.network set to ""/,
      setup: async (name) => {
        await dockerOk(['network', 'create', '--label', scope.label, '--subnet', s(2).v4, `${name}_front`]);
      },
      files: () => ({
        'compose.yaml': `services:\n  web:\n${service('    networks: [front]\n')}networks:\n  front:\n    ipam:\n      config:\n        - subnet: ${s(2).v4}\n`,
      }),
    },
    {
      name: 'required-variable',
      codes: ['NF101'],
      composeSays: /required variable FRONT_SUBNET is missing a value/,
      files: () => ({
        'compose.yaml': `services:\n  web:\n${service('    networks: [front]\n')}networks:\n  front:\n    ipam:\n      config:\n        - subnet: \${FRONT_SUBNET:?set the subnet}\n`,
      }),
    },
    {
      name: 'dotenv-invalid',
      codes: ['NF104'],
      composeSays: /key cannot contain a space/,
      files: () => ({
        'compose.yaml': `services:\n  web:\n${service()}`,
        '.env': 'BAD KEY=1\n',
      }),
    },
    {
      name: 'interface-name-old',
      codes: ['NF075'],
      composeSays: /interface_name requires Docker Engine/,
      // Compose refuses interface_name below API 1.49 (Engine 28.1): 20.10 and 26.1 here.
      only: () => Number(engineApi.split('.')[1]) < 49,
      files: () => ({
        'compose.yaml': `services:\n  web:\n${service('    networks:\n      front:\n        interface_name: eth5\n')}networks:\n  front: {}\n`,
      }),
    },
  ];

  for (const row of rejected) {
    it(`${row.name}: netform ${row.codes.join(', ')}; compose up fails`, async (context) => {
      if (row.only && !row.only())
        context.skip(`only meaningful on older engines; this engine speaks API ${engineApi}`);
      const p = await project(row.name, row.files());
      await row.setup?.(p.project);
      const netform = await p.netform();
      expect(netform.code, netform.stdout + netform.stderr).toBe(1);
      expect(errorCodes(netform.stdout)).toEqual(row.codes);
      const up = await p.up();
      expect(up.code, up.stdout).not.toBe(0);
      expect(up.stderr).toMatch(row.composeSays);
      // The differential table of docs/compose.md, row by row, in the test's output.
      console.log(
        `${row.name}: netform ${row.codes.join(', ')}; compose: ${up.stderr.trim().split('\n').pop()}`,
      );
    });
  }

  it('ipv6-without-enable: netform NF020; compose up succeeds but the network has no IPv6', async () => {
    const p = await project('v6-no-enable', {
      'compose.yaml': `services:\n  web:\n${service('    networks: [front]\n')}networks:\n  front:\n    ipam:\n      config:\n        - subnet: ${s(3).v6}\n`,
    });
    const netform = await p.netform();
    expect(errorCodes(netform.stdout)).toEqual(['NF020']);
    const up = await p.up();
    expect(up.code, up.stderr).toBe(0);
    const network = await dockerInspect<NetworkInspect>('network', `${p.project}_front`);
    expect(network.EnableIPv6).toBe(false);
    const web = await dockerInspect<Endpoints>('container', `${p.project}-web-1`);
    expect(web.NetworkSettings.Networks[`${p.project}_front`]!.GlobalIPv6Address).toBe('');
  });

  it('gw-priority on API < 1.48: netform NF075; compose up succeeds, the default route ignores it', async (context) => {
    if (!oldEngine()) context.skip(`this engine speaks API ${engineApi}, which honours gw_priority`);
    const p = await project('gw-priority', {
      'compose.yaml': `services:\n  web:\n${service('    networks:\n      a: {}\n      b:\n        gw_priority: 10\n')}networks:\n  a:\n    ipam:\n      config:\n        - subnet: ${s(3).v4}\n          gateway: ${s(3).v4Prefix}.1\n  b:\n    ipam:\n      config:\n        - subnet: ${s(4).v4}\n          gateway: ${s(4).v4Prefix}.1\n`,
    });
    const netform = await p.netform();
    expect(errorCodes(netform.stdout)).toEqual(['NF075']);
    expect(netform.stdout).toContain(
      'services.web.networks.b.gw_priority: gw_priority 10 of service web on b needs Engine API 1.48',
    );
    const up = await p.up();
    expect(up.code, up.stderr).toBe(0);
    const routes = await dockerOk(['exec', `${p.project}-web-1`, 'ip', 'route']);
    expect(routes).toMatch(new RegExp(`^default via ${s(3).v4Prefix.replace(/\./g, '\\.')}\\.1 `, 'm'));
  });

  it('mac-address on a second network on API < 1.44: netform NF075; compose up succeeds with another MAC', async (context) => {
    if (!oldEngine())
      context.skip(`this engine speaks API ${engineApi}, which takes endpoint MACs at create`);
    const mac = '02:42:0a:d5:76:0a';
    const p = await project('mac', {
      'compose.yaml': `services:\n  web:\n${service(`    networks:\n      a: {}\n      b:\n        mac_address: ${mac}\n`)}networks:\n  a: {}\n  b: {}\n`,
    });
    const netform = await p.netform();
    expect(errorCodes(netform.stdout)).toEqual(['NF075']);
    const up = await p.up();
    expect(up.code, up.stderr).toBe(0);
    const web = await dockerInspect<Endpoints>('container', `${p.project}-web-1`);
    expect(web.NetworkSettings.Networks[`${p.project}_b`]!.MacAddress).not.toBe(mac);
  });

  it('enable_ipv4: false on API < 1.48: netform NF109; compose up succeeds, the network has IPv4', async (context) => {
    if (!oldEngine()) context.skip(`this engine speaks API ${engineApi}`);
    const p = await project('v6-only', {
      'compose.yaml': `services:\n  web:\n${service('    networks: [front]\n')}networks:\n  front:\n    enable_ipv4: false\n    enable_ipv6: true\n    ipam:\n      config:\n        - subnet: ${s(5).v6}\n`,
    });
    const netform = await p.netform();
    expect(errorCodes(netform.stdout)).toEqual(['NF109']);
    const up = await p.up();
    expect(up.code, up.stderr).toBe(0);
    const network = await dockerInspect<NetworkInspect>('network', `${p.project}_front`);
    expect(network.IPAM.Config?.some((c) => !c.Subnet.includes(':'))).toBe(true);
  });

  // Engines from API 1.44 (Engine 25, moby#45759) refuse such a range at create; older ones keep it.
  it('ip-range-outside: netform NF012; compose up fails from API 1.44, below it gives addresses outside the range', async () => {
    const p = await project('ip-range', {
      'compose.yaml': `services:\n  web:\n${service('    networks: [front]\n')}networks:\n  front:\n    ipam:\n      config:\n        - subnet: ${s(0).v4}\n          ip_range: ${s(1).v4Prefix}.0/25\n`,
    });
    const netform = await p.netform();
    expect(errorCodes(netform.stdout)).toEqual(['NF012']);
    const up = await p.up();
    if (!oldEngine()) {
      expect(up.code, up.stdout).not.toBe(0);
      expect(up.stderr).toMatch(/invalid ip-range .*: parent subnet .* doesn't contain ip-range/);
      return;
    }
    expect(up.code, up.stderr).toBe(0);
    const network = await dockerInspect<NetworkInspect>('network', `${p.project}_front`);
    expect(network.IPAM.Config?.[0]?.IPRange).toBe(`${s(1).v4Prefix}.0/25`);
    const web = await dockerInspect<Endpoints>('container', `${p.project}-web-1`);
    expect(
      web.NetworkSettings.Networks[`${p.project}_front`]!.IPAddress.startsWith(`${s(0).v4Prefix}.`),
    ).toBe(true);
  });

  it("another project's network of that name: netform warns NF107; compose uses it, ignoring the subnet", async () => {
    const name = scope.name('taken');
    await dockerOk([
      'network',
      'create',
      '--label',
      scope.label,
      '--label',
      'com.docker.compose.project=someone-else',
      '--label',
      'com.docker.compose.network=front',
      '--subnet',
      s(1).v4,
      `${name}_front`,
    ]);
    const p = await project('taken', {
      'compose.yaml': `services:\n  web:\n${service('    networks: [front]\n')}networks:\n  front:\n    ipam:\n      config:\n        - subnet: ${s(2).v4}\n`,
    });
    expect(p.project).toBe(name);
    const netform = await p.netform();
    expect(netform.code).toBe(0);
    expect(warningCodes(netform.stdout)).toEqual(['NF107']);
    const up = await p.up();
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/exists but was not created for project/);
    const web = await dockerInspect<Endpoints>('container', `${p.project}-web-1`);
    expect(
      web.NetworkSettings.Networks[`${p.project}_front`]!.IPAddress.startsWith(`${s(1).v4Prefix}.`),
    ).toBe(true);
  });

  it('a broken network no service uses: netform warns; compose up ignores it', async () => {
    const p = await project('unused', {
      'compose.yaml': `services:\n  web:\n${service()}networks:\n  spare:\n    ipam:\n      config:\n        - subnet: ${s(4).v4}\n          gateway: ${s(5).v4Prefix}.1\n`,
    });
    const netform = await p.netform();
    expect(netform.code).toBe(0);
    expect(warningCodes(netform.stdout)).toEqual(['NF015']);
    const up = await p.up();
    expect(up.code, up.stderr).toBe(0);
    expect((await docker(['network', 'inspect', `${p.project}_spare`])).code).not.toBe(0);
  });

  it('accepted: override file, .env substitution, an external network, IPv6, aliases; everything comes up as written', async () => {
    const external = await scope.createNetwork('shared', ['--subnet', s(4).v4]);
    const p = await project('accepted', {
      'compose.yaml': `name: ignored-by-p\nservices:\n  web:\n${service(`    networks:\n      front:\n        ipv4_address: \${WEB_IP}\n        aliases: [www]\n      edge: {}\n`)}  api:\n${service(`    networks:\n      front:\n        ipv4_address: ${s(5).v4Prefix}.20\n      back:\n        ipv6_address: ${s(5).v6.replace('::/64', '::20')}\n`)}  tools:\n${service()}networks:\n  front:\n    ipam:\n      config:\n        - subnet: \${FRONT_SUBNET:-10.213.255.0/24}\n          ip_range: ${s(5).v4Prefix}.128/25\n          aux_addresses:\n            router: ${s(5).v4Prefix}.2\n  back:\n    internal: true\n    enable_ipv6: true\n    ipam:\n      config:\n        - subnet: ${s(5).v6}\n  edge:\n    name: ${external}\n    external: true\n`,
      'override.yaml': `services:\n  web:\n    networks:\n      front:\n        aliases: [web-alias]\n`,
      '.env': `FRONT_SUBNET=${s(5).v4}\nWEB_IP=${s(5).v4Prefix}.10\n`,
    });
    const netform = await p.netform();
    expect(netform.stdout).toMatch(
      /valid: Compose project .*accepted, 4 networks, 3 services \(no problems\)/,
    );
    expect(netform.code).toBe(0);
    const up = await p.up();
    expect(up.code, up.stderr).toBe(0);
    const front = await dockerInspect<NetworkInspect>('network', `${p.project}_front`);
    expect(front.IPAM.Config?.[0]).toMatchObject({ Subnet: s(5).v4, IPRange: `${s(5).v4Prefix}.128/25` });
    const web = await dockerInspect<Endpoints>('container', `${p.project}-web-1`);
    const onFront = web.NetworkSettings.Networks[`${p.project}_front`]!;
    expect(onFront.IPAddress).toBe(`${s(5).v4Prefix}.10`);
    expect(onFront.Aliases).toEqual(expect.arrayContaining(['www', 'web-alias']));
    expect(Object.keys(web.NetworkSettings.Networks)).toContain(external);
    const api = await dockerInspect<Endpoints>('container', `${p.project}-api-1`);
    expect(api.NetworkSettings.Networks[`${p.project}_back`]!.GlobalIPv6Address).toBe(
      s(5).v6.replace('::/64', '::20'),
    );
  });
});
