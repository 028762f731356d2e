import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  describeServiceUpdate,
  planServices,
  type ServicePlanInput,
} from '../../../src/core/plan-services.js';
import type { DesiredNetwork, DesiredService, DesiredState } from '../../../src/model/desired.js';
import type { ObservedNetwork, ObservedService } from '../../../src/model/observed.js';
import { desiredNetwork } from './desired-network.js';

const network = (name: string, driver = 'overlay'): DesiredNetwork =>
  desiredNetwork(name, driver, { scope: 'swarm' });

const observedNetwork = (name: string): ObservedNetwork => ({
  id: `id-${name}`,
  name,
  driver: 'overlay',
  scope: 'swarm',
  attachable: true,
  internal: false,
  ingress: false,
  configOnly: false,
  enableIPv6: false,
  ipam: { driver: 'default', options: {}, config: [] },
  options: {},
  labels: {},
});

/** `{ network: aliases }`, driver options left empty unless given as `name=k:v`. */
function service(name: string, attachments: Record<string, string[]>): DesiredService {
  return {
    name,
    attachments: Object.fromEntries(
      Object.entries(attachments).map(([net, aliases]) => {
        const [network, opt] = net.split('=');
        const driverOpts: Record<string, string> = opt ? { [opt.split(':')[0]!]: opt.split(':')[1]! } : {};
        return [network!, { service: name, network: network!, aliases: [...aliases].sort(), driverOpts }];
      }),
    ),
  };
}

function observed(
  name: string,
  networks: Record<string, string[]>,
  extra: Partial<ObservedService> = {},
): ObservedService {
  return {
    id: `svc-${name}`,
    name,
    version: 42,
    labels: {},
    mode: 'replicated',
    replicas: 2,
    runningTasks: 2,
    desiredTasks: 2,
    networks: Object.entries(networks).map(([net, aliases]) => ({
      networkId: `id-${net}`,
      networkName: net,
      aliases: [...aliases].sort(),
      driverOpts: {},
    })),
    legacyNetworks: false,
    ...extra,
  };
}

function desired(networks: string[], services?: DesiredService[]): DesiredState {
  return {
    project: 'shop',
    networks: Object.fromEntries(networks.map((n) => [n, network(n)])),
    containers: {},
    ...(services ? { services: Object.fromEntries(services.map((s) => [s.name, s])) } : {}),
  };
}

const NETWORKS = ['mesh', 'back', 'front', 'other'].map(observedNetwork);

function input(
  spec: DesiredState,
  services: ObservedService[],
  more: Partial<ServicePlanInput> = {},
): ServicePlanInput {
  return { desired: spec, services, networks: NETWORKS, ...more };
}

