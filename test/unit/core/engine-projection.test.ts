import { describe, expect, it } from 'vitest';
import { desiredForEngine, engineNames, SINGLE_ENGINE } from '../../../src/core/engine-projection.js';
import { withoutSourcePositions } from '../../../src/core/fingerprint.js';
import { planChanges } from '../../../src/core/plan.js';
import type { DesiredState } from '../../../src/model/desired.js';
import { MANAGED_LABEL, PROJECT_LABEL } from '../../../src/model/desired.js';
import { NetformError } from '../../../src/model/errors.js';
import type { ObservedState } from '../../../src/model/observed.js';
import { compileSpec } from '../../../src/spec/index.js';
import { observedNetwork } from '../../support/builders.js';

function compile(text: string): DesiredState {
  const result = compileSpec([{ file: 'specs/netform.yaml', text }]);
  if (!result.ok) throw new Error(result.errors.map((d) => `${d.code} ${d.path}: ${d.message}`).join('\n'));
  return result.spec;
}

const FLEET = `
version: 1
project: edge
engines:
  edge-1: { host: ssh://ops@edge-1.example }
  edge-2: { host: tcp://10.0.0.12:2376, tls: { ca: certs/ca.pem } }
networks:
  lan:
    driver: macvlan
    parent: eth9
    subnet: 192.168.1.0/24
    gateway: 192.168.1.1
    aux_addresses: { printer: 192.168.1.2 }
    labels: { site: hq, tier: edge }
    driver_opts: { macvlan_mode: bridge }
    engines:
      edge-1: { parent: eth0, ip_range: 192.168.1.64/27 }
      edge-2:
        parent: enp3s0
        ip_range: 192.168.1.96/27
        gateway: 192.168.1.254
        aux_addresses: { camera: 192.168.1.3 }
        labels: { site: branch }
        driver_opts: { extra: "1" }
  dual:
    driver: macvlan
    parent: eth1
    enable_ipv6: true
    ipam:
      config:
        - subnet: 10.26.0.0/24
        - subnet: fd00:26::/64
    engines:
      edge-1: { ip_range: [10.26.0.64/27, "fd00:26::1:0/112"] }
      edge-2: { ip_range: ["fd00:26::2:0/112", 10.26.0.96/27] }
  backend: {}
  only-one:
    engines: [edge-2]
containers:
  node-exporter:
    engines: all
    networks: [backend]
  sensor:
    engines: [edge-1]
    networks:
      lan: { ipv4_address: 192.168.1.10 }
  api:
    engines: [edge-2]
    networks: [backend, only-one]
`;

