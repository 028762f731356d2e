import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkKnownHost } from '../../../src/docker/known-hosts.js';

const key = randomBytes(51);
const other = randomBytes(51);
const b64 = (k: Buffer) => k.toString('base64');
const hashed = (name: string) => {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};

describe('checkKnownHost', () => {
  it.each([
    ['a plain entry on port 22', `build.example ssh-ed25519 ${b64(key)}`, 'build.example', 22, 'match'],
    ['a comma list', `other,build.example,10.0.0.5 ssh-ed25519 ${b64(key)}`, 'build.example', 22, 'match'],
    [
      'a bracketed entry with its port',
      `[build.example]:2222 ssh-ed25519 ${b64(key)}`,
      'build.example',
      2222,
      'match',
    ],
    [
      'a port-22 entry does not cover another port',
      `build.example ssh-ed25519 ${b64(key)}`,
      'build.example',
      2222,
      'unknown',
    ],
    ['a hashed entry', `${hashed('build.example')} ssh-ed25519 ${b64(key)}`, 'build.example', 22, 'match'],
    [
      'a hashed entry with a port',
      `${hashed('[build.example]:2222')} ssh-ed25519 ${b64(key)}`,
      'build.example',
      2222,
      'match',
    ],
    ['a different key', `build.example ssh-ed25519 ${b64(other)}`, 'build.example', 22, 'mismatch'],
    [
      'one of several keys',
      `build.example ssh-rsa ${b64(other)}\nbuild.example ssh-ed25519 ${b64(key)}`,
      'build.example',
      22,
      'match',
    ],
    [
      'no entry',
      `# comment\nelsewhere ssh-ed25519 ${b64(key)}\n@revoked build.example ssh-ed25519 ${b64(key)}`,
      'build.example',
      22,
      'unknown',
    ],
    [
      'a name that only starts the same',
      `build.example.org ssh-ed25519 ${b64(key)}`,
      'build.example',
      22,
      'unknown',
    ],
  ] as const)('%s', (_name, text, host, port, verdict) => {
    expect(checkKnownHost(text, host, port, key)).toBe(verdict);
  });
});
