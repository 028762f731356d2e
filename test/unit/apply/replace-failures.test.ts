import { describe, expect, it } from 'vitest';
import { executePlan } from '../../../src/apply/execute.js';
import { planForEngine } from '../../../src/apply/plan-engine.js';
import { RESTORE_LABEL, restoreInterruptedReplaces } from '../../../src/apply/restore-point.js';
import type { ActionOutcome } from '../../../src/apply/result.js';
import { callsOf, replaceScenario } from './fixtures.js';
import type { MemoryPort } from './memory-port.js';

/**
 * The executor's failure paths for a replace (src/apply/replace.ts), driven through an in-memory
 * port that fails one chosen call: what the report says and exactly what the port was asked to
 * do, in order. One parallelism so the order is fixed. The real engine's side of replaces is in
 * test/engine/replace.test.ts.
 */

const POINT = 'create-network netform-restore-*';
const DROP_POINT = 'remove-network netform-restore-*';
const DISCONNECT_ALL = ['disconnect a-web from app', 'disconnect b-db from app', 'disconnect c-x from app'];
const RECONNECT_NEW = [
  'connect a-web to app [10.2.0.10 w]',
  'connect b-db to app [d]',
  'connect c-x to app [x]',
];
const RESTORE_OLD = [
  'connect a-web to app [10.1.0.10 w]',
  'connect b-db to app [d]',
  'connect c-x to app [x]',
];
const refused = (call: string): string => `${call} -> refused`;

interface Case {
  name: string;
  /** The calls to fail: a prefix, and how many matching calls to let through first. */
  faults: { on: string; skip?: number }[];
  status: ActionOutcome['status'];
  error?: RegExp;
  rollbackError?: RegExp;
  calls: string[];
  /** Where the endpoints are at the end: on the old network, the new one, or (undo failed) neither. */
  ends: 'old' | 'new' | 'broken';
}

