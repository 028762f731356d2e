import { describe, expect, it } from 'vitest';
import { describeHolder, isLockNetwork, lockNetworkName, type LockLease } from '../../../src/apply/lock.js';

describe('lockNetworkName', () => {
  it('is readable for a project name that is a valid network name', () => {
    expect(lockNetworkName('shop')).toBe('netform-lock-shop');
  });
  it('hashes a project name that is not a valid network name, and keeps names apart', () => {
    const a = lockNetworkName('my shop');
    expect(a).toMatch(/^netform-lock-[0-9a-f]{16}$/);
    expect(lockNetworkName('my  shop')).not.toBe(a);
  });
});

describe('isLockNetwork', () => {
  it('recognises a lease by its label, never a managed network', () => {
    expect(isLockNetwork({ labels: { 'io.netform.lock': 'shop' } })).toBe(true);
    expect(isLockNetwork({ labels: { 'io.netform.managed': 'true', 'io.netform.project': 'shop' } })).toBe(
      false,
    );
  });
});

describe('describeHolder', () => {
  it('names the command, user, pid, host and since when, with the age', () => {
    const lease: LockLease = {
      networkId: 'x',
      name: 'netform-lock-shop',
      project: 'shop',
      host: 'ci-7',
      pid: 4242,
      user: 'alice',
      command: 'apply',
      since: '2026-11-23T00:00:00.000Z',
      token: 't',
    };
    expect(describeHolder(lease, new Date('2026-11-23T00:03:00.000Z'))).toBe(
      'apply by alice (pid 4242 on ci-7) since 2026-11-23T00:00:00.000Z (3m ago)',
    );
  });
});
