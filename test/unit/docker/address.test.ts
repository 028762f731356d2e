import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveEngineAddress } from '../../../src/docker/address.js';
import { compareApiVersions, negotiateApiVersion } from '../../../src/docker/api-version.js';
import { EngineError } from '../../../src/model/errors.js';

describe('resolveEngineAddress', () => {
  const certs = mkdtempSync(join(tmpdir(), 'netform-certs-'));
  for (const file of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(certs, file), `${file}\n`);
  const onlyCa = mkdtempSync(join(tmpdir(), 'netform-certs-'));
  writeFileSync(join(onlyCa, 'ca.pem'), 'ca\n');
  writeFileSync(join(onlyCa, 'cert.pem'), 'cert\n');
  afterAll(() => {
    rmSync(certs, { recursive: true, force: true });
    rmSync(onlyCa, { recursive: true, force: true });
  });

  it.each([
    ['default: the local socket', undefined, {}, { kind: 'unix', display: 'unix:///var/run/docker.sock' }],
    [
      'DOCKER_HOST',
      undefined,
      { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' },
      { kind: 'unix', socketPath: '/run/user/1000/docker.sock' },
    ],
    [
      '--host over DOCKER_HOST',
      'tcp://10.1.2.3:2375',
      { DOCKER_HOST: 'unix:///x.sock' },
      { kind: 'tcp', display: 'tcp://10.1.2.3:2375', hostname: '10.1.2.3', port: 2375 },
    ],
    ['tcp without a port', 'tcp://engine.example', {}, { kind: 'tcp', port: 2375 }],
    ['a bare host:port', 'engine.example:4243', {}, { kind: 'tcp', hostname: 'engine.example', port: 4243 }],
    [
      'IPv6 literal',
      'tcp://[fd00::1]:2375',
      {},
      { kind: 'tcp', hostname: 'fd00::1', display: 'tcp://[fd00::1]:2375' },
    ],
    [
      'ssh with user and port',
      'ssh://deploy@build.example:2222',
      {},
      {
        kind: 'ssh',
        display: 'ssh://deploy@build.example:2222',
        hostname: 'build.example',
        port: 2222,
        username: 'deploy',
      },
    ],
    ['ssh default port', 'ssh://build.example', {}, { kind: 'ssh', port: 22 }],
    [
      'empty DOCKER_HOST is unset',
      undefined,
      { DOCKER_HOST: '' },
      { kind: 'unix', socketPath: '/var/run/docker.sock' },
    ],
  ] as const)('%s', (_name, host, env, expected) => {
    expect(resolveEngineAddress(host, env)).toMatchObject(expected);
  });

  it('speaks TLS with DOCKER_TLS_VERIFY and reads ca.pem, cert.pem and key.pem from DOCKER_CERT_PATH', () => {
    const address = resolveEngineAddress('tcp://engine.example', {
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: certs,
    });
    expect(address).toMatchObject({ kind: 'tcp', port: 2376, display: 'tcp://engine.example:2376' });
    if (address.kind !== 'tcp') throw new Error('not tcp');
    expect(address.tls?.verify).toBe(true);
    expect([
      address.tls?.ca?.toString(),
      address.tls?.cert?.toString(),
      address.tls?.key?.toString(),
    ]).toEqual(['ca.pem\n', 'cert.pem\n', 'key.pem\n']);
  });

  it('speaks TLS without verifying when only DOCKER_CERT_PATH is set', () => {
    const address = resolveEngineAddress('tcp://engine.example:2376', { DOCKER_CERT_PATH: certs });
    expect(address.kind === 'tcp' && address.tls?.verify).toBe(false);
  });

  it.each([
    [
      'a missing CA when verifying',
      'tcp://e:2376',
      { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nonexistent' },
      /cannot read \/nonexistent\/ca.pem/,
    ],
    [
      'a certificate without its key',
      'tcp://e:2376',
      { DOCKER_CERT_PATH: onlyCa },
      /only one of cert.pem and key.pem/,
    ],
    ['an unknown scheme', 'http+unix://x', {}, /unsupported engine address/],
    ['garbage', 'tcp://bad host', {}, /invalid engine address/],
  ] as const)('rejects %s with a clear EngineError', (_name, host, env, message) => {
    expect(() => resolveEngineAddress(host, env)).toThrow(EngineError);
    expect(() => resolveEngineAddress(host, env)).toThrow(message);
  });
});

describe('API version negotiation', () => {
  it.each([
    ['1.41', '1.41'],
    ['1.44', '1.44'],
    ['1.54', '1.54'],
    ['1.55', '1.54'],
    ['1.100', '1.54'],
  ])('an engine speaking up to %s is spoken to in %s', (engine, used) => {
    expect(negotiateApiVersion(engine)).toBe(used);
  });

  it('compares versions numerically', () => {
    expect(compareApiVersions('1.9', '1.41')).toBeLessThan(0);
    expect(compareApiVersions('1.54', '1.48')).toBeGreaterThan(0);
    expect(compareApiVersions('1.44', '1.44')).toBe(0);
  });
});