const cases: Case[] = [
  {
    name: 'no failure',
    faults: [],
    status: 'done',
    calls: [
      POINT,
      ...DISCONNECT_ALL,
      'remove-network app',
      'create-network app',
      ...RECONNECT_NEW,
      DROP_POINT,
    ],
    ends: 'new',
  },
  {
    name: 'writing the restore point',
    faults: [{ on: 'create-network netform-restore' }],
    status: 'failed',
    error: /injected refused/,
    calls: [refused(POINT)],
    ends: 'old',
  },
  {
    name: 'the first disconnect',
    faults: [{ on: 'disconnect a-web' }],
    status: 'rolled-back',
    error: /disconnect a-web from app/,
    calls: [
      POINT,
      refused('disconnect a-web from app'),
      'disconnect b-db from app',
      'disconnect c-x from app',
      'connect b-db to app [d]',
      'connect c-x to app [x]',
      DROP_POINT,
    ],
    ends: 'old',
  },
  {
    name: 'the last disconnect',
    faults: [{ on: 'disconnect c-x' }],
    status: 'rolled-back',
    calls: [
      POINT,
      'disconnect a-web from app',
      'disconnect b-db from app',
      refused('disconnect c-x from app'),
      'connect a-web to app [10.1.0.10 w]',
      'connect b-db to app [d]',
      DROP_POINT,
    ],
    ends: 'old',
  },
  {
    name: 'removing the old network',
    faults: [{ on: 'remove-network app' }],
    status: 'rolled-back',
    error: /remove-network app/,
    calls: [POINT, ...DISCONNECT_ALL, refused('remove-network app'), ...RESTORE_OLD, DROP_POINT],
    ends: 'old',
  },
  {
    name: 'creating the new network',
    faults: [{ on: 'create-network app' }],
    status: 'rolled-back',
    error: /create-network app/,
    calls: [
      POINT,
      ...DISCONNECT_ALL,
      'remove-network app',
      refused('create-network app'),
      'create-network app',
      ...RESTORE_OLD,
      DROP_POINT,
    ],
    ends: 'old',
  },
  ...RECONNECT_NEW.map((failing, i): Case => ({
    name: `reconnect ${i + 1} of 3`,
    faults: [{ on: failing }],
    status: 'rolled-back',
    error: new RegExp(`injected refused: ${failing.replace(/[[\]]/g, '\\$&')}`),
    calls: [
      POINT,
      ...DISCONNECT_ALL,
      'remove-network app',
      'create-network app',
      ...RECONNECT_NEW.map((call) => (call === failing ? refused(call) : call)),
      ...RECONNECT_NEW.filter((call) => call !== failing).map(
        (call) => `disconnect ${call.split(' ')[1]} from app`,
      ),
      'remove-network app',
      'create-network app',
      ...RESTORE_OLD,
      DROP_POINT,
    ],
    ends: 'old',
  })),
  // The undo's own steps, after the last reconnect failed (a-web and b-db are on the new network).
  {
    name: 'undo: taking an endpoint off the new network',
    faults: [{ on: 'connect c-x' }, { on: 'disconnect a-web from app', skip: 1 }],
    status: 'failed',
    error: /connect c-x/,
    rollbackError: /disconnect a-web from app.*kept in netform-restore-/,
    calls: [
      POINT,
      ...DISCONNECT_ALL,
      'remove-network app',
      'create-network app',
      ...RECONNECT_NEW.slice(0, 2),
      refused(RECONNECT_NEW[2]!),
      refused('disconnect a-web from app'),
      'disconnect b-db from app',
    ],
    ends: 'broken',
  },
  {
    name: 'undo: removing the new network',
    faults: [{ on: 'connect c-x' }, { on: 'remove-network app', skip: 1 }],
    status: 'failed',
    rollbackError: /remove-network app/,
    calls: [
      POINT,
      ...DISCONNECT_ALL,
      'remove-network app',
      'create-network app',
      ...RECONNECT_NEW.slice(0, 2),
      refused(RECONNECT_NEW[2]!),
      'disconnect a-web from app',
      'disconnect b-db from app',
      refused('remove-network app'),
    ],
    ends: 'broken',
  },
  {
    name: 'undo: creating the old network again',
    faults: [{ on: 'connect c-x' }, { on: 'create-network app', skip: 1 }],
    status: 'failed',
    rollbackError: /create-network app/,
    calls: [
      POINT,
      ...DISCONNECT_ALL,
      'remove-network app',
      'create-network app',
      ...RECONNECT_NEW.slice(0, 2),
      refused(RECONNECT_NEW[2]!),
      'disconnect a-web from app',
      'disconnect b-db from app',
      'remove-network app',
      refused('create-network app'),
    ],
    ends: 'broken',
  },
  {
    name: 'undo: restoring one endpoint (the others are still restored)',
    faults: [{ on: 'connect c-x' }, { on: 'connect a-web to app [10.1.0.10' }],
    status: 'failed',
    rollbackError: /^a-web: injected refused/,
    calls: [
      POINT,
      ...DISCONNECT_ALL,
      'remove-network app',
      'create-network app',
      ...RECONNECT_NEW.slice(0, 2),
      refused(RECONNECT_NEW[2]!),
      'disconnect a-web from app',
      'disconnect b-db from app',
      'remove-network app',
      'create-network app',
      refused(RESTORE_OLD[0]!),
      ...RESTORE_OLD.slice(1),
    ],
    ends: 'broken',
  },
  {
    name: 'undo after a failed disconnect: restoring an endpoint',
    faults: [{ on: 'disconnect a-web' }, { on: 'connect b-db to app [d]' }],
    status: 'failed',
    rollbackError: /^b-db: injected refused/,
    calls: [
      POINT,
      refused('disconnect a-web from app'),
      'disconnect b-db from app',
      'disconnect c-x from app',
      refused('connect b-db to app [d]'),
      'connect c-x to app [x]',
    ],
    ends: 'broken',
  },
  {
    name: 'removing the restore point after a done replace',
    faults: [{ on: 'remove-network netform-restore' }],
    status: 'failed',
    error: /restore point netform-restore-\w+ could not be removed/,
    calls: [
      POINT,
      ...DISCONNECT_ALL,
      'remove-network app',
      'create-network app',
      ...RECONNECT_NEW,
      refused(DROP_POINT),
    ],
    ends: 'new',
  },
];

async function replaceWith(faults: Case['faults']) {
  const { port, desired } = replaceScenario();
  const plan = planForEngine(desired, await port.observe());
  expect(plan.actions.map((a) => a.kind)).toEqual(['replace']);
  for (const fault of faults) port.failOn(fault.on, fault.skip !== undefined ? { skip: fault.skip } : {});
  const result = await executePlan(plan, port, { parallelism: 1 });
  return { port, result, outcome: result.actions[0]! };
}

const subnetOf = (port: MemoryPort): string | undefined => port.network('app')?.ipam.config[0]?.subnet;
const restorePoints = (port: MemoryPort) =>
  [...port.networks.values()].filter((n) => RESTORE_LABEL in n.labels);

