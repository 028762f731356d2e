import { describe, expect, it } from 'vitest';
import { acquireLock, LOCK_LABEL } from '../../../src/apply/lock.js';
import { planForEngine } from '../../../src/apply/plan-engine.js';
import { apply, destroy, type SessionEvent } from '../../../src/apply/session.js';
import { buildPlanFile } from '../../../src/core/plan-file.js';
import type { DesiredState } from '../../../src/model/desired.js';
import { NetformError } from '../../../src/model/errors.js';
import type { PlanOptions } from '../../../src/model/plan.js';
import { callsOf, managed, replaceScenario, spec } from './fixtures.js';
import { MemoryPort } from './memory-port.js';

/**
 * The apply session's control flow (src/apply/session.ts), driven through an in-memory port:
 * which requests it sends in each outcome, and that the lock is released on every way out. The
 * lock lease shows in the calls as `create-network netform-lock-shop` / `remove-network …`.
 */

const LOCK = 'create-network netform-lock-shop';
const UNLOCK = 'remove-network netform-lock-shop';
const owner = { host: 'test', pid: 1, user: 'tester', command: 'apply' };

const threeNetworks = spec(`
version: 1
project: shop
networks:
  front: { subnet: 10.1.1.0/24 }
  back: { subnet: 10.1.2.0/24 }
  ops: { subnet: 10.1.3.0/24 }
`);

const leases = (port: MemoryPort) => [...port.networks.values()].filter((n) => LOCK_LABEL in n.labels);

function session(port: MemoryPort, desired: DesiredState, extra: Parameters<typeof apply>[2] = {}) {
  const events: SessionEvent['type'][] = [];
  const run = apply(port, { desired }, { owner, onEvent: (e) => events.push(e.type), ...extra });
  return { run, events };
}

