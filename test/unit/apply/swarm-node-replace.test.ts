import { describe, expect, it } from 'vitest';
import { planForEngine } from '../../../src/apply/plan-engine.js';
import { swarmPlanning } from '../../../src/apply/swarm-fleet.js';
import { withNodeReplaceEndpoints } from '../../../src/apply/swarm-node-replace.js';
import { nodeProjection } from '../../../src/core/swarm-fleet.js';
import type { ObservedNetwork, ObservedState, SwarmRole } from '../../../src/model/observed.js';
import type { DockerPort } from '../../../src/model/port.js';
import { managed, spec } from './fixtures.js';
import { ENGINE_20_10 } from './memory-port.js';

/**
 * A worker's containers on a cluster network the manager replaces (src/apply/swarm-node-replace.ts,
 * docs/swarm.md): the worker's plan takes them off before the manager's stage and puts them back
 * after it. Pure planning and ordering; what the engines do is tested on the two-node swarm
 * (test/engine/swarm-replace.test.ts).
 */
const OV: ObservedNetwork = {
  id: 'ov-old',
  name: 'ov',
  driver: 'overlay',
  scope: 'swarm',
  attachable: true,
  internal: false,
  ingress: false,
  configOnly: false,
  enableIPv6: false,
  ipam: { driver: 'default', options: {}, config: [{ subnet: '10.1.0.0/24', auxAddresses: {} }] },
  options: {},
  labels: managed(),
};

const endpoint = (aliases: string[]) => ({
  networkId: 'ov-old',
  networkName: 'ov',
  endpointId: 'e1',
  aliases,
  aliasesKnown: true,
  configuredLinkLocalIps: [],
  driverOpts: {},
});

function worker(): ObservedState {
  return {
    engine: { ...ENGINE_20_10, swarmState: 'active', swarmControl: false },
    networks: [OV],
    containers: [
      { id: 'app-id', name: 'app', state: 'running', labels: {}, endpoints: { ov: endpoint(['beta']) } },
      { id: 'tool-id', name: 'tool', state: 'running', labels: {}, endpoints: { ov: endpoint(['t']) } },
    ],
  };
}

const TEXT = (subnet: string, aliases: string) => `
version: 1
project: shop
networks:
  ov: { driver: overlay, attachable: true, subnet: ${subnet} }
containers:
  app: { networks: { ov: { aliases: [${aliases}] } } }
`;

function plans(aliases: string) {
  const managerPlan = planForEngine(spec(TEXT('10.2.0.0/24', aliases)), {
    engine: { ...ENGINE_20_10, swarmState: 'active', swarmControl: true },
    networks: [OV],
    containers: [],
  });
  const desired = nodeProjection(spec(TEXT('10.2.0.0/24', aliases)), []);
  const observed = worker();
  const nodePlan = planForEngine(desired, observed);
  return { managerPlan, nodePlan, observed, desired };
}

describe("a worker's containers on an overlay the manager replaces", () => {
  it('leave it and join the new one, listed with the spec’s settings, unlisted with their own', () => {
    const { managerPlan, nodePlan, observed, desired } = plans('beta');
    expect(managerPlan.actions.map((a) => a.kind)).toEqual(['replace']);
    expect(nodePlan.actions).toEqual([]);
    const around = withNodeReplaceEndpoints(nodePlan, observed, desired, managerPlan);
    expect(
      around.actions.map((a) =>
        a.kind === 'connect'
          ? `connect ${a.container} ${a.networkId} [${a.after.aliases.join(',')}]`
          : a.kind === 'disconnect'
            ? `disconnect ${a.container} ${a.networkId}`
            : a.kind,
      ),
    ).toEqual([
      'disconnect app ov-old',
      'disconnect tool ov-old',
      'connect app ov [beta]',
      'connect tool ov [t]',
    ]);
    expect(around.summary).toMatchObject({ connect: 2, disconnect: 2, reconnect: 0 });
  });

  it("fold the node's own reconnect (new aliases) into the pair", () => {
    const { managerPlan, nodePlan, observed, desired } = plans('gamma');
    expect(nodePlan.actions.map((a) => `${a.kind} ${'container' in a ? a.container : ''}`)).toEqual([
      'reconnect app',
    ]);
    const around = withNodeReplaceEndpoints(nodePlan, observed, desired, managerPlan);
    expect(around.actions.map((a) => a.kind)).toEqual(['disconnect', 'disconnect', 'connect', 'connect']);
    const connect = around.actions.find((a) => a.kind === 'connect' && a.container === 'app');
    expect(connect?.kind === 'connect' && connect.after.aliases).toEqual(['gamma']);
  });

  it('run in two stages around the manager: the disconnects before it, the connects after', async () => {
    const { managerPlan, nodePlan, observed, desired } = plans('beta');
    const around = withNodeReplaceEndpoints(nodePlan, observed, desired, managerPlan);
    const role = (controlAvailable: boolean, nodeId: string): SwarmRole => ({
      localNodeState: 'active',
      nodeId,
      controlAvailable,
      ...(controlAvailable ? { clusterId: 'c1' } : {}),
      remoteManagers: [{ nodeId: 'm1', addr: '10.0.0.1:2377' }],
    });
    const port = (r: SwarmRole) =>
      ({ host: 'x', swarmRole: () => Promise.resolve(r) }) as unknown as DockerPort;
    const swarm = await swarmPlanning(
      spec(TEXT('10.2.0.0/24', 'beta')),
      new Map([
        ['m', port(role(true, 'm1'))],
        ['w', port(role(false, 'w1'))],
      ]),
    );
    const waves = swarm.waves(
      ['m', 'w'],
      new Map([
        ['m', managerPlan],
        ['w', around],
      ]),
    );
    const kinds = (indexes: number[] | undefined) => (indexes ?? []).map((i) => around.actions[i]!.kind);
    expect(waves.map((wave) => wave.map((stage) => stage.engine))).toEqual([['w'], ['m'], ['w']]);
    expect(kinds(waves[0]![0]!.actions)).toEqual(['disconnect', 'disconnect']);
    expect(kinds(waves[2]![0]!.actions)).toEqual(['connect', 'connect']);
  });
});
