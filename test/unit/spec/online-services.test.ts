import { describe, expect, it } from 'vitest';
import { planForEngine } from '../../../src/apply/plan-engine.js';
import type { DesiredState } from '../../../src/model/desired.js';
import type { ObservedService, ObservedState } from '../../../src/model/observed.js';
import { compileSpec } from '../../../src/spec/index.js';
import { checkAgainstEngine } from '../../../src/spec/online.js';
import { observedNetwork } from '../../support/builders.js';

/*
 * The checks of services against the engine (docs/swarm.md, "Checks against the engine"): a
 * listed service that does not exist (NF082, a warning: pending), and an external network a
 * service cannot use (NF083, an error). validate runs them on everything; plan only on what its
 * updates send, with its own pending-service warning (NF230) instead of NF082.
 */

const SPEC = `version: 1
project: shop
networks:
  legacy:
    external: true
    name: legacy-br
  mesh:
    external: true
  gone:
    external: true
services:
  web:
    networks:
      mesh: { aliases: [www] }
      legacy: {}
  api:
    networks: [mesh]
  ghost:
    networks: [gone]
`;

function spec(text = SPEC): DesiredState {
  const compiled = compileSpec([{ file: 'netform.yaml', text }], { defaultProject: 'shop' });
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
  return compiled.spec;
}

const service = (name: string): ObservedService => ({
  id: `svc-${name}`,
  name,
  version: 7,
  labels: {},
  mode: 'replicated',
  replicas: 1,
  networks: [],
  legacyNetworks: false,
});

const observed = (services: ObservedService[] | undefined): ObservedState => ({
  engine: {
    version: '28.5.2',
    apiVersion: '1.51',
    engineApiVersion: '1.51',
    os: 'linux',
    arch: 'amd64',
    swarmState: 'active',
    swarmControl: true,
  },
  networks: [
    observedNetwork({ id: 'br', name: 'legacy-br' }),
    observedNetwork({ id: 'ov', name: 'mesh', driver: 'overlay', scope: 'swarm', attachable: true }),
  ],
  containers: [],
  ...(services ? { services } : {}),
});

const lines = (found: { severity: string; code: string; path: string; position?: { line: number } }[]) =>
  found.map((d) => `${d.position?.line ?? '-'} ${d.severity} ${d.code} ${d.path}`).sort();

describe('validate: services against the engine', () => {
  it('warns about a missing service at its key, errs on a local external network, passes an overlay', () => {
    const found = checkAgainstEngine(spec(), observed([service('web'), service('api')]));
    expect(lines(found)).toEqual([
      // gone does not exist at all: NF074 says so, not NF083.
      '15 error NF083 services.web.networks.legacy',
      '18 warning NF082 services.ghost',
      '9 error NF074 networks.gone',
    ]);
    const local = found.find((d) => d.code === 'NF083')!;
    expect(local.message).toBe(
      "service web cannot use the external network legacy-br: it is a bridge network of scope local, and a service uses only networks of the swarm's scope",
    );
    expect(found.find((d) => d.code === 'NF082')!.message).toBe(
      'service ghost does not exist on the swarm (pending): plan leaves its networks alone until it does',
    );
  });

  it('says nothing about missing services where none were read (not a manager)', () => {
    const found = checkAgainstEngine(spec(), observed(undefined));
    expect(found.map((d) => d.code).sort()).toEqual(['NF074', 'NF083']);
  });

  it('reports a config-only network as not usable by services', () => {
    const text = `version: 1
project: shop
networks:
  lan-config: { external: true }
services:
  web:
    networks: [lan-config]
`;
    const state = observed([service('web')]);
    state.networks.push(observedNetwork({ id: 'co', name: 'lan-config', driver: 'null', configOnly: true }));
    const found = checkAgainstEngine(spec(text), state);
    expect(found.map((d) => `${d.code} ${d.message}`)).toEqual([
      "NF083 service web cannot use the external network lan-config: it is a config-only network of scope local, and a service uses only networks of the swarm's scope",
    ]);
  });
});

describe('plan: the same checks on what its updates send', () => {
  it('refuses an update that puts a service on a local network; a missing one is NF230 only', () => {
    const { diagnostics, actions } = planForEngine(spec(), observed([service('web'), service('api')]));
    expect(actions.filter((a) => a.kind === 'service-update').map((a) => a.service)).toEqual(['api', 'web']);
    expect(lines(diagnostics)).toEqual([
      '15 error NF083 services.web.networks.legacy',
      '18 warning NF230 services.ghost',
      '9 error NF201 networks.gone',
    ]);
  });

  it('leaves a service outside --target unchecked, as unplanned', () => {
    const { diagnostics, actions } = planForEngine(spec(), observed([service('web'), service('api')]), {
      targets: ['api'],
    });
    expect(actions.map((a) => (a.kind === 'service-update' ? a.service : a.kind))).toEqual(['api']);
    expect(diagnostics.filter((d) => d.code === 'NF083')).toEqual([]);
  });
});