describe('the apply session', () => {
  it('applies, verifies and releases the lock', async () => {
    const port = new MemoryPort();
    const { run, events } = session(port, threeNetworks, { parallelism: 1 });
    const result = await run;
    expect(result.status).toBe('applied');
    expect(callsOf(port)).toEqual([
      LOCK,
      'create-network back',
      'create-network front',
      'create-network ops',
      UNLOCK,
    ]);
    expect(events[0]).toBe('lock-acquired');
    expect(events).toContain('verifying');
    expect(leases(port)).toEqual([]);
  });

  it('is blocked by a plan with errors: nothing but the lock is sent', async () => {
    const port = new MemoryPort();
    // An unmanaged network of the same name that differs: an error without --adopt.
    port.addNetwork({
      name: 'front',
      ipam: { driver: 'default', options: {}, config: [{ subnet: '10.9.9.0/24', auxAddresses: {} }] },
    });
    let asked = false;
    const { run } = session(port, threeNetworks, { confirm: () => ((asked = true), Promise.resolve(true)) });
    const result = await run;
    expect(result.status).toBe('blocked');
    expect(result.plan.diagnostics.some((d) => d.severity === 'error')).toBe(true);
    expect(asked).toBe(false);
    expect(callsOf(port)).toEqual([LOCK, UNLOCK]);
  });

  it('is cancelled when the confirmation says no: nothing but the lock is sent', async () => {
    const port = new MemoryPort();
    const { run } = session(port, threeNetworks, { confirm: () => Promise.resolve(false) });
    const result = await run;
    expect(result).toMatchObject({ status: 'cancelled', by: 'confirmation' });
    expect(callsOf(port)).toEqual([LOCK, UNLOCK]);
  });

  it('says no changes (and asks nothing) when the engine already matches', async () => {
    const port = new MemoryPort();
    for (const [name, subnet] of [
      ['front', '10.1.1.0/24'],
      ['back', '10.1.2.0/24'],
      ['ops', '10.1.3.0/24'],
    ] as const) {
      port.addNetwork({
        name,
        labels: managed(),
        ipam: { driver: 'default', options: {}, config: [{ subnet, auxAddresses: {} }] },
      });
    }
    let asked = false;
    const { run } = session(port, threeNetworks, { confirm: () => ((asked = true), Promise.resolve(true)) });
    expect((await run).status).toBe('no-changes');
    expect(asked).toBe(false);
    expect(callsOf(port)).toEqual([LOCK, UNLOCK]);
  });

  it('stops on an abort mid-execution: the action in flight ends, the rest is not attempted', async () => {
    const port = new MemoryPort();
    const abort = new AbortController();
    port.onCall = (call) => {
      if (call === 'create-network back') abort.abort();
    };
    const { run } = session(port, threeNetworks, { parallelism: 1, signal: abort.signal });
    const result = await run;
    expect(result.status).toBe('failed');
    if (result.status !== 'failed') return;
    expect(result.execution.interrupted).toBe(true);
    expect(result.execution.actions.map((a) => [a.description, a.status])).toEqual([
      ['create network back', 'done'],
      ['create network front', 'not-attempted'],
      ['create network ops', 'not-attempted'],
    ]);
    expect(callsOf(port)).toEqual([LOCK, 'create-network back', UNLOCK]);
  });

  it.each([
    ['while waiting for the confirmation', 'confirm'],
    ['right after taking the lock', 'lock'],
  ] as const)('ends on an abort %s before anything is sent, releasing the lock', async (_, when) => {
    const port = new MemoryPort();
    const abort = new AbortController();
    if (when === 'lock') {
      port.onCall = (call) => {
        if (call === LOCK) abort.abort();
      };
    }
    const confirm = (): Promise<boolean> =>
      new Promise((resolve) => abort.signal.addEventListener('abort', () => resolve(false)));
    const run = apply(port, { desired: threeNetworks }, { owner, signal: abort.signal, confirm });
    if (when === 'confirm') {
      setTimeout(() => abort.abort(), 10);
      expect(await run).toMatchObject({ status: 'cancelled', by: 'signal' });
    } else {
      await expect(run).rejects.toThrow(/interrupted before planning; nothing was changed/);
    }
    expect(callsOf(port)).toEqual([LOCK, UNLOCK]);
    expect(leases(port)).toEqual([]);
  });

  it('refuses to run while another run holds the lock, and sends nothing', async () => {
    const port = new MemoryPort();
    await acquireLock(port, 'shop', { ...owner, pid: 4242, host: 'ci-7' });
    port.calls.length = 0;
    const error = await apply(port, { desired: threeNetworks }, { owner }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetformError);
    expect((error as Error).message).toMatch(
      /lock for project "shop".* is held: apply by tester \(pid 4242 on ci-7\)/,
    );
    expect(callsOf(port)).toEqual([`${LOCK} -> conflict`]);
    expect(leases(port)).toHaveLength(1);
  });

  it('releases the lock when planning throws (a stale saved plan)', async () => {
    const port = new MemoryPort();
    const observed = await port.observe();
    const file = buildPlanFile({
      plan: planForEngine(threeNetworks, observed),
      desired: threeNetworks,
      options: {},
      observed,
      host: port.host,
      netformVersion: 'test',
      createdAt: new Date(0).toISOString(),
    });
    port.addNetwork({ name: 'front', labels: managed() });
    await expect(apply(port, { planFile: file, fileName: 'p.plan' }, { owner })).rejects.toThrow(
      /p.plan is stale/,
    );
    expect(callsOf(port)).toEqual([LOCK, UNLOCK]);
  });

  it.each<[string, PlanOptions]>([
    ['targets', { targets: ['back'] }],
    ['strict', { strict: true }],
  ])('verifies a saved plan within the scope its options record (%s)', async (_, options) => {
    const port = new MemoryPort();
    // `ops` is declared but differs and is outside --target back; `web` is listed and missing.
    const desired = spec(`
version: 1
project: shop
networks:
  back: { subnet: 10.1.2.0/24 }
  ops: { subnet: 10.1.3.0/24 }
containers:
  web:
    networks: [back]
`);
    if (options.strict) port.addContainer('web');
    else
      port.addNetwork({
        name: 'ops',
        labels: managed(),
        ipam: { driver: 'default', options: {}, config: [] },
      });
    const observed = await port.observe();
    const plan = planForEngine(desired, observed, options);
    expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const file = buildPlanFile({
      plan,
      desired,
      options,
      observed,
      host: port.host,
      netformVersion: 'test',
      createdAt: new Date(0).toISOString(),
    });
    const result = await apply(port, { planFile: file }, { owner });
    expect(result.status).toBe('applied');
    if (result.status !== 'applied') return;
    // Verified with the plan's own options: planning again with them leaves nothing to do.
    expect(result.residual.actions).toEqual([]);
    expect(planForEngine(desired, await port.observe(), {}).actions.length).toBe(options.strict ? 0 : 1);
  });

  it('restores what an interrupted replace left before it plans, and says so', async () => {
    const { port, desired } = replaceScenario();
    const plan = planForEngine(desired, await port.observe());
    port.hangOn('create-network app');
    // The first run dies while creating the new network (its lock is left; break it as unlock would).
    void apply(port, { desired }, { owner });
    await port.hung;
    for (const lease of leases(port)) port.networks.delete(lease.id);
    expect(port.network('app')).toBeUndefined();

    const restored: string[] = [];
    const result = await apply(
      port,
      { desired },
      {
        owner,
        parallelism: 1,
        onEvent: (e) => {
          if (e.type === 'restored') restored.push(...e.report.restored);
        },
      },
    );
    expect(restored.sort()).toEqual(['a-web', 'b-db', 'c-x']);
    // Restored onto the old network created again, then replaced as the spec says.
    expect(plan.actions.map((a) => a.kind)).toEqual(['replace']);
    expect(result.status).toBe('applied');
    expect(port.endpoint('c-x', 'app')?.aliases).toEqual(['x']);
    expect(port.endpoint('a-web', 'app')?.configuredIPv4).toBe('10.2.0.10');
  });
});

describe('the destroy session', () => {
  it('removes the managed networks under the lock', async () => {
    const port = new MemoryPort();
    port.addNetwork({ name: 'front', labels: managed() });
    port.addNetwork({ name: 'mine-not', labels: managed('other') });
    const result = await destroy(port, 'shop', { owner });
    expect(result.status).toBe('applied');
    expect(callsOf(port)).toEqual([LOCK, 'remove-network front', UNLOCK]);
  });
});
