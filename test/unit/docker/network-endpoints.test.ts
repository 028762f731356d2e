import { describe, expect, it } from 'vitest';
import { networkEndpointsFrom } from '../../../src/docker/convert.js';
import type { ApiNetwork } from '../../../src/docker/engine-api.js';

/**
 * What the removal of the ingress network waits on (docs/swarm.md, "The ingress network"): the
 * endpoints of GET /networks/{id}?verbose=true, shaped as Docker 28.5 answered on the test
 * swarm's manager while a service of 2 tasks, one per node, published a port.
 */
const INGRESS_ON_MANAGER: ApiNetwork = {
  Name: 'ingress',
  Id: 'kft0bq3a6d8g7aoo5uw6xudbs',
  Ingress: true,
  Containers: {
    acb79ac13bb2: { Name: 'igv.2.sje65cyupr7hhg23seip1dhs3' },
    'ingress-sbox': { Name: 'ingress-endpoint' },
  },
  Services: {
    igv: {
      Tasks: [
        {
          Name: 'igv.2.sje65cyupr7hhg23seip1dhs3',
          EndpointID: '05ba27b0',
          Info: { 'Host IP': '10.213.251.1' },
        },
        {
          Name: 'igv.1.cpdul9v9t88iurqgtyge6lded',
          EndpointID: '387d7a13',
          Info: { 'Host IP': '10.213.251.2' },
        },
      ],
    },
  },
};

describe('networkEndpointsFrom', () => {
  it("lists the engine's own endpoints, then each task the swarm reports on another node once", () => {
    expect(networkEndpointsFrom(INGRESS_ON_MANAGER)).toEqual([
      { key: 'acb79ac13bb2', name: 'igv.2.sje65cyupr7hhg23seip1dhs3' },
      { key: 'ingress-sbox', name: 'ingress-endpoint' },
      { key: '387d7a13', name: 'igv.1.cpdul9v9t88iurqgtyge6lded', node: '10.213.251.2' },
    ]);
  });

  it('is empty for a network with nothing on it (Containers null, no Services)', () => {
    expect(networkEndpointsFrom({ Name: 'ingress', Id: 'x', Containers: null })).toEqual([]);
  });
});
