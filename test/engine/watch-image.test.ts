import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { BLOCKS } from '../support/blocks.js';
import { docker, dockerOk, EngineScope, run } from '../support/engine.js';
import { aliasesOf, engineSocket, eventually, watchSubnet } from './watch-harness.js';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const scope = new EngineScope(inject('runId'), BLOCKS.watchImage);
const image = `netform-test/watch:${scope.runId}`;
let dir: string;

/**
 * A base image with nothing but Node.js: this machine's node binary and the libraries `ldd`
 * lists, imported with `docker import` (no registry here). Built once per engine and node.
 */
function ensureNodeBaseImage(): string {
  const tag = `netform-test/node-base:${process.versions.node}`;
  if (execFileSync('docker', ['image', 'ls', '-q', tag], { encoding: 'utf8' }).trim() !== '') return tag;
  const work = join(dir, 'base');
  const root = join(work, 'rootfs');
  const node = realpathSync(process.execPath);
  const files = [
    node,
    ...execFileSync('ldd', [node], { encoding: 'utf8' })
      .split('\n')
      .flatMap((line) => /(\/\S+)/.exec(line)?.[1] ?? []),
  ];
  for (const file of files) {
    mkdirSync(join(root, dirname(file)), { recursive: true });
    copyFileSync(file, join(root, file));
  }
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  mkdirSync(join(root, 'tmp'));
  chmodSync(join(root, 'tmp'), 0o1777);
  if (node !== '/usr/bin/node') {
    mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
    copyFileSync(node, join(root, 'usr', 'bin', 'node'));
  }
  execFileSync('tar', ['-C', root, '-cf', join(work, 'rootfs.tar'), '.']);
  execFileSync('docker', ['import', '--change', 'ENV PATH=/usr/bin:/bin', join(work, 'rootfs.tar'), tag], {
    stdio: 'ignore',
  });
  return tag;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netform-watch-image-'));
}, 60_000);
afterAll(async () => {
  await scope.cleanup();
  await docker(['image', 'rm', '-f', image]);
  await rm(dir, { recursive: true, force: true });
}, 120_000);

describe('netform watch as a container (deploy/Dockerfile)', () => {
  it('builds from a local base, runs with the engine socket mounted, answers /healthz and repairs drift', async () => {
    const base = ensureNodeBaseImage();
    const context = join(dir, 'context');
    const assembled = await run('bash', [join(DEPLOY, 'image-context.sh'), context], { timeoutMs: 300_000 });
    expect(assembled.code, assembled.stderr).toBe(0);
    const build = await run('docker', ['build', '--build-arg', `BASE=${base}`, '-t', image, context], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      timeoutMs: 300_000,
    });
    expect(build.code, build.stderr).toBe(0);

    const app = await scope.createContainer('app');
    const net = scope.name('net');
    const specDir = join(dir, 'spec');
    await mkdir(specDir);
    await writeFile(
      join(specDir, 'netform.yaml'),
      stringify({
        version: 1,
        project: scope.name('img'),
        networks: { [net]: { subnet: watchSubnet(4).v4 } },
        containers: { [app]: { networks: { [net]: { aliases: ['from-image'] } } } },
      }),
    );
    // As the README shows it: the engine socket and the spec directory mounted, the image's CMD.
    const watcher = scope.name('watcher');
    await dockerOk([
      'run',
      '-d',
      '--name',
      watcher,
      '--label',
      scope.label,
      '-v',
      `${engineSocket()}:/var/run/docker.sock`,
      '-v',
      `${specDir}:/etc/netform:ro`,
      image,
    ]);

    const probe = async (path: string): Promise<number> => {
      const result = await docker([
        'exec',
        watcher,
        'node',
        '-e',
        `fetch('http://127.0.0.1:9480${path}').then((r) => console.log(r.status), () => console.log(0))`,
      ]);
      return Number(result.stdout.trim());
    };
    await eventually(
      '/readyz in the container to answer 200',
      async () => (await probe('/readyz')) === 200,
      120_000,
    );
    expect(await probe('/healthz')).toBe(200);
    expect(await aliasesOf(app, net)).toEqual(['from-image']);

    // The start created the network and connected app: one repair in the log so far.
    const repairs = async () =>
      (await docker(['logs', watcher])).stderr
        .split('\n')
        .filter((l) => l.includes('drift repaired and verified')).length;
    expect(await repairs()).toBe(1);
    await dockerOk(['network', 'disconnect', net, app]);
    await eventually(
      'the container to be reattached by the watch in the container',
      async () =>
        (await repairs()) === 2 &&
        JSON.stringify(await aliasesOf(app, net)) === JSON.stringify(['from-image']),
    );

    // docker stop sends SIGTERM: the watch stops cleanly, exit code 0.
    await dockerOk(['stop', watcher]);
    expect((await dockerOk(['inspect', '--format', '{{.State.ExitCode}}', watcher])).trim()).toBe('0');
  }, 600_000);
});
