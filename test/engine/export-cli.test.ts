import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BLOCKS } from '../support/blocks.js';
import { runCli } from '../support/cli.js';
import { dockerOk, EngineScope } from '../support/engine.js';

/**
 * `netform export` through the real CLI: engine state built with the docker CLI is exported, and
 * `netform plan` with the export against the same engine shows no change.
 */
const scope = new EngineScope(inject('runId'), BLOCKS.exportCli);
const project = `${scope.prefix}shop`;
let dir: string;

const app = scope.name('app');
const dual = scope.name('dual');
const plain = scope.name('plain');
let web: string;
let stopped: string;

interface ExportedDoc {
  version: number;
  project?: string;
  networks: Record<string, Record<string, unknown>>;
  containers?: Record<string, { networks: Record<string, Record<string, unknown>> }>;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netform-export-cli-'));
  const a = scope.subnet(0);
  await scope.createNetwork('app', [
    '--subnet',
    a.v4,
    '--ip-range',
    `${a.v4Prefix}.128/25`,
    '--gateway',
    `${a.v4Prefix}.254`,
    '--aux-address',
    `router=${a.v4Prefix}.2`,
    '--opt',
    'com.docker.network.driver.mtu=1400',
    '--label',
    'tier=front',
    '--label',
    'chapter=5',
    '--attachable',
    '--label',
    'io.netform.managed=true',
    '--label',
    `io.netform.project=${project}`,
  ]);
  const d = scope.subnet(1);
  await scope.createNetwork('dual', [
    '--ipv6',
    '--subnet',
    d.v4,
    '--subnet',
    d.v6,
    '--internal',
    '--label',
    'io.netform.managed=true',
    '--label',
    `io.netform.project=${project}`,
  ]);
  // An unmanaged network with a daemon-picked subnet.
  await scope.createNetwork('plain', ['--subnet', scope.subnet(2).v4]);
  web = await scope.createContainer('web', {
    network: app,
    args: ['--network-alias', 'www', '--ip', `${a.v4Prefix}.10`],
  });
  await dockerOk([
    'network',
    'connect',
    '--alias',
    'db-client',
    '--ip6',
    `${d.v6.replace('::/64', '::10')}`,
    dual,
    web,
  ]);
  stopped = await scope.createContainer('stopped', { network: dual, args: ['--network-alias', 'batch'] });
  await dockerOk(['stop', '-t', '0', stopped]);
  await dockerOk(['network', 'connect', plain, stopped]);
});

afterAll(async () => {
  await scope.cleanup();
  await rm(dir, { recursive: true, force: true });
});

async function exportAndPlan(
  args: string[],
): Promise<{ doc: ExportedDoc; yaml: string; plan: Awaited<ReturnType<typeof runCli>> }> {
  const exported = await runCli(['export', ...args], { cwd: dir });
  expect(exported.stderr).not.toMatch(/error/);
  expect(exported.code).toBe(0);
  const file = join(dir, `export-${args.join('-').replace(/[^a-z0-9-]/gi, '')}.yaml`);
  await writeFile(file, exported.stdout);
  const plan = await runCli(['plan', '-f', file, '--detailed-exitcode'], { cwd: dir });
  return { doc: parse(exported.stdout) as ExportedDoc, yaml: exported.stdout, plan };
}

describe('netform export (engine)', () => {
  it("exports a project's networks and attachments, without daemon defaults or netform labels", async () => {
    const { doc, yaml, plan } = await exportAndPlan(['--project', project]);
    expect(yaml).not.toContain('io.netform.');
    expect(doc.project).toBe(project);
    expect(Object.keys(doc.networks).sort()).toEqual([app, dual]);
    const a = scope.subnet(0);
    expect(doc.networks[app]).toEqual({
      attachable: true,
      subnet: a.v4,
      ip_range: `${a.v4Prefix}.128/25`,
      gateway: `${a.v4Prefix}.254`,
      aux_addresses: { router: `${a.v4Prefix}.2` },
      labels: { chapter: '5', tier: 'front' },
      driver_opts: { 'com.docker.network.driver.mtu': '1400' },
    });
    // The daemon's gateway (first host) is left out; both pools are kept.
    const d = scope.subnet(1);
    expect(doc.networks[dual]).toEqual({
      internal: true,
      enable_ipv6: true,
      ipam: { config: [{ subnet: d.v4 }, { subnet: d.v6 }] },
    });
    expect(doc.containers?.[web]?.networks).toEqual({
      [app]: { aliases: ['www'], ipv4_address: `${a.v4Prefix}.10` },
      [dual]: { aliases: ['db-client'], ipv6_address: d.v6.replace('::/64', '::10') },
    });
    // A stopped container's attachments come from its own config.
    expect(doc.containers?.[stopped]?.networks).toEqual({ [dual]: { aliases: ['batch'] } });
    expect(plan.stdout).toBe('No changes. The engine matches the spec.\n');
    expect(plan.code).toBe(0);
  });

  it('exports named networks by exact name and round-trips to an empty plan', async () => {
    const { doc, plan } = await exportAndPlan(['--network', plain, '--network', app, '--network', dual]);
    expect(Object.keys(doc.networks).sort()).toEqual([app, dual, plain].sort());
    expect(doc.networks[plain]).toEqual({ subnet: scope.subnet(2).v4 });
    expect(plan.stdout).toContain(`network ${plain} exists without netform's labels and matches the spec`);
    expect(plan.stdout).toContain('No changes. The engine matches the spec.');
    expect(plan.code).toBe(0);
  });

  it('warns when the named networks leave out others of the same project', async () => {
    const result = await runCli(['export', '--network', app], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`warning: project ${project} also manages ${dual}`);
    expect(result.stdout).toContain(`# warning: project ${project} also manages ${dual}`);
  });

  it('warns on stderr when --project names a project that manages nothing (a typo), and exports an empty spec', async () => {
    const typo = `${project}x`;
    const result = await runCli(['export', '--project', typo], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`warning: project ${typo} manages no network on this engine`);
    expect(result.stdout).toContain(`project: ${typo}\nnetworks: {}`);
  });

  it('refuses a network that does not exist, naming it', async () => {
    const result = await runCli(['export', '--network', scope.name('ap')], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no network named ${scope.name('ap')}`);
    expect(result.stdout).toBe('');
  });
});
