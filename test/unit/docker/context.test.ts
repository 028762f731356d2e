import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveEngineAddress, specEngineAddress } from '../../../src/docker/address.js';
import { contextDigest, dockerConfigDir, resolveContextName } from '../../../src/docker/context.js';
import { EngineError } from '../../../src/model/errors.js';

/**
 * A context store written in the docker CLI's layout (checked against `docker context create`
 * in test/engine/fleet-context.test.ts): meta/<sha256>/meta.json and tls/<sha256>/docker/*.pem.
 */
function writeContext(
  config: string,
  name: string,
  endpoint: { Host: string; SkipTLSVerify?: boolean },
  tls: Record<string, string> = {},
): void {
  const digest = createHash('sha256').update(name).digest('hex');
  const meta = join(config, 'contexts', 'meta', digest);
  mkdirSync(meta, { recursive: true });
  writeFileSync(
    join(meta, 'meta.json'),
    JSON.stringify({
      Name: name,
      Metadata: {},
      Endpoints: { docker: { SkipTLSVerify: false, ...endpoint } },
    }),
  );
  if (Object.keys(tls).length > 0) {
    const dir = join(config, 'contexts', 'tls', digest, 'docker');
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(tls)) writeFileSync(join(dir, file), text);
  }
}

describe('docker contexts', () => {
  const config = mkdtempSync(join(tmpdir(), 'netform-docker-config-'));
  writeContext(config, 'remote', { Host: 'unix:///run/remote/docker.sock' });
  writeContext(
    config,
    'secure',
    { Host: 'tcp://engine.example:2376' },
    { 'ca.pem': 'CA', 'cert.pem': 'C', 'key.pem': 'K' },
  );
  writeContext(config, 'insecure', { Host: 'tcp://engine.example:2376', SkipTLSVerify: true });
  writeContext(config, 'plain', { Host: 'tcp://engine.example:2375' });
  writeContext(config, 'over-ssh', { Host: 'ssh://ops@edge.example' });
  writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: {}, currentContext: 'remote' }));
  const empty = mkdtempSync(join(tmpdir(), 'netform-docker-config-'));
  afterAll(() => {
    rmSync(config, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  });

  it('names a context directory by the sha256 of its name, as the docker CLI does', () => {
    // `echo -n fx | sha256sum`, the directory `docker context create fx` made.
    expect(contextDigest('fx')).toBe('6956e1dffd6851cfa0b5461772d12f1dd7d22676f5eee2aad3ae7c0b630d5c80');
  });

  it('finds the configuration in DOCKER_CONFIG, else ~/.docker', () => {
    expect(dockerConfigDir({ DOCKER_CONFIG: '/etc/dc', HOME: '/home/x' })).toBe('/etc/dc');
    expect(dockerConfigDir({ HOME: '/home/x' })).toBe('/home/x/.docker');
  });

  // The docker CLI's order (cli/command/cli.go, resolveContextName).
  it.each([
    ['--context first', { context: 'secure' }, { DOCKER_CONTEXT: 'plain' }, 'secure'],
    ['--host means the default context', { host: 'unix:///x.sock' }, { DOCKER_CONTEXT: 'plain' }, 'default'],
    [
      'DOCKER_HOST means the default context',
      {},
      { DOCKER_HOST: 'unix:///x.sock', DOCKER_CONTEXT: 'plain' },
      'default',
    ],
    ['then DOCKER_CONTEXT', {}, { DOCKER_CONTEXT: 'plain' }, 'plain'],
    ['then config.json currentContext', {}, {}, 'remote'],
    ['an empty DOCKER_HOST is unset', {}, { DOCKER_HOST: '' }, 'remote'],
  ] as const)('%s', (_name, options, env, expected) => {
    expect(resolveContextName(options, { DOCKER_CONFIG: config, ...env })).toBe(expected);
  });

  it('uses the default context without config.json', () => {
    expect(resolveContextName({}, { DOCKER_CONFIG: empty })).toBe('default');
    expect(resolveEngineAddress(undefined, { DOCKER_CONFIG: empty })).toMatchObject({
      kind: 'unix',
      socketPath: '/var/run/docker.sock',
    });
  });

  it('refuses --host with --context, as the docker CLI does', () => {
    expect(() =>
      resolveEngineAddress('unix:///x.sock', { DOCKER_CONFIG: config }, { context: 'remote' }),
    ).toThrow(/cannot give both --host and --context/);
  });

  it('reaches the current context when nothing else is given, naming it in messages', () => {
    expect(resolveEngineAddress(undefined, { DOCKER_CONFIG: config })).toEqual({
      kind: 'unix',
      socketPath: '/run/remote/docker.sock',
      display: 'unix:///run/remote/docker.sock (docker context remote)',
    });
  });

  it('takes the TLS material from the context store and verifies the engine', () => {
    const address = resolveEngineAddress(undefined, { DOCKER_CONFIG: config }, { context: 'secure' });
    if (address.kind !== 'tcp') throw new Error('not tcp');
    expect(address.port).toBe(2376);
    expect(address.tls?.verify).toBe(true);
    expect([address.tls?.ca, address.tls?.cert, address.tls?.key].map(String)).toEqual(['CA', 'C', 'K']);
  });

  it('speaks TLS without verifying with SkipTLSVerify, and plain HTTP without TLS material', () => {
    const insecure = resolveEngineAddress(undefined, { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'insecure' });
    expect(insecure.kind === 'tcp' && insecure.tls).toEqual({ verify: false });
    // As the docker CLI: a context's tcp:// endpoint without TLS data is plain, whatever the port.
    const plain = resolveEngineAddress(undefined, { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'plain' });
    expect(plain.kind === 'tcp' && plain.tls).toBeUndefined();
  });

  it('ignores DOCKER_TLS_VERIFY and DOCKER_CERT_PATH for a stored context', () => {
    const address = resolveEngineAddress(undefined, {
      DOCKER_CONFIG: config,
      DOCKER_CONTEXT: 'plain',
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: '/nonexistent',
    });
    expect(address.kind === 'tcp' && address.tls).toBeUndefined();
  });

  it('reads ssh endpoints', () => {
    expect(resolveEngineAddress(undefined, { DOCKER_CONFIG: config }, { context: 'over-ssh' })).toMatchObject(
      {
        kind: 'ssh',
        hostname: 'edge.example',
        username: 'ops',
      },
    );
  });

  it('treats the context named default as DOCKER_HOST / the local socket', () => {
    expect(resolveEngineAddress(undefined, { DOCKER_CONFIG: config }, { context: 'default' })).toMatchObject({
      socketPath: '/var/run/docker.sock',
    });
  });

  it('says which context does not exist and where it looked', () => {
    const attempt = (): unknown =>
      resolveEngineAddress(undefined, { DOCKER_CONFIG: config }, { context: 'nowhere' });
    expect(attempt).toThrow(EngineError);
    expect(attempt).toThrow(/docker context "nowhere" does not exist \(no .*meta\.json\)/);
  });

  it('reports a broken config.json', () => {
    const broken = mkdtempSync(join(tmpdir(), 'netform-docker-config-'));
    try {
      writeFileSync(join(broken, 'config.json'), '{ not json');
      expect(() => resolveEngineAddress(undefined, { DOCKER_CONFIG: broken })).toThrow(
        /config.json is not valid JSON/,
      );
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  describe('a spec engine', () => {
    it('by context', () => {
      expect(specEngineAddress({ name: 'e1', context: 'remote' }, { DOCKER_CONFIG: config })).toMatchObject({
        socketPath: '/run/remote/docker.sock',
      });
    });

    it('by tcp:// host with TLS files (verifying), without them plain', () => {
      const dir = mkdtempSync(join(tmpdir(), 'netform-certs-'));
      try {
        writeFileSync(join(dir, 'ca.pem'), 'CA');
        const tls = specEngineAddress(
          { name: 'e2', host: 'tcp://10.0.0.12', tls: { ca: join(dir, 'ca.pem') } },
          { DOCKER_TLS_VERIFY: '', DOCKER_HOST: 'unix:///ignored.sock' },
        );
        expect(tls).toMatchObject({ kind: 'tcp', port: 2376, display: 'tcp://10.0.0.12:2376' });
        expect(tls.kind === 'tcp' && tls.tls?.verify).toBe(true);
        expect(tls.kind === 'tcp' && String(tls.tls?.ca)).toBe('CA');
        const plain = specEngineAddress(
          { name: 'e3', host: 'tcp://10.0.0.13:2376' },
          { DOCKER_TLS_VERIFY: '1' },
        );
        expect(plain.kind === 'tcp' && plain.tls).toBeUndefined();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('names the file when a TLS file cannot be read', () => {
      expect(() =>
        specEngineAddress({ name: 'edge-2', host: 'tcp://e:2376', tls: { ca: '/nonexistent/ca.pem' } }, {}),
      ).toThrow(/cannot read the TLS CA certificate \/nonexistent\/ca.pem/);
    });
  });
});