describe('desiredForEngine', () => {
  const spec = compile(FLEET);

  it('lists the spec engines, sorted', () => {
    expect(engineNames(spec)).toEqual(['edge-1', 'edge-2']);
    expect(spec.engines?.['edge-2']?.tls?.ca).toBe('specs/certs/ca.pem');
  });

  it('applies an engine settings: parent and pool keys replaced, labels and driver_opts merged', () => {
    const edge2 = desiredForEngine(spec, 'edge-2').networks.lan!;
    expect(edge2.driverOpts).toEqual({ parent: 'enp3s0', macvlan_mode: 'bridge', extra: '1' });
    expect(edge2.labels).toEqual({ site: 'branch', tier: 'edge' });
    expect(edge2.ipam.config).toEqual([
      {
        subnet: '192.168.1.0/24',
        ipRange: '192.168.1.96/27',
        gateway: '192.168.1.254',
        auxAddresses: { camera: '192.168.1.3' },
      },
    ]);
    expect(edge2).not.toHaveProperty('engines');
    const edge1 = desiredForEngine(spec, 'edge-1').networks.lan!;
    expect(edge1.driverOpts).toEqual({ parent: 'eth0', macvlan_mode: 'bridge' });
    expect(edge1.labels).toEqual({ site: 'hq', tier: 'edge' });
    expect(edge1.ipam.config).toEqual([
      {
        subnet: '192.168.1.0/24',
        ipRange: '192.168.1.64/27',
        gateway: '192.168.1.1',
        auxAddresses: { printer: '192.168.1.2' },
      },
    ]);
  });

  it('gives each pool of a dual-stack network the range of its own family, whatever the order', () => {
    const pools = desiredForEngine(spec, 'edge-2').networks.dual!.ipam.config;
    expect(pools.map((p) => [p.subnet, p.ipRange])).toEqual([
      ['10.26.0.0/24', '10.26.0.96/27'],
      ['fd00:26::/64', 'fd00:26::2:0/112'],
    ]);
  });

  it('places networks and containers on their engines only, with their attachments there', () => {
    const edge1 = desiredForEngine(spec, 'edge-1');
    const edge2 = desiredForEngine(spec, 'edge-2');
    expect(Object.keys(edge1.networks).sort()).toEqual(['backend', 'dual', 'lan']);
    expect(Object.keys(edge2.networks).sort()).toEqual(['backend', 'dual', 'lan', 'only-one']);
    expect(Object.keys(edge1.containers).sort()).toEqual(['node-exporter', 'sensor']);
    expect(Object.keys(edge2.containers).sort()).toEqual(['api', 'node-exporter']);
    expect(Object.keys(edge2.containers.api!.attachments).sort()).toEqual(['backend', 'only-one']);
    expect(edge1.containers.sensor).not.toHaveProperty('engines');
    expect(edge1).not.toHaveProperty('engines');
  });

  it('keeps a selector rule on the engines it names, with its networks there', () => {
    const withRules = compile(`
version: 1
project: edge
engines:
  edge-1: { host: ssh://ops@edge-1.example }
  edge-2: { host: ssh://ops@edge-2.example }
networks:
  backend: {}
  only-two: { engines: [edge-2] }
selectors:
  everywhere:
    match: { labels: { team: ops } }
    engines: all
    networks: [backend, only-two]
  first:
    match: { labels: { team: payments } }
    engines: [edge-1]
    networks: [backend]
`);
    const rules = (engine: string): string[] =>
      Object.values(desiredForEngine(withRules, engine).selectors ?? {}).map(
        (s) => `${s.name}: ${Object.keys(s.attachments).sort().join(' ')}`,
      );
    expect(rules('edge-1')).toEqual(['everywhere: backend', 'first: backend']);
    expect(rules('edge-2')).toEqual(['everywhere: backend only-two']);
    expect(desiredForEngine(withRules, 'edge-1').selectors?.first).not.toHaveProperty('engines');
  });

  it('leaves the spec unchanged', () => {
    const before = JSON.stringify(spec);
    desiredForEngine(spec, 'edge-1');
    desiredForEngine(spec, 'edge-2');
    expect(JSON.stringify(spec)).toBe(before);
  });

  it('is the spec itself for a spec without engines:, whose one engine is SINGLE_ENGINE', () => {
    const single = compile(`
version: 1
project: shop
networks:
  front: { subnet: 10.0.42.0/24, labels: { a: b } }
containers:
  web: { networks: [front] }
`);
    expect(engineNames(single)).toEqual([]);
    expect(withoutSourcePositions(desiredForEngine(single, SINGLE_ENGINE))).toEqual(
      withoutSourcePositions(single),
    );
    expect(() => desiredForEngine(single, 'edge-1')).toThrow(NetformError);
  });

  it('refuses an engine the spec does not name, naming those it does', () => {
    expect(() => desiredForEngine(spec, 'edge-3')).toThrow(/engine edge-3 is not an engine of this spec/);
    try {
      desiredForEngine(spec, 'edge-3');
    } catch (error) {
      expect((error as NetformError).hint).toBe("the spec's engines: edge-1, edge-2");
    }
  });

  it('lets the single-engine planner remove, on an engine, the managed network declared only elsewhere', () => {
    const managed = { [MANAGED_LABEL]: 'true', [PROJECT_LABEL]: 'edge' };
    const observed: ObservedState = {
      engine: {
        version: '20.10.24',
        apiVersion: '1.41',
        engineApiVersion: '1.41',
        os: 'linux',
        arch: 'amd64',
        swarmState: 'inactive',
        swarmControl: false,
      },
      networks: [
        observedNetwork({ id: 'n-only', name: 'only-one', labels: managed }),
        observedNetwork({ id: 'n-backend', name: 'backend', labels: managed }),
      ],
      containers: [],
    };
    const kinds = (engine: string): string[] =>
      planChanges(desiredForEngine(spec, engine), observed)
        .actions.filter((a) => a.kind === 'remove')
        .map((a) => a.network);
    expect(kinds('edge-1')).toEqual(['only-one']);
    expect(kinds('edge-2')).toEqual([]);
  });
});
