import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parsePlanFile } from '../../src/core/plan-file.js';
import type { Plan, ReplaceNetworkAction } from '../../src/model/plan.js';
import { BLOCKS } from '../support/blocks.js';
// The built bundle in a process of its own: this file is about the `netform` command itself.
import { runBundle as runCli } from '../support/cli.js';
import { docker, dockerOk, EngineScope, networkNames } from '../support/engine.js';

/**
 * `netform plan` through the real CLI against the real engine: engine state is built with the
 * docker CLI, and the docker CLI checks afterwards that plan changed nothing.
 */
const scope = new EngineScope(inject('runId'), BLOCKS.planCli);
const project = `${scope.prefix}shop`;
let dir: string;

const managedLabels = ['--label', 'io.netform.managed=true', '--label', `io.netform.project=${project}`];

// A second slice for the QA scenarios (block qaPlan), so their subnets never meet the ones above.
const qa = new EngineScope(inject('runId'), BLOCKS.qaPlan);
const qaProject = `${qa.prefix}qa`;
const qaLabels = ['--label', 'io.netform.managed=true', '--label', `io.netform.project=${qaProject}`];

async function plan(spec: string, args: string[] = []) {
  await writeFile(join(dir, 'netform.yaml'), spec);
  return runCli(['plan', ...args], { cwd: dir });
}

async function planJson(
  spec: string,
  args: string[] = [],
): Promise<{ plan: Plan; code: number; stderr: string }> {
  const result = await plan(spec, ['--json', ...args]);
  return { plan: JSON.parse(result.stdout) as Plan, code: result.code, stderr: result.stderr };
}

const scopeNetworks = async (): Promise<string[]> =>
  (await networkNames()).filter((n) => n.startsWith(scope.prefix));

const app = scope.name('app');
const subnet = scope.subnet(0);
let web: string;
let stopped: string;
let fresh: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netform-plan-cli-'));
  // A managed network of this project, made the way netform makes one, with a running container
  // (static address, alias), a stopped one and a created-never-started one on it.
  await scope.createNetwork('app', ['--subnet', subnet.v4, ...managedLabels]);
  web = await scope.createContainer('web', {
    network: app,
    args: ['--network-alias', 'www', '--ip', `${subnet.v4Prefix}.10`],
  });
  stopped = await scope.createContainer('stopped', { network: app, args: ['--network-alias', 'old'] });
  await dockerOk(['stop', '-t', '0', stopped]);
  fresh = await scope.createContainer('fresh', { start: false });
});

