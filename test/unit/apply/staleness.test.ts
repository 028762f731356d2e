import { describe, expect, it } from 'vitest';
import { describeStaleness } from '../../../src/apply/staleness.js';
import type { ObservedNetwork, ObservedState } from '../../../src/model/observed.js';
import type { Action, Plan } from '../../../src/model/plan.js';
import { desiredNetwork, observedNetwork } from '../../support/builders.js';

const on = (name: string, id: string): ObservedNetwork => observedNetwork({ name, id });

const settings = { aliases: [], linkLocalIps: [], driverOpts: {} };
const network = desiredNetwork({ name: 'web' });
const plan = (actions: Action[]): Plan => ({
  formatVersion: 1,
  project: 'shop',
  actions,
  diagnostics: [],
  notes: [],
  summary: { create: 0, replace: 0, remove: 0, connect: 0, disconnect: 0, reconnect: 0 },
});
/** The containers' names, as the saved plan below knows them. */
const NAMES: Record<string, string> = { c1: 'app', c2: 'old' };
const observed = (networks: ObservedNetwork[], containerIds: string[]): ObservedState => ({
  engine: {
    version: '20.10',
    apiVersion: '1.41',
    engineApiVersion: '1.41',
    os: 'linux',
    arch: 'amd64',
    swarmState: 'inactive',
    swarmControl: false,
  },
  networks,
  containers: containerIds.map((id) => ({
    id,
    name: NAMES[id] ?? `c-${id}`,
    state: 'running',
    labels: {},
    endpoints: {},
  })),
});

describe('describeStaleness', () => {
  const saved = plan([
    { kind: 'create', network: 'api', after: { ...network, name: 'api' }, reason: '' },
    {
      kind: 'connect',
      container: 'app',
      containerId: 'c1',
      network: 'web',
      networkId: 'w1',
      after: settings,
      reason: '',
    },
    {
      kind: 'disconnect',
      container: 'old',
      containerId: 'c2',
      network: 'db',
      networkId: 'd1',
      before: settings,
      reason: '',
    },
  ]);

  it('names networks that appeared, were recreated or removed, containers that went, and actions that changed', () => {
    const now = observed([on('api', 'a9'), on('web', 'w2')], ['c1']);
    const fresh = plan([saved.actions[1]!]);
    expect(describeStaleness(saved, fresh, now)).toEqual([
      'network api now exists',
      'network web was recreated (id w1 is now w2)',
      'network db no longer exists',
      'container old (c2) no longer exists',
      'no longer needed: create network api',
    ]);
  });

  it('names a listed container that was renamed or recreated instead of calling its actions no longer needed', () => {
    const renamed: ObservedState = {
      ...observed([on('web', 'w1'), on('db', 'd1')], []),
      containers: [
        { id: 'c1', name: 'app-renamed', state: 'running', labels: {}, endpoints: {} },
        { id: 'c9', name: 'old', state: 'running', labels: {}, endpoints: {} },
      ],
    };
    // app is pending now (no container of that name), so a fresh plan has no action for it.
    const fresh = plan([]);
    expect(describeStaleness(plan(saved.actions.slice(1)), fresh, renamed)).toEqual([
      'container app (c1) was renamed to app-renamed',
      'container old was recreated (id c2 is now c9)',
    ]);
  });

  it('says nothing specific when the plan objects are as they were', () => {
    const now = observed([on('web', 'w1'), on('db', 'd1')], ['c1', 'c2']);
    expect(describeStaleness(saved, saved, now)).toEqual([]);
  });
});
