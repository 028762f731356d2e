import { describe, expect, it } from 'vitest';
import { desiredForEngine } from '../../../src/core/engine-projection.js';
import { planChanges } from '../../../src/core/plan.js';
import { nodeProjection } from '../../../src/core/swarm-fleet.js';
import { compileSpec } from '../../../src/spec/index.js';
import type { DesiredState } from '../../../src/model/desired.js';
import type { ObservedNetwork, ObservedService, ObservedState } from '../../../src/model/observed.js';
import { observedNetwork } from '../../support/builders.js';
import { desiredNetwork } from './desired-network.js';

/* `--target` naming a service (docs/swarm.md): only that service's update is planned. */

const mesh: ObservedNetwork = observedNetwork({
  id: 'id-mesh',
  name: 'mesh',
  driver: 'overlay',
  scope: 'swarm',
  attachable: true,
  labels: { 'io.netform.managed': 'true', 'io.netform.project': 'shop' },
});

const service = (name: string): ObservedService => ({
  id: `svc-${name}`,
  name,
  version: 3,
  labels: {},
  mode: 'replicated',
  networks: [],
  legacyNetworks: false,
});

const observed: ObservedState = {
  engine: {
    version: '28.5.2',
    apiVersion: '1.51',
    engineApiVersion: '1.51',
    os: 'linux',
    arch: 'amd64',
    swarmState: 'active',
    swarmControl: true,
  },
  networks: [mesh],
  containers: [],
  services: [service('web'), service('api')],
};

const attach = (name: string) => ({
  name,
  attachments: { mesh: { service: name, network: 'mesh', aliases: [], driverOpts: {} } },
});

const spec: DesiredState = {
  project: 'shop',
  networks: { mesh: { ...desiredNetwork('mesh', 'overlay', { scope: 'swarm' }), attachable: true } },
  containers: {},
  services: { web: attach('web'), api: attach('api') },
};

const updated = (state: DesiredState, targets?: string[]): string[] =>
  planChanges(state, observed, targets ? { targets } : {})
    .actions.filter((a) => a.kind === 'service-update')
    .map((a) => (a.kind === 'service-update' ? a.service : ''));

describe('--target and services', () => {
  it('plans every listed service without targets, only the targeted one with', () => {
    expect(updated(spec).sort()).toEqual(['api', 'web']);
    expect(updated(spec, ['web'])).toEqual(['web']);
    expect(updated(spec, ['mesh'])).toEqual([]);
  });

  it('takes a service that is not targeted off a targeted network the plan removes', () => {
    const onMesh: ObservedState = {
      ...observed,
      services: [
        {
          ...service('web'),
          networks: [{ networkId: 'id-mesh', networkName: 'mesh', aliases: [], driverOpts: {} }],
        },
        service('api'),
      ],
    };
    const dropped: DesiredState = { ...spec, networks: {}, services: {} };
    const plan = planChanges(dropped, onMesh, { targets: ['mesh'] });
    expect(plan.actions.map((a) => a.kind)).toEqual(['service-update', 'remove']);
  });

  it('names services among the known targets', () => {
    const plan = planChanges(spec, observed, { targets: ['wbe'] });
    const error = plan.diagnostics.find((d) => d.code === 'NF205')!;
    expect(error.message).toBe('--target wbe names no network, container or service of this spec or project');
    expect(error.hint).toBe('did you mean web?');
  });

  it("with engines:, a name of another engine's part targets nothing on this one, and is no error there", () => {
    const text = `version: 1
project: shop
engines:
  m: { host: unix:///run/m.sock }
  w: { host: unix:///run/w.sock }
networks:
  mesh: { driver: overlay, attachable: true }
  lan: { engines: [m] }
containers:
  tool: { engines: [w], networks: [mesh] }
services:
  web: { networks: [mesh] }
`;
    const compiled = compileSpec([{ file: 'netform.yaml', text }], { defaultProject: 'shop' });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
    // The worker's part as the swarm session plans it: cluster networks external, no services.
    const worker = nodeProjection(desiredForEngine(compiled.spec, 'w'), []);
    expect(worker.namesOnOtherEngines).toEqual(['lan', 'web']);
    const onWorker: ObservedState = { ...observed, networks: [mesh], services: undefined };
    for (const target of ['web', 'lan']) {
      const plan = planChanges(worker, onWorker, { targets: [target] });
      expect(plan.diagnostics).toEqual([]);
      expect(plan.actions).toEqual([]);
    }
    // A name of no engine's part is still unknown, with the other parts' names among the guesses.
    const typo = planChanges(worker, onWorker, { targets: ['wbe'] });
    expect(typo.diagnostics.map((d) => `${d.code} ${d.hint}`)).toEqual(['NF205 did you mean web?']);
    expect(desiredForEngine(compiled.spec, 'm').namesOnOtherEngines).toEqual(['tool', 'web']);
  });
});
