import { describe, expect, it } from 'vitest';
import { planChanges } from '../../../src/core/plan.js';
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
});
