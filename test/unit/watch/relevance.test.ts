import { describe, expect, it } from 'vitest';
import { lockNetworkName } from '../../../src/apply/lock.js';
import { parseEvent } from '../../../src/docker/events.js';
import type { DesiredState } from '../../../src/model/desired.js';
import type { ObservedNetwork, ObservedState } from '../../../src/model/observed.js';
import type { EngineEvent } from '../../../src/model/port.js';
import { concernsProject, projectScope } from '../../../src/watch/relevance.js';

const desired = {
  project: 'shop',
  networks: { web: {}, db: {} },
  containers: { app: {}, worker: {} },
  services: { api: {} },
} as unknown as DesiredState;

function network(name: string, id: string, labels: Record<string, string> = {}): ObservedNetwork {
  return { name, id, labels } as ObservedNetwork;
}

const observed = {
  networks: [
    network('web', 'id-web'),
    network('old', 'id-old', { 'io.netform.managed': 'true', 'io.netform.project': 'shop' }),
    network('theirs', 'id-theirs', { 'io.netform.managed': 'true', 'io.netform.project': 'other' }),
  ],
  containers: [],
} as unknown as ObservedState;

function event(
  type: EngineEvent['type'],
  action: string,
  id: string,
  attributes: Record<string, string>,
): EngineEvent {
  return { type, action, id, attributes, time: 0 };
}

describe('which engine events concern the project', () => {
  const scope = projectScope(desired, observed);
  it.each<[string, EngineEvent, boolean]>([
    [
      'a disconnect from a declared network',
      event('network', 'disconnect', 'id-web', { name: 'web', container: 'c1' }),
      true,
    ],
    ['the removal of a declared network', event('network', 'destroy', 'id-db', { name: 'db' }), true],
    [
      'a connect to a network the project manages but no longer declares',
      event('network', 'connect', 'id-old', { name: 'old' }),
      true,
    ],
    ['an event naming only the ID of an observed network', event('network', 'connect', 'id-web', {}), true],
    ["another project's network", event('network', 'connect', 'id-theirs', { name: 'theirs' }), false],
    [
      "the project's lock lease",
      event('network', 'create', 'id-lock', { name: lockNetworkName('shop') }),
      false,
    ],
    ['a declared container recreated', event('container', 'create', 'c2', { name: 'app' }), true],
    [
      'a container renamed to a declared name',
      event('container', 'rename', 'c3', { name: 'worker', oldName: '/tmp' }),
      true,
    ],
    [
      'a declared container renamed away',
      event('container', 'rename', 'c3', { name: 'tmp', oldName: '/worker' }),
      true,
    ],
    [
      'a container whose name only contains a declared name',
      event('container', 'start', 'c4', { name: 'app2' }),
      false,
    ],
    ['an update of a service the spec lists', event('service', 'update', 's1', { name: 'api' }), true],
    [
      'an update of a service the spec does not list',
      event('service', 'update', 's2', { name: 'billing', 'updatestate.new': 'updating' }),
      false,
    ],
  ])('%s: %s', (_what, e, expected) => {
    expect(concernsProject(e, scope)).toBe(expected);
  });
});

it('a spec without services: no service update concerns it', () => {
  const noServices = { ...desired, services: undefined } as unknown as DesiredState;
  expect(concernsProject(event('service', 'update', 's1', { name: 'api' }), projectScope(noServices))).toBe(
    false,
  );
});

describe('parseEvent (GET /events lines)', () => {
  it('reads a network event as Engine 20.10 sends it', () => {
    const line =
      '{"Type":"network","Action":"disconnect","Actor":{"ID":"39dca7e4","Attributes":{"container":"3a39","name":"evtest","type":"bridge"}},"scope":"local","time":1796035544,"timeNano":1796035544459808000}';
    expect(parseEvent(line)).toEqual({
      type: 'network',
      action: 'disconnect',
      id: '39dca7e4',
      attributes: { container: '3a39', name: 'evtest', type: 'bridge' },
      time: 1796035544459,
    });
  });
  it('reads a service update as a swarm manager sends it', () => {
    const line =
      '{"Type":"service","Action":"update","Actor":{"ID":"k3j2","Attributes":{"name":"api","updatestate.new":"updating"}},"scope":"swarm","time":1796035544,"timeNano":1796035544459808000}';
    const e = parseEvent(line)!;
    expect(e).toMatchObject({ type: 'service', action: 'update', id: 'k3j2', attributes: { name: 'api' } });
    expect(concernsProject(e, projectScope(desired))).toBe(true);
  });
  it.each(['', '   ', 'not json', '{"Type":"image","Action":"pull"}', '{"Type":"network"}'])(
    'ignores %j',
    (line) => {
      expect(parseEvent(line)).toBeUndefined();
    },
  );
});
