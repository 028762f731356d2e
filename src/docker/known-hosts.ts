import { createHmac } from 'node:crypto';

/** What ~/.ssh/known_hosts says about a host's key. */
export type HostKeyVerdict = 'match' | 'mismatch' | 'unknown';

/**
 * Checks an SSH host key (the raw public key blob) against known_hosts text, as OpenSSH does
 * for plain (`host`, `[host]:port`, comma lists) and hashed (`|1|salt|hash`) entries. Marker
 * lines (@cert-authority, @revoked) and wildcard patterns are not understood and are skipped.
 * Pure.
 */
export function checkKnownHost(
  knownHosts: string,
  hostname: string,
  port: number,
  key: Buffer,
): HostKeyVerdict {
  const name = port === 22 ? hostname : `[${hostname}]:${port}`;
  let seen = false;
  for (const raw of knownHosts.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('@')) continue;
    const [hosts, , blob] = line.split(/\s+/);
    if (!hosts || !blob || !hostsMatch(hosts, name)) continue;
    seen = true;
    if (Buffer.from(blob, 'base64').equals(key)) return 'match';
  }
  return seen ? 'mismatch' : 'unknown';
}

function hostsMatch(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return digest === hash;
  }
  return field.split(',').some((pattern) => pattern === name);
}
