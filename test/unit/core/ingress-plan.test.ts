import { describe, expect, it } from 'vitest';
import { planChanges } from '../../../src/core/plan.js';
import { MANAGED_LABEL, PROJECT_LABEL, type DesiredState } from '../../../src/model/desired.js';
import type {
  ObservedNetwork,
  ObservedService,
  ObservedState,
  ObservedSwarmNode,
} from '../../../src/model/observed.js';
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

/** The test swarm's two nodes as the manager lists them: one hostname, told apart by ID and address. */
const MANAGER: ObservedSwarmNode = {
  id: 'ijbg2jwilk631lnox7sdryq9a',
  hostname: 'host',
  addr: '10.213.251.1',
  role: 'manager',
  state: 'ready',
  self: true,
};
const WORKER: ObservedSwarmNode = {
  id: 'j368mw5rnymh4o8zl0bs1mkg7',
  hostname: 'host',
  addr: '10.213.251.2',
  role: 'worker',
  state: 'ready',
  self: false,
};
/** What a run that reaches both nodes as engines tells the manager's plan. */
const BOTH = { engine: 'manager', sessionNodes: [MANAGER.id, WORKER.id] };

const observed = (
  services: ObservedService[],
  swarmNodes: ObservedSwarmNode[] | null = [MANAGER, WORKER],
): ObservedState => ({
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
  ...(swarmNodes ? { swarmNodes } : {}),
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
    const replaced = planChanges(declaring('10.213.248.0/24'), observed([service('db')]), {}, BOTH);
    expect(replaced.diagnostics).toEqual([]);
    expect(replaced.actions.map((a) => `${a.kind} ${'network' in a ? a.network : ''}`)).toEqual([
      'replace ingress',
    ]);
    const removed = planChanges({ project, networks: {}, containers: {} }, observed([]), {}, BOTH);
    expect(removed.diagnostics).toEqual([]);
    expect(removed.actions.map((a) => a.kind)).toEqual(['remove']);
    expect(removed.notes.map((n) => n.message).join('\n')).toMatch(
      /ingress network: once it is removed, the swarm has none/,
    );
  });

  it.each([
    ['a replace', declaring('10.213.248.0/24'), 'replaces'],
    ['a removal (destroy)', { project, networks: {}, containers: {} }, 'removes'],
  ] as const)(
    '%s by a spec of the manager only (no engines:) is an error naming the worker and saying what to do',
    (_what, spec, verb) => {
      const plan = planChanges(spec, observed([service('db')]));
      expect(plan.diagnostics.map((d) => `${d.severity} ${d.code} ${d.path}`)).toEqual([
        'error NF215 networks.ingress',
      ]);
      const error = plan.diagnostics[0]!;
      expect(error.message).toBe(
        `the plan ${verb} the swarm's ingress network ingress, but a node of the swarm is not among this run's engines: ` +
          'host (10.213.251.2, worker, ID j368mw5rnymh); netform removes it only once no task is left on it on every ' +
          'node, and it can look only at the nodes that are engines of this run: removed while a task is still ' +
          'stopping on another node, it stays listed there under its name, and no ingress network can be made until ' +
          'the swarm is formed anew (docs/swarm.md, "The ingress network")',
      );
      expect(error.hint).toContain(
        "give the spec an `engines:` section with this manager and every other node of the swarm (each with its Docker engine's host: or context:): add the engine of host at 10.213.251.2",
      );
      // The plan is still shown: what would run, beside the error that stops it.
      expect(plan.actions.map((a) => a.kind)).toEqual([verb === 'replaces' ? 'replace' : 'remove']);
    },
  );

  it("by a spec whose engines: reach the manager only is an error naming the worker in engines:' terms", () => {
    const plan = planChanges(
      { project, networks: {}, containers: {} },
      observed([]),
      {},
      {
        engine: 'manager',
        sessionNodes: [MANAGER.id],
      },
    );
    const errors = plan.diagnostics.filter((d) => d.code === 'NF215');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(
      "is not among this run's engines: host (10.213.251.2, worker, ID j368mw5rnymh)",
    );
    expect(errors[0]!.hint).toMatch(/^list every node of the swarm under the spec's `engines:`/);
  });

  it('names every node missing, with a state other than ready', () => {
    const third: ObservedSwarmNode = { ...WORKER, id: 'k9third000000', addr: '10.213.251.3', state: 'down' };
    const plan = planChanges(
      { project, networks: {}, containers: {} },
      observed([], [MANAGER, WORKER, third]),
      {},
      {
        sessionNodes: [MANAGER.id],
      },
    );
    const error = plan.diagnostics.find((d) => d.code === 'NF215')!;
    expect(error.message).toContain(
      "2 nodes of the swarm are not among this run's engines: host (10.213.251.2, worker, ID j368mw5rnymh), host (10.213.251.3, worker, down, ID k9third00000)",
    );
  });

  it("is an error when the swarm's nodes were not read (nothing to tell that each is reached)", () => {
    const plan = planChanges({ project, networks: {}, containers: {} }, observed([], null));
    const error = plan.diagnostics.find((d) => d.code === 'NF215')!;
    expect(error.severity).toBe('error');
    expect(error.message).toContain("but the swarm's nodes were not read");
  });

  it('is not asked of the removal of another overlay network', () => {
    const overlay: ObservedNetwork = {
      ...ingress('10.213.249.0/24'),
      id: 'id-ov',
      name: 'ov',
      ingress: false,
    };
    // Docker's own ingress network (no labels) beside it: not the project's, left alone.
    const docker: ObservedNetwork = { ...ingress('10.213.247.0/24'), labels: {} };
    const plan = planChanges(
      { project, networks: {}, containers: {} },
      {
        ...observed([]),
        networks: [docker, overlay],
      },
    );
    expect(plan.actions.map((a) => `${a.kind} ${'network' in a ? a.network : ''}`)).toEqual(['remove ov']);
    expect(plan.diagnostics).toEqual([]);
  });
});
