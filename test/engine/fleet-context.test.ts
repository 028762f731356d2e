import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { resolveEngineAddress } from '../../src/docker/address.js';
import { connectDocker } from '../../src/docker/connect.js';
import type { DockerPort } from '../../src/model/port.js';
import { SHARED_BLOCKS } from '../support/blocks.js';
import { runCli } from '../support/cli.js';
import { dockerOk, EngineScope, run } from '../support/engine.js';
import { firstEngineHost, secondEngineHost } from '../support/fleet.js';

/**
 * Docker contexts made by the real `docker context create`, in a DOCKER_CONFIG of the test's
 * own, pointing at the second engine: netform must reach the engine the docker CLI would.
 */
const hostB = secondEngineHost();
const scopeA = new EngineScope(inject('runId'), SHARED_BLOCKS.fleetContext);
const scopeB = new EngineScope(inject('runId'), SHARED_BLOCKS.fleetContext, { host: hostB });
const config = mkdtempSync(join(tmpdir(), 'netform-docker-config-'));
const context = scopeB.name('ctx');
const tlsContext = scopeB.name('ctx-tls');
/** A network only engine B has: tells the engines apart whatever their versions. */
let marker = '';
let versionB = '';

/** The docker CLI with the test's own configuration directory. */
async function dockerCli(args: string[]): Promise<string> {
  const result = await run('docker', args, {
    env: { ...process.env, DOCKER_CONFIG: config, DOCKER_HOST: '' },
  });
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

async function sees(port: DockerPort, network: string): Promise<boolean> {
  return (await port.observe({ networks: [] })).networks.some((n) => n.name === network);
}

beforeAll(async () => {
  marker = await scopeB.createNetwork('marker');
  versionB = (await dockerOk(['version', '--format', '{{.Server.Version}}'], hostB)).trim();
  await dockerCli([
    'context',
    'create',
    context,
    '--description',
    'netform test',
    '--docker',
    `host=${hostB}`,
  ]);
  await dockerCli([
    'context',
    'create',
    tlsContext,
    '--docker',
    'host=tcp://127.0.0.1:2376,ca=/etc/ssl/certs/ca-certificates.crt,skip-tls-verify=true',
  ]);
});

afterAll(async () => {
  await scopeB.cleanup();
  await scopeA.cleanup();
  rmSync(config, { recursive: true, force: true });
});

describe('docker contexts, as `docker context create` writes them', () => {
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    HOME: process.env.HOME,
    DOCKER_CONFIG: config,
    ...extra,
  });

  it('reaches the engine of the context named with --context, and says so', async () => {
    const port = await connectDocker({ context, env: env(), timeoutMs: 20_000 });
    try {
      expect(port.host).toBe(`${hostB} (docker context ${context})`);
      expect((await port.engineInfo()).version).toBe(versionB);
      expect(await sees(port, marker)).toBe(true);
    } finally {
      await port.close();
    }
  });

  it('follows DOCKER_CONTEXT, then the current context of config.json; DOCKER_HOST beats both', async () => {
    const viaEnv = await connectDocker({ env: env({ DOCKER_CONTEXT: context }), timeoutMs: 20_000 });
    try {
      expect(await sees(viaEnv, marker)).toBe(true);
    } finally {
      await viaEnv.close();
    }

    await dockerCli(['context', 'use', context]);
    expect(JSON.parse(readFileSync(join(config, 'config.json'), 'utf8'))).toMatchObject({
      currentContext: context,
    });
    const current = await connectDocker({ env: env(), timeoutMs: 20_000 });
    try {
      expect(current.host).toContain(`(docker context ${context})`);
      expect(await sees(current, marker)).toBe(true);
    } finally {
      await current.close();
    }

    const hostA = firstEngineHost();
    const overridden = await connectDocker({
      env: env({ DOCKER_HOST: hostA, DOCKER_CONTEXT: context }),
      timeoutMs: 20_000,
    });
    try {
      expect(overridden.host).toBe(hostA);
      expect(await sees(overridden, marker)).toBe(false);
    } finally {
      await overridden.close();
    }
    await dockerCli(['context', 'use', 'default']);
  });

  it('reads the TLS material the docker CLI stored for a context', () => {
    const address = resolveEngineAddress(undefined, env(), { context: tlsContext });
    expect(address).toMatchObject({ kind: 'tcp', hostname: '127.0.0.1', port: 2376 });
    if (address.kind !== 'tcp') throw new Error('not tcp');
    expect(address.tls?.verify).toBe(false);
    expect(address.tls?.ca?.equals(readFileSync('/etc/ssl/certs/ca-certificates.crt'))).toBe(true);
  });

  it('is what `netform --context` and DOCKER_CONTEXT use, and --host with --context is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netform-fleet-'));
    try {
      writeFileSync(
        join(dir, 'netform.yaml'),
        stringify({ version: 1, project: scopeB.name('ctx'), networks: { [scopeB.name('ctx-net')]: {} } }),
      );
      const cliEnv = { DOCKER_CONFIG: config, DOCKER_HOST: '' };
      const flagged = await runCli(['--context', context, 'validate'], { cwd: dir, env: cliEnv });
      expect(flagged.stderr).toBe('');
      expect(flagged.code).toBe(0);
      expect(flagged.stdout.split('\n')[0]).toMatch(
        new RegExp(
          `^engine: Docker ${versionB.replace(/[.+]/g, '\\$&')} \\(API [\\d.]+\\) at .* \\(docker context ${context}\\)$`,
        ),
      );
      const fromEnv = await runCli(['validate'], { cwd: dir, env: { ...cliEnv, DOCKER_CONTEXT: context } });
      expect(fromEnv.stdout.split('\n')[0]).toContain(`(docker context ${context})`);
      const both = await runCli(['--host', firstEngineHost(), '--context', context, 'validate'], {
        cwd: dir,
        env: cliEnv,
      });
      expect(both.code).toBe(1);
      expect(both.stderr).toContain('error: conflicting options: cannot give both --host and --context');
      const missing = await runCli(['--context', 'no-such-context', 'validate'], { cwd: dir, env: cliEnv });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('error: docker context "no-such-context" does not exist');
      expect(missing.stderr).not.toContain('    at ');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
