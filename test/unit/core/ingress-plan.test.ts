import { describe, expect, it } from 'vitest';
import { planChanges } from '../../../src/core/plan.js';
import { MANAGED_LABEL, PROJECT_LABEL, type DesiredState } from '../../../src/model/desired.js';
import type { ObservedNetwork, ObservedService, ObservedState } from '../../../src/model/observed.js';
import { observedNetwork } from '../../support/builders.js';
import { desiredNetwork } from './desired-network.js';

/*
 * The swarm's ingress network (docs/swarm.md, "The ingress network"): the engine refuses to remove
 * it while a service publishes ports through it, so a plan that replaces or removes it then is an
 * error naming the services (NF214), and a removal says the swarm is left without one.
 */

const project = 'edge';
const ingress = (subnet: string): ObservedNetwork =>
  observedNetwork({
    id: 'id-ingress',
    name: 'ingress',
    driver: 'overlay',
    scope: 'swarm',
    ingress: true,
    ipam: { driver: 'default', options: {}, config: [{ subnet, auxAddresses: {} }] },
    labels: { [MANAGED_LABEL]: 'true', [PROJECT_LABEL]: project },
  });

const service = (name: string, ingressPorts?: string[]): ObservedService => ({
  id: `svc-${name}`,
  name,
  version: 7,
  labels: {},
  mode: 'replicated',
  networks: [],
  legacyNetworks: false,
  ...(ingressPorts ? { ingressPorts } : {}),
});

const observed = (services: ObservedService[]): ObservedState => ({
  engine: {
    version: '28.5.2',
    apiVersion: '1.51',
    engineApiVersion: '1.51',
    os: 'linux',
    arch: 'amd64',
    swarmState: 'active',
    swarmControl: true,
  },
  networks: [ingress('10.213.247.0/24')],
  containers: [],
  services,
});

const declaring = (subnet: string): DesiredState => ({
  project,
  networks: {
    ingress: {
      ...desiredNetwork('ingress', 'overlay', { scope: 'swarm' }),
      ingress: true,
      ipam: { driver: 'default', options: {}, config: [{ subnet, auxAddresses: {} }] },
    },
  },
  containers: {},
});

describe('the ingress network', () => {
  it.each([
    ['a replace', declaring('10.213.248.0/24'), 'replaces'],
    ['a removal (destroy)', { project, networks: {}, containers: {} }, 'removes'],
  ] as const)('%s while services publish ports through it is an error naming them', (_what, spec, verb) => {
    const plan = planChanges(spec, observed([service('web', ['8080:80/tcp']), service('db')]));
    const errors = plan.diagnostics.filter((d) => d.code === 'NF214');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.severity).toBe('error');
    expect(errors[0]!.message).toContain(`the plan ${verb} the swarm's ingress network ingress`);
    expect(errors[0]!.message).toContain('web (8080:80/tcp)');
    expect(errors[0]!.message).not.toContain('db');
  });

  it('is replaced without an error when no service publishes ports, and a removal says the swarm is left without one', () => {
    const replaced = planChanges(declaring('10.213.248.0/24'), observed([service('db')]));
    expect(replaced.diagnostics).toEqual([]);
    expect(replaced.actions.map((a) => `${a.kind} ${'network' in a ? a.network : ''}`)).toEqual([
      'replace ingress',
    ]);
    const removed = planChanges({ project, networks: {}, containers: {} }, observed([]));
    expect(removed.actions.map((a) => a.kind)).toEqual(['remove']);
    expect(removed.notes.map((n) => n.message).join('\n')).toMatch(
      /ingress network: once it is removed, the swarm has none/,
    );
  });
});
