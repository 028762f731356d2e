import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { BLOCKS } from '../support/blocks.js';
import { runCli } from '../support/cli.js';
import { docker, dockerInspect, dockerOk, EngineScope } from '../support/engine.js';
import type { ContainerInspect } from '../support/inspect.js';

const scope = new EngineScope(inject('runId'), BLOCKS.destroy);
const project = scope.name('p');
let dir: string;

const exists = async (network: string) => (await docker(['network', 'inspect', network])).code === 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netform-destroy-'));
});

afterAll(async () => {
  await scope.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('destroy', () => {
  const web = scope.name('web');
  const db = scope.name('db');
  let file: string;
  let app: string;
  let stopped: string;
  let stranger: string;
  let unmanaged: string;
  let otherProject: string;
  let labelledOnly: string;

  beforeAll(async () => {
    app = await scope.createContainer('app');
    stopped = await scope.createContainer('stopped', { start: false });
    stranger = await scope.createContainer('stranger');
    unmanaged = await scope.createNetwork('unmanaged', ['--subnet', scope.subnet(2).v4]);
    // Looks like netform's, but of another project; and one with the project label but not managed.
    otherProject = await scope.createNetwork('other', [
      '--subnet',
      scope.subnet(3).v4,
      '--label',
      'io.netform.managed=true',
      '--label',
      'io.netform.project=someone-else',
    ]);
    labelledOnly = await scope.createNetwork('half', [
      '--subnet',
      scope.subnet(4).v4,
      '--label',
      `io.netform.project=${project}`,
    ]);
    file = join(dir, 'netform.yaml');
    await writeFile(
      file,
      stringify({
        version: 1,
        project,
        networks: {
          [web]: { subnet: scope.subnet(0).v4 },
          [db]: { subnet: scope.subnet(1).v4 },
          [unmanaged]: { external: true },
        },
        containers: {
          [app]: { networks: { [web]: { aliases: ['app'] }, [db]: {}, [unmanaged]: {} } },
          [stopped]: { networks: [db] },
        },
      }),
    );
    const applied = await runCli(['apply', '-f', file, '--auto-approve']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    await dockerOk(['network', 'connect', web, stranger]); // an endpoint the spec does not list
  });

  it('refuses without a terminal and without --auto-approve', async () => {
    const result = await runCli(['destroy', '-f', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no terminal/);
    expect(result.stdout).toMatch(/remove network/);
    expect(await exists(web)).toBe(true);
  });

  it('removes every managed network of the project, disconnecting endpoints first, and nothing else', async () => {
    const result = await runCli(['destroy', '-f', file, '--auto-approve']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`- remove network ${db}`));
    expect(result.stdout).toMatch(/Destroy complete/);
    expect(result.stdout).toContain(
      `- remove network ${db} (managed by project ${project}; destroy removes it)`,
    );
    expect(result.stdout).toContain(
      `Verified: project ${project} manages no network on the engine any more.`,
    );
    expect(await exists(web)).toBe(false);
    expect(await exists(db)).toBe(false);
    for (const kept of [unmanaged, otherProject, labelledOnly, 'bridge'])
      expect(await exists(kept), kept).toBe(true);
    for (const c of [app, stopped, stranger]) {
      const inspect = await dockerInspect<ContainerInspect>('container', c);
      expect(Object.keys(inspect.NetworkSettings.Networks)).not.toContain(web);
      expect(Object.keys(inspect.NetworkSettings.Networks)).not.toContain(db);
    }
    expect(
      Object.keys((await dockerInspect<ContainerInspect>('container', app)).NetworkSettings.Networks),
    ).toContain(unmanaged);
    expect((await dockerInspect<ContainerInspect>('container', app)).State.Status).toBe('running');

    const again = await runCli(['destroy', '--project', project, '--auto-approve']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
  });
});