afterAll(async () => {
  await qa.cleanup();
  await scope.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const matchingSpec = (): string => `
project: ${project}
networks:
  ${app}:
    subnet: ${subnet.v4}
containers:
  ${web}:
    networks:
      ${app}: { aliases: [www], ipv4_address: ${subnet.v4Prefix}.10 }
  ${stopped}:
    networks:
      ${app}: { aliases: [old] }
`;

describe('netform plan (engine)', () => {
  it('shows no change for what the engine already has (gateway, short-id alias, MAC are not drift)', async () => {
    const result = await plan(matchingSpec(), ['--detailed-exitcode']);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.stdout).toBe('No changes. The engine matches the spec.\n');
    expect(result.code).toBe(0);
  });

  it('plans a create, exits 2 with --detailed-exitcode, 0 without, and changes nothing', async () => {
    const before = await scopeNetworks();
    const withNew = `${matchingSpec()}  ${fresh}:\n    networks: [${scope.name('new')}]\n`.replace(
      `networks:\n  ${app}:`,
      `networks:\n  ${scope.name('new')}:\n    subnet: ${scope.subnet(1).v4}\n  ${app}:`,
    );
    const detailed = await plan(withNew, ['--detailed-exitcode']);
    expect(detailed.code).toBe(2);
    expect(detailed.stdout).toContain(`+ create network ${scope.name('new')}`);
    expect(detailed.stdout).toContain(`~ connect ${fresh} to ${scope.name('new')}`);
    expect(detailed.stdout).toContain(
      'Plan: 1 to create, 0 to replace, 0 to remove; 1 to connect, 0 to disconnect, 0 to reconnect.',
    );
    const plain = await plan(withNew);
    expect(plain.code).toBe(0);
    expect(await scopeNetworks()).toEqual(before);
  });

  it('plans a replace with every endpoint, running and stopped, and the reconnect settings', async () => {
    const moved = matchingSpec()
      .replaceAll(subnet.v4, scope.subnet(2).v4)
      .replace(`${subnet.v4Prefix}.10`, `${scope.subnet(2).v4Prefix}.10`);
    const { plan: result, code } = await planJson(moved, ['--detailed-exitcode']);
    expect(code).toBe(2);
    expect(result.actions.map((a) => a.kind)).toEqual(['replace']);
    const replace = result.actions[0] as ReplaceNetworkAction;
    expect(replace.forcedBy).toEqual([
      { path: 'ipam.config', before: [{ subnet: subnet.v4 }], after: [{ subnet: scope.subnet(2).v4 }] },
    ]);
    const endpoints = Object.fromEntries(replace.endpoints.map((e) => [e.container, e]));
    expect(endpoints[web]?.containerState).toBe('running');
    expect(endpoints[web]?.before).toMatchObject({ aliases: ['www'], ipv4Address: `${subnet.v4Prefix}.10` });
    expect(endpoints[web]?.after).toMatchObject({
      aliases: ['www'],
      ipv4Address: `${scope.subnet(2).v4Prefix}.10`,
    });
    expect(endpoints[stopped]?.containerState).toBe('exited');
    expect(endpoints[stopped]?.after).toMatchObject({ aliases: ['old'] });
    const text = await plan(moved);
    expect(text.stdout).toContain(`-/+ replace network ${app} (forced by ipam.config)`);
    expect(text.stdout).toContain(`${stopped} (exited): aliases [old]`);
  });

  it('plans reconnect and disconnect for running and stopped containers', async () => {
    const spec = `
project: ${project}
networks:
  ${app}:
    subnet: ${subnet.v4}
containers:
  ${web}:
    networks:
      ${app}: { aliases: [www, api], ipv4_address: ${subnet.v4Prefix}.10 }
  ${stopped}:
    networks: {}
`;
    const { plan: result, code } = await planJson(spec);
    expect(code).toBe(0);
    expect(result.actions.map((a) => `${a.kind} ${'container' in a ? a.container : ''}`)).toEqual([
      `disconnect ${stopped}`,
      `reconnect ${web}`,
    ]);
  });

  it('uses a matching unmanaged network as is, refuses a differing one, and adopts it on request', async () => {
    const infra = await scope.createNetwork('infra', ['--subnet', scope.subnet(3).v4, '--label', 'team=ops']);
    // Another project, so this project's network is not planned for removal.
    const same = `project: ${project}-infra\nnetworks:\n  ${infra}:\n    subnet: ${scope.subnet(3).v4}\n    labels: { team: ops }\n`;
    const used = await plan(same, ['--detailed-exitcode']);
    expect(used.code).toBe(0);
    expect(used.stdout).toContain(`network ${infra} exists without netform's labels and matches the spec`);

    const differs = same.replace('team: ops', 'team: net');
    const refused = await plan(differs);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('error NF202');
    expect(refused.stdout).toContain('labels: {team=ops} → {team=net}');

    const { plan: adopted, code } = await planJson(differs, ['--adopt', infra]);
    expect(code).toBe(0);
    expect(adopted.actions).toMatchObject([{ kind: 'replace', network: infra, adopt: true }]);
  });

  it('errors for a missing external network and, with --strict, for a missing container', async () => {
    const missing = await plan(
      `project: ${project}\nnetworks:\n  ${scope.name('nowhere')}:\n    external: true\n`,
    );
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(`external network ${scope.name('nowhere')} does not exist`);

    const ghost = `${matchingSpec()}  ${scope.name('ghost')}:\n    networks: [${app}]\n`;
    const warned = await plan(ghost, ['--detailed-exitcode']);
    expect(warned.code).toBe(0);
    expect(warned.stdout).toContain(`warning NF204 containers.${scope.name('ghost')}`);
    const strict = await plan(ghost, ['--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain(`error NF204`);
  });

  it('does not mistake a name for a longer one (foo vs foobar)', async () => {
    // The engine has `<prefix>app`; a spec declaring `<prefix>ap` must plan a create, not match it.
    const { plan: result } = await planJson(
      `project: ${project}\nnetworks:\n  ${scope.name('ap')}: {}\n  ${app}:\n    subnet: ${subnet.v4}\n`,
    );
    expect(result.actions).toMatchObject([{ kind: 'create', network: scope.name('ap') }]);
  });

  it('saves a verifiable plan file with --out', async () => {
    const moved = matchingSpec().replace('aliases: [old]', 'aliases: [old, older]');
    const result = await plan(moved, ['--out', 'changes.plan']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Saved the plan to changes.plan');
    const file = parsePlanFile(await readFile(join(dir, 'changes.plan'), 'utf8'));
    expect(file.plan.actions).toMatchObject([{ kind: 'reconnect', container: stopped }]);
    expect(file.engine.apiVersion).toMatch(/^1\.\d+$/);
  });

  it('prints spec errors with their position and exits 1 before touching the engine', async () => {
    const result = await plan(`project: ${project}\nnetworks:\n  ${app}:\n    subnet: 10.213.999.0/24\n`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/netform\.yaml:4:\d+/);
    expect(result.stdout).toBe('');
  });

  it('refuses a replace that would carry an unlisted static address outside the new subnet (NF208)', async () => {
    // docker accepts connecting a never-started container with an address outside the network's
    // subnets, and then refuses to start it: the plan must catch it before apply.
    const net = await qa.createNetwork('moved', ['--subnet', qa.subnet(0).v4, ...qaLabels]);
    const pinned = await qa.createContainer('pinned', {
      start: false,
      network: net,
      args: ['--ip', `${qa.subnet(0).v4Prefix}.7`],
    });
    const spec = `project: ${qaProject}\nnetworks:\n  ${net}:\n    subnet: ${qa.subnet(1).v4}\n`;
    const result = await plan(spec, ['--detailed-exitcode']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `error NF208 networks.${net}: replacing ${net} would reconnect ${pinned} with static address ${qa.subnet(0).v4Prefix}.7, outside the new subnets (${qa.subnet(1).v4})`,
    );
    expect(result.stdout).toContain(`docker network disconnect ${net} ${pinned}`);
    const listed = `${spec}containers:\n  ${pinned}:\n    networks:\n      ${net}: { ipv4_address: ${qa.subnet(1).v4Prefix}.7 }\n`;
    expect((await plan(listed, ['--detailed-exitcode'])).code).toBe(2);
  });

  it('keeps the current subnet when the spec gives none and something else forces a replace', async () => {
    // Made with a subnet from the test range (tests use no other), but a spec silent on subnets
    // treats it exactly like one the daemon picked.
    const net = await qa.createNetwork('picked', [
      '--subnet',
      qa.subnet(2).v4,
      '--label',
      'tier=front',
      ...qaLabels,
    ]);
    const inspect = async (): Promise<string> =>
      (
        await dockerOk(['network', 'inspect', net, '--format', '{{range .IPAM.Config}}{{.Subnet}}{{end}}'])
      ).trim();
    const picked = await inspect();
    const spec = `project: ${qaProject}\nnetworks:\n  ${net}:\n    labels: { tier: back }\n`;
    const { plan: result } = await planJson(spec);
    const replace = result.actions[0] as ReplaceNetworkAction;
    expect(replace).toMatchObject({ kind: 'replace', forcedBy: [{ path: 'labels' }] });
    expect(picked).toBe(qa.subnet(2).v4);
    expect(replace.after.ipam.config.map((pool) => pool.subnet)).toEqual([picked]);
    expect(await inspect()).toBe(picked);
  });

  it('refuses a static address another container on the network has (NF209), real engine assignment', async () => {
    const net = await qa.createNetwork('busy', ['--subnet', qa.subnet(3).v4, ...qaLabels]);
    const holder = await qa.createContainer('holder', { network: net });
    const assigned = (
      await dockerOk([
        'inspect',
        holder,
        '--format',
        `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`,
      ])
    ).trim();
    expect(assigned.startsWith(qa.subnet(3).v4Prefix)).toBe(true);
    const newcomer = await qa.createContainer('newcomer', { start: false });
    const spec = `project: ${qaProject}\nnetworks:\n  ${net}:\n    subnet: ${qa.subnet(3).v4}\ncontainers:\n  ${newcomer}:\n    networks:\n      ${net}: { ipv4_address: ${assigned} }\n`;
    const result = await plan(spec, ['--detailed-exitcode']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `error NF209 containers.${newcomer}.networks.${net}: ${newcomer} asks for static address ${assigned} on ${net}, which ${holder} (running) has`,
    );
    const exclusive = spec.replace(
      `    subnet: ${qa.subnet(3).v4}\n`,
      `    subnet: ${qa.subnet(3).v4}\n    exclusive: true\n`,
    );
    const freed = await plan(exclusive, ['--detailed-exitcode']);
    expect(freed.code).toBe(2);
    expect(freed.stdout).toContain(`~ disconnect ${holder} from ${net}`);
  });

  it("takes a spec gateway that is the daemon's unreported pick as no change (20.10), with and without ip_range", async () => {
    const plain = await qa.createNetwork('gw', ['--subnet', qa.subnet(4).v4]);
    const ranged = await qa.createNetwork('gwr', [
      '--subnet',
      qa.subnet(5).v4,
      '--ip-range',
      `${qa.subnet(5).v4Prefix}.128/25`,
    ]);
    // What the daemon really gave, read from a container on each network.
    const gatewayOn = async (network: string): Promise<string> => {
      const probe = await qa.createContainer(`probe-${network.slice(qa.prefix.length)}`, { network });
      return (
        await dockerOk([
          'inspect',
          probe,
          '--format',
          `{{(index .NetworkSettings.Networks "${network}").Gateway}}`,
        ])
      ).trim();
    };
    expect(await gatewayOn(plain)).toBe(`${qa.subnet(4).v4Prefix}.1`);
    expect(await gatewayOn(ranged)).toBe(`${qa.subnet(5).v4Prefix}.128`);
    const spec = (plainGateway: string) =>
      `project: ${qaProject}-gw\nnetworks:\n  ${plain}:\n    subnet: ${qa.subnet(4).v4}\n    gateway: ${plainGateway}\n` +
      `  ${ranged}:\n    subnet: ${qa.subnet(5).v4}\n    ip_range: ${qa.subnet(5).v4Prefix}.128/25\n    gateway: ${qa.subnet(5).v4Prefix}.128\n`;
    const same = await plan(spec(`${qa.subnet(4).v4Prefix}.1`), ['--detailed-exitcode']);
    expect(same.stdout).toContain('No changes. The engine matches the spec.');
    expect(same.code).toBe(0);
    const moved = await plan(spec(`${qa.subnet(4).v4Prefix}.254`));
    expect(moved.stdout).toContain(
      `ipam.config[0].gateway: ${qa.subnet(4).v4Prefix}.1 → ${qa.subnet(4).v4Prefix}.254`,
    );
  });

  it('refuses to connect a container in network mode host or none (NF210), as docker would', async () => {
    const net = await qa.createNetwork('modes', ['--subnet', qa.subnet(6).v4, ...qaLabels]);
    const onHost = await qa.createContainer('on-host', { start: false, args: ['--network', 'host'] });
    const isolated = await qa.createContainer('isolated', { start: false, args: ['--network', 'none'] });
    const spec = `project: ${qaProject}\nnetworks:\n  ${net}:\n    subnet: ${qa.subnet(6).v4}\ncontainers:\n  ${onHost}:\n    networks: [${net}]\n  ${isolated}:\n    networks: [${net}]\n`;
    const result = await plan(spec);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `error NF210 containers.${onHost}.networks.${net}: ${onHost} runs with --network host`,
    );
    expect(result.stdout).toContain(
      `error NF210 containers.${isolated}.networks.${net}: ${isolated} runs with --network none`,
    );
    // The independent read: docker itself refuses the connect the plan would have made.
    expect((await docker(['network', 'connect', net, onHost])).code).not.toBe(0);
  });

  it('refuses a network renamed with the same subnet (NF211) and names the two-step way, which converges', async () => {
    // A project of its own, so the applies below touch no other test's networks.
    const renameProject = `${qaProject}-rename`;
    const old = await qa.createNetwork('old-name', [
      '--subnet',
      qa.subnet(7).v4,
      '--label',
      'io.netform.managed=true',
      '--label',
      `io.netform.project=${renameProject}`,
    ]);
    const renamed = qa.name('new-name');
    const spec = `project: ${renameProject}\nnetworks:\n  ${renamed}:\n    subnet: ${qa.subnet(7).v4}\n`;
    const result = await plan(spec);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `error NF211 networks.${renamed}: ${renamed} needs subnet ${qa.subnet(7).v4}, which overlaps ${qa.subnet(7).v4} of ${old}, a network this plan removes`,
    );
    expect(result.stdout).toContain(`\`netform apply --target ${old}\` first, then \`netform apply\``);
    await writeFile(join(dir, 'netform.yaml'), spec);
    const first = await runCli(['apply', '--target', old, '--auto-approve'], { cwd: dir });
    expect(first.code).toBe(0);
    const second = await runCli(['apply', '--auto-approve'], { cwd: dir });
    expect(second.code).toBe(0);
    const names = await networkNames();
    expect(names).toContain(renamed);
    expect(names).not.toContain(old);
  });

  it('--help lists every option without commander\'s "(default: [])" noise', async () => {
    for (const command of ['plan', 'export']) {
      const help = await runCli([command, '--help'], { cwd: dir });
      expect(help.code).toBe(0);
      expect(help.stdout).not.toContain('(default: [])');
    }
    const help = (await runCli(['plan', '--help'], { cwd: dir })).stdout;
    for (const option of [
      '--file',
      '--out',
      '--json',
      '--detailed-exitcode',
      '--target',
      '--adopt',
      '--strict',
    ])
      expect(help).toContain(option);
  });

  it('refuses at plan time a new subnet that overlaps a network the project does not own (NF070)', async () => {
    const foreign = await scope.createNetwork('foreign', ['--subnet', scope.subnet(4).v4]);
    const overlapping = `${matchingSpec()}`.replace(
      `networks:\n  ${app}:`,
      `networks:\n  ${scope.name('clash')}:\n    subnet: ${scope.subnet(4).v4Prefix}.128/25\n  ${app}:`,
    );
    const result = await plan(overlapping, ['--detailed-exitcode']);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain(
      `NF070 networks.${scope.name('clash')}: subnet ${scope.subnet(4).v4Prefix}.128/25 of network ${scope.name('clash')} overlaps subnet ${scope.subnet(4).v4} of the existing network ${foreign}`,
    );
    // The existing, unchanged network of the same spec is not checked again: only what the plan sends.
    expect(result.stdout + result.stderr).not.toContain(`networks.${app}:`);
    await dockerOk(['network', 'rm', foreign]);
  });

  it('left the engine as it was', async () => {
    const inspect = JSON.parse(await dockerOk(['network', 'inspect', app])) as {
      IPAM: { Config: { Subnet: string }[] };
    }[];
    expect(inspect[0]?.IPAM.Config.map((c) => c.Subnet)).toEqual([subnet.v4]);
    expect((await docker(['container', 'inspect', fresh])).code).toBe(0);
  });
});