describe('planServices', () => {
  it('plans nothing for a spec without services', () => {
    const plan = planServices(input(desired(['mesh']), [observed('web', { mesh: [] })]));
    expect(plan).toEqual({ actions: [], diagnostics: [], notes: [] });
  });

  it('puts every network change of one service into one update, with the whole list before and after', () => {
    const plan = planServices(
      input(desired(['mesh', 'back', 'front'], [service('web', { mesh: ['www', 'web'], front: [] })]), [
        observed('web', { mesh: ['www'], back: [], other: ['keep'] }),
      ]),
    );
    expect(plan.diagnostics).toEqual([]);
    expect(plan.actions).toHaveLength(1);
    const [action] = plan.actions;
    expect(action).toMatchObject({
      kind: 'service-update',
      service: 'web',
      serviceId: 'svc-web',
      version: 42,
      tasksRestarting: 2,
      legacyNetworks: false,
    });
    expect(action!.before.map((n) => n.network)).toEqual(['back', 'mesh', 'other']);
    // `other` is not declared: kept as it is. `back` is declared and not listed: removed.
    expect(action!.after).toEqual([
      { network: 'front', networkId: 'id-front', aliases: [], driverOpts: {} },
      { network: 'mesh', networkId: 'id-mesh', aliases: ['web', 'www'], driverOpts: {} },
      { network: 'other', networkId: 'id-other', aliases: ['keep'], driverOpts: {} },
    ]);
    expect(action!.changes.map((c) => `${c.kind} ${c.network}`)).toEqual([
      'remove back',
      'add front',
      'change mesh',
    ]);
    expect(action!.changes[2]).toMatchObject({
      changes: [{ path: 'aliases', before: ['www'], after: ['web', 'www'] }],
    });
    expect(describeServiceUpdate(action!)).toBe(
      'web (2 tasks restart): - back; + front (no aliases); ~ mesh aliases [www] → [web, www]',
    );
  });

  it('plans no update when aliases and driver options match', () => {
    const plan = planServices(
      input(desired(['mesh'], [service('web', { mesh: ['www'] })]), [observed('web', { mesh: ['www'] })]),
    );
    expect(plan.actions).toEqual([]);
  });

  it('changes driver options alone', () => {
    const plan = planServices(
      input(desired(['mesh'], [service('web', { 'mesh=mtu:1400': [] })]), [observed('web', { mesh: [] })]),
    );
    expect(plan.actions[0]?.changes).toEqual([
      expect.objectContaining({
        kind: 'change',
        changes: [{ path: 'driver_opts', before: {}, after: { mtu: '1400' } }],
      }),
    ]);
  });

  it('says a missing service is pending: a warning, an error with strict', () => {
    const spec = desired(['mesh'], [service('ghost', { mesh: [] })]);
    const lax = planServices(input(spec, []));
    expect(lax.actions).toEqual([]);
    expect(lax.diagnostics).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'NF230', path: 'services.ghost' }),
    ]);
    const strict = planServices(input(spec, [], { strict: true }));
    expect(strict.diagnostics[0]).toMatchObject({ severity: 'error', code: 'NF230' });
  });

  it('changes a stack-owned service only with a warning that the next deploy reverts it', () => {
    const plan = planServices(
      input(desired(['mesh'], [service('shop_web', { mesh: ['www'] })]), [
        observed(
          'shop_web',
          { mesh: [] },
          { stack: 'shop', labels: { 'com.docker.stack.namespace': 'shop' } },
        ),
      ]),
    );
    expect(plan.actions[0]).toMatchObject({ stack: 'shop' });
    expect(plan.diagnostics).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'NF231', path: 'services.shop_web' }),
    ]);
    expect(plan.diagnostics[0]?.message).toContain('docker stack deploy');
  });

  it('warns when the service is in the middle of a rollout', () => {
    const plan = planServices(
      input(desired(['mesh'], [service('web', { mesh: ['www'] })]), [
        observed('web', { mesh: [] }, { updateState: 'paused' }),
      ]),
    );
    expect(plan.diagnostics.map((d) => d.code)).toEqual(['NF232']);
    const done = planServices(
      input(desired(['mesh'], [service('web', { mesh: ['www'] })]), [
        observed('web', { mesh: [] }, { updateState: 'completed' }),
      ]),
    );
    expect(done.diagnostics).toEqual([]);
  });

  it('leaves the ID of a network this plan creates or replaces to apply time', () => {
    const plan = planServices(
      input(
        desired(['mesh', 'fresh'], [service('web', { mesh: ['www'], fresh: [] })]),
        [observed('web', { mesh: ['www'] })],
        {
          networksCreated: new Set(['fresh', 'mesh']),
        },
      ),
    );
    const [action] = plan.actions;
    expect(action!.after).toEqual([
      { network: 'fresh', aliases: [], driverOpts: {} },
      { network: 'mesh', aliases: ['www'], driverOpts: {} },
    ]);
    expect(action!.changes).toEqual([
      expect.objectContaining({ kind: 'add', network: 'fresh' }),
      expect.objectContaining({
        kind: 'change',
        network: 'mesh',
        changes: [{ path: 'network', before: 'id-mesh', after: '(the new network)' }],
      }),
    ]);
  });

  it('takes a service off a network the plan removes, even one the spec no longer declares', () => {
    const plan = planServices(
      input(desired(['mesh'], [service('web', { mesh: [] })]), [observed('web', { mesh: [], other: [] })], {
        networksRemoved: new Set(['other']),
      }),
    );
    expect(plan.actions[0]?.changes).toEqual([expect.objectContaining({ kind: 'remove', network: 'other' })]);
    expect(plan.actions[0]?.after.map((n) => n.network)).toEqual(['mesh']);
  });

  it('notes that a legacy service moves its networks', () => {
    const plan = planServices(
      input(desired(['mesh'], [service('old', { mesh: ['new'] })]), [
        observed('old', { mesh: ['old'] }, { legacyNetworks: true }),
      ]),
    );
    expect(plan.actions[0]?.legacyNetworks).toBe(true);
    expect(plan.notes[0]?.message).toContain('Spec.TaskTemplate.Networks');
  });

  it('names a network the manager does not list by its ID and keeps it', () => {
    const stray = observed('web', { mesh: [] });
    stray.networks.push({ networkId: 'gone123', aliases: [], driverOpts: {} });
    const plan = planServices(input(desired(['mesh'], [service('web', { mesh: ['www'] })]), [stray]));
    expect(plan.actions[0]?.after.map((n) => n.network)).toEqual(['gone123', 'mesh']);
  });

  it('orders updates by service name', () => {
    const plan = planServices(
      input(desired(['mesh'], [service('b', { mesh: [] }), service('a', { mesh: [] })]), [
        observed('b', {}),
        observed('a', {}),
      ]),
    );
    expect(plan.actions.map((a) => a.service)).toEqual(['a', 'b']);
  });

  it('converges: once the update is applied, planning again finds nothing to do', () => {
    const names = ['mesh', 'back', 'front', 'other'];
    const attachments = fc.dictionary(
      fc.constantFrom(...names),
      fc.uniqueArray(fc.constantFrom('a', 'b', 'www'), { maxLength: 3 }),
    );
    fc.assert(
      fc.property(
        attachments,
        attachments,
        fc.subarray(['mesh', 'back', 'front']),
        (want, have, declaredExtra) => {
          const declaredNetworks = [...new Set([...Object.keys(want), ...declaredExtra])];
          const spec = desired(declaredNetworks, [service('web', want)]);
          const first = planServices(input(spec, [observed('web', have)]));
          const action = first.actions[0];
          const applied = action
            ? observed(
                'web',
                {},
                {
                  networks: action.after.map((n) => ({
                    networkId: n.networkId!,
                    networkName: n.network,
                    aliases: n.aliases,
                    driverOpts: n.driverOpts,
                  })),
                },
              )
            : observed('web', have);
          expect(planServices(input(spec, [applied])).actions).toEqual([]);
          expect(first.actions.length).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});
