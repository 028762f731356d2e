import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BLOCKS } from '../support/blocks.js';
import { runCli } from '../support/cli.js';
import { dockerOk, EngineScope, networkNames } from '../support/engine.js';

/**
 * `netform validate` without --offline, through the real CLI against the real engine: networks
 * made with the docker CLI are what the spec must not collide with. validate never changes the
 * engine, which the last test checks with an independent read.
 */
const scope = new EngineScope(inject('runId'), BLOCKS.validateOnline);
const project = `${scope.prefix}proj`.replace(/-$/, '');
let dir: string;
let bridge: string;
let swarmManager: boolean;
let engineVersion: string;
let existing: string;

async function validate(
  spec: string,
  args: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(dir, `spec-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, spec);
  return runCli(['validate', '-f', file, ...args], { cwd: dir });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netform-validate-online-'));
  // Linux interface names have at most 15 characters.
  bridge = `nf${scope.runId}b${scope.block}`.slice(0, 15);
  existing = await scope.createNetwork('existing', [
    '--subnet',
    scope.subnet(0).v4,
    '--opt',
    `com.docker.network.bridge.name=${bridge}`,
  ]);
  await scope.createNetwork('managed', [
    '--subnet',
    scope.subnet(2).v4,
    '--label',
    'io.netform.managed=true',
    '--label',
    `io.netform.project=${project}`,
  ]);
  const info = (await dockerOk(['info', '--format', '{{.Swarm.ControlAvailable}}'])).trim();
  swarmManager = info === 'true';
  engineVersion = (
    await dockerOk(['version', '--format', '{{.Server.Version}} {{.Server.APIVersion}}'])
  ).trim();
});

afterAll(async () => {
  await scope.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('netform validate against the engine', () => {
  it('reports overlap with an existing network, a bridge name in use, a missing external network, and overlay without swarm', async () => {
    const result = await validate(`
version: 1
project: ${project}
networks:
  overlapping:
    name: ${scope.name('overlapping')}
    subnet: ${scope.subnet(0).v4Prefix}.128/25
  same-bridge:
    name: ${scope.name('same-bridge')}
    subnet: ${scope.subnet(1).v4}
    driver_opts: { com.docker.network.bridge.name: ${bridge} }
  gone:
    name: ${scope.name('gone')}
    external: true
  mesh:
    name: ${scope.name('mesh')}
    driver: overlay
    attachable: true
`);
    const [version, api] = engineVersion.split(' ');
    expect(result.stdout).toContain(`engine: Docker ${version} (API ${api}) at `);
    expect(result.stdout).toMatch(
      new RegExp(
        `:5:3 error NF070 networks\\.overlapping: subnet ${scope.subnet(0).v4Prefix.replace(/\./g, '\\.')}\\.128/25 .* overlaps subnet ${scope.subnet(0).v4.replace(/\./g, '\\.')} of the existing network ${existing}\\n`,
      ),
    );
    expect(result.stdout).toContain('error NF071 networks.same-bridge.driver_opts');
    expect(result.stdout).toContain(
      `bridge name ${bridge} is already used by the existing network ${existing}`,
    );
    expect(result.stdout).toContain(
      `error NF074 networks.gone: external network ${scope.name('gone')} does not exist`,
    );
    if (swarmManager) expect(result.stdout).not.toContain('NF072');
    else expect(result.stdout).toContain('error NF072 networks.mesh: overlay network');
    expect(result.stdout).toMatch(/^\d+ errors, 0 warnings$/m);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
  });

  it('passes a spec that collides with nothing, ignoring the same network and this project’s own', async () => {
    const result = await validate(`
version: 1
project: ${project}
networks:
  existing:
    name: ${existing}
    subnet: ${scope.subnet(0).v4}
  replacement:
    name: ${scope.name('replacement')}
    subnet: ${scope.subnet(2).v4}
  fresh:
    name: ${scope.name('fresh')}
    subnet: ${scope.subnet(3).v4}
  shared:
    name: ${scope.name('managed')}
    external: true
`);
    expect(result.stdout).toContain('engine: Docker ');
    expect(result.stdout).toContain(`valid: project ${project}, 4 networks, 0 containers (no problems)`);
    expect(result.code).toBe(0);
  });

  it('prints the engine in the JSON report', async () => {
    const result = await validate(
      `networks:\n  fresh:\n    name: ${scope.name('fresh')}\n    subnet: ${scope.subnet(3).v4}\n`,
      ['--format', 'json'],
    );
    const report = JSON.parse(result.stdout) as {
      valid: boolean;
      engine: { apiVersion: string; version: string };
    };
    expect(report.valid).toBe(true);
    expect(`${report.engine.version} ${report.engine.apiVersion}`).toBe(engineVersion);
    expect(result.code).toBe(0);
  });

  it('says in one line when the engine cannot be reached, and exits 1', async () => {
    const result = await validate(`networks:\n  a: {}\n`, ['--host', `unix://${join(dir, 'no-such.sock')}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: .*no-such\.sock/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });

  it('--offline does not contact the engine', async () => {
    const result = await validate(`networks:\n  a: {}\n`, [
      '--offline',
      '--host',
      `unix://${join(dir, 'no-such.sock')}`,
    ]);
    expect(result.stdout).not.toContain('engine:');
    expect(result.code).toBe(0);
  });

  it('changed nothing on the engine', async () => {
    const names = await networkNames();
    expect(names.filter((n) => n.startsWith(scope.prefix)).sort()).toEqual(
      [existing, scope.name('managed')].sort(),
    );
  });
});