describe('a replace that fails at each step', () => {
  it.each(cases)('$name', async (c) => {
    const { port, result, outcome } = await replaceWith(c.faults);
    expect(callsOf(port)).toEqual(c.calls);
    expect(outcome.status).toBe(c.status);
    expect(result.status).toBe(c.status === 'done' ? 'applied' : 'failed');
    if (c.error) expect(outcome.error).toMatch(c.error);
    if (c.rollbackError) expect(outcome.rollbackError).toMatch(c.rollbackError);
    else expect(outcome.rollbackError).toBeUndefined();
    // The report lists every request, undo steps marked as such.
    expect(outcome.operations.length).toBe(c.calls.length);
    expect(outcome.operations.filter((o) => !o.ok).length).toBe(
      c.calls.filter((x) => x.includes(' -> ')).length,
    );

    if (c.ends === 'old') {
      expect(subnetOf(port)).toBe('10.1.0.0/24');
      expect(port.endpoint('a-web', 'app')?.configuredIPv4).toBe('10.1.0.10');
      expect(port.endpoint('b-db', 'app')?.aliases).toEqual(['d']);
      expect(port.endpoint('c-x', 'app')?.aliases).toEqual(['x']);
    }
    if (c.ends === 'new') {
      expect(subnetOf(port)).toBe('10.2.0.0/24');
      expect(port.endpoint('a-web', 'app')?.configuredIPv4).toBe('10.2.0.10');
      expect(port.endpoint('c-x', 'app')?.aliases).toEqual(['x']);
    }
    // A restore point outlives the run exactly when the undo failed (or could not be dropped).
    const kept = c.ends === 'broken' || c.calls.includes(refused(DROP_POINT));
    expect(restorePoints(port)).toHaveLength(kept ? 1 : 0);
  });

  it('leaves a restore point from which the next run puts every endpoint back after a failed undo', async () => {
    const { port } = await replaceWith([{ on: 'connect c-x' }, { on: 'create-network app', skip: 1 }]);
    expect(port.network('app')).toBeUndefined();
    const reports = await restoreInterruptedReplaces(port, 'shop');
    expect(reports).toMatchObject([{ network: 'app', onto: 'before', recreated: true }]);
    expect(subnetOf(port)).toBe('10.1.0.0/24');
    expect(port.endpoint('a-web', 'app')?.configuredIPv4).toBe('10.1.0.10');
    expect(port.endpoint('b-db', 'app')?.aliases).toEqual(['d']);
    expect(port.endpoint('c-x', 'app')?.aliases).toEqual(['x']);
    expect(restorePoints(port)).toHaveLength(0);
  });
});

describe('a replace whose process dies at each step', () => {
  // The call the process was waiting on when it was killed, and where the next run puts the
  // endpoints: the old network as it is (or created again), or the new one with the new settings.
  it.each([
    { diesAt: 'disconnect b-db', onto: 'before', recreated: false, subnet: '10.1.0.0/24', web: '10.1.0.10' },
    {
      diesAt: 'remove-network app',
      onto: 'before',
      recreated: false,
      subnet: '10.1.0.0/24',
      web: '10.1.0.10',
    },
    {
      diesAt: 'create-network app',
      onto: 'before',
      recreated: true,
      subnet: '10.1.0.0/24',
      web: '10.1.0.10',
    },
    { diesAt: 'connect b-db', onto: 'after', recreated: false, subnet: '10.2.0.0/24', web: '10.2.0.10' },
  ] as const)('at $diesAt: the next run restores onto the $onto network', async (c) => {
    const { port, desired } = replaceScenario();
    const plan = planForEngine(desired, await port.observe());
    port.hangOn(c.diesAt);
    void executePlan(plan, port, { parallelism: 1 });
    await port.hung;
    const lost = ['a-web', 'b-db', 'c-x'].filter((name) => !port.endpoint(name, 'app'));
    expect(lost.length).toBeGreaterThan(0);

    // A plan made now says a restore is pending (it cannot show it as actions).
    expect(planForEngine(desired, await port.observe()).notes.map((n) => n.message)).toEqual([
      expect.stringMatching(
        /^a replace of network app with 3 endpoints was interrupted at .*restores its endpoints first/,
      ),
    ]);

    const reports = await restoreInterruptedReplaces(port, 'shop');
    expect(reports).toMatchObject([{ network: 'app', onto: c.onto, recreated: c.recreated, failed: [] }]);
    expect(reports[0]!.restored.sort()).toEqual(lost);
    expect(subnetOf(port)).toBe(c.subnet);
    expect(port.endpoint('a-web', 'app')?.configuredIPv4).toBe(c.web);
    expect(port.endpoint('b-db', 'app')?.aliases).toEqual(['d']);
    expect(port.endpoint('c-x', 'app')?.aliases).toEqual(['x']);
    expect(restorePoints(port)).toHaveLength(0);
  });
});
