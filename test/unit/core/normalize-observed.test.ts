import { describe, expect, it } from 'vitest';
import { diffNetwork } from '../../../src/core/diff-network.js';
import {
  comparableDesiredNetwork,
  normalizeObservedEndpoint,
  normalizeObservedNetwork,
  withoutDaemonDefaultOptions,
} from '../../../src/core/normalize-observed.js';
import type { DesiredNetwork } from '../../../src/model/desired.js';
import type { ObservedEndpoint, ObservedNetwork } from '../../../src/model/observed.js';
import { desiredNetwork, observedNetwork } from '../../support/builders.js';

const drift = (observed: ObservedNetwork, desired: DesiredNetwork): string[] =>
  diffNetwork(normalizeObservedNetwork(observed, desired), comparableDesiredNetwork(desired)).map(
    (c) => c.path,
  );

describe('default vs drift', () => {
  const cases: [string, ObservedNetwork, DesiredNetwork, string[]][] = [
    [
      'a gateway the spec does not give',
      observedNetwork({
        ipam: {
          driver: 'default',
          options: {},
          config: [{ subnet: '10.0.0.0/24', gateway: '10.0.0.1', auxAddresses: {} }],
        },
      }),
      desiredNetwork({
        ipam: { driver: 'default', options: {}, config: [{ subnet: '10.0.0.0/24', auxAddresses: {} }] },
      }),
      [],
    ],
    [
      'a gateway the spec gives differently',
      observedNetwork({
        ipam: {
          driver: 'default',
          options: {},
          config: [{ subnet: '10.0.0.0/24', gateway: '10.0.0.1', auxAddresses: {} }],
        },
      }),
      desiredNetwork({
        ipam: {
          driver: 'default',
          options: {},
          config: [{ subnet: '10.0.0.0/24', gateway: '10.0.0.9', auxAddresses: {} }],
        },
      }),
      ['ipam.config[0].gateway'],
    ],
    [
      'an empty IPAM driver name reported as default',
      observedNetwork({ ipam: { driver: '', options: {}, config: [] } }),
      desiredNetwork(),
      [],
    ],
    [
      'Engine 28 option records with their default values',
      observedNetwork({
        enableIPv4: true,
        options: { 'com.docker.network.enable_ipv4': 'true', 'com.docker.network.enable_ipv6': 'false' },
      }),
      desiredNetwork(),
      [],
    ],
    [
      'an option record that says something else',
      observedNetwork({ options: { 'com.docker.network.enable_ipv6': 'true' } }),
      desiredNetwork(),
      ['driver_opts'],
    ],
    [
      'a v6 subnet when the spec gives only v4 (Engine 27 automatic /64)',
      observedNetwork({
        enableIPv6: true,
        ipam: {
          driver: 'default',
          options: {},
          config: [
            { subnet: '10.0.0.0/24', auxAddresses: {} },
            { subnet: 'fd12::/64', gateway: 'fd12::1', auxAddresses: {} },
          ],
        },
      }),
      desiredNetwork({
        enableIPv6: true,
        ipam: { driver: 'default', options: {}, config: [{ subnet: '10.0.0.0/24', auxAddresses: {} }] },
      }),
      [],
    ],
    [
      'a second v4 subnet the spec does not have',
      observedNetwork({
        ipam: {
          driver: 'default',
          options: {},
          config: [
            { subnet: '10.0.0.0/24', auxAddresses: {} },
            { subnet: '10.0.1.0/24', auxAddresses: {} },
          ],
        },
      }),
      desiredNetwork({
        ipam: { driver: 'default', options: {}, config: [{ subnet: '10.0.0.0/24', auxAddresses: {} }] },
      }),
      ['ipam.config'],
    ],
    [
      'netform labels and a scope the spec does not name',
      observedNetwork({
        scope: 'local',
        labels: { 'io.netform.managed': 'true', 'io.netform.project': 'p', a: '1' },
      }),
      desiredNetwork({ labels: { a: '1' } }),
      [],
    ],
    [
      'an aux address the user had set and the spec drops',
      observedNetwork({
        ipam: {
          driver: 'default',
          options: {},
          config: [{ subnet: '10.0.0.0/24', auxAddresses: { r: '10.0.0.2' } }],
        },
      }),
      desiredNetwork({
        ipam: { driver: 'default', options: {}, config: [{ subnet: '10.0.0.0/24', auxAddresses: {} }] },
      }),
      ['ipam.config[0].aux_addresses'],
    ],
  ];
  for (const [title, observed, desired, paths] of cases) {
    it(title, () => {
      expect(drift(observed, desired)).toEqual(paths);
    });
  }

  it('drops only options equal to what the daemon sets', () => {
    expect(
      withoutDaemonDefaultOptions(
        { 'com.docker.network.driver.mtu': '1500', 'com.docker.network.bridge.name': 'br0' },
        false,
      ),
    ).toEqual({ 'com.docker.network.bridge.name': 'br0' });
    expect(withoutDaemonDefaultOptions({ 'com.docker.network.driver.mtu': '9000' }, false)).toEqual({
      'com.docker.network.driver.mtu': '9000',
    });
  });
});

describe('normalizeObservedEndpoint', () => {
  const container = { id: 'abcdef0123456789'.padEnd(64, '0'), name: 'web' };
  const endpoint = (over: Partial<ObservedEndpoint> = {}): ObservedEndpoint => ({
    networkId: 'n1',
    networkName: 'app',
    aliases: ['www', 'abcdef012345', 'web'],
    aliasesKnown: true,
    configuredLinkLocalIps: [],
    ipv4Address: '10.0.0.5',
    macAddress: '02:42:0A:00:00:05',
    driverOpts: {},
    ...over,
  });

  it('drops the short id, the name, assigned addresses and the MAC', () => {
    expect(normalizeObservedEndpoint(endpoint(), container)).toEqual({
      aliases: ['www'],
      linkLocalIps: [],
      driverOpts: {},
    });
  });

  it('keeps the name when the spec asks for it as an alias, and the MAC when the spec sets one', () => {
    const wanted = { aliases: ['web'], linkLocalIps: [], driverOpts: {}, macAddress: '02:42:0a:00:00:05' };
    expect(normalizeObservedEndpoint(endpoint(), container, wanted)).toEqual({
      aliases: ['web', 'www'],
      linkLocalIps: [],
      driverOpts: {},
      macAddress: '02:42:0a:00:00:05',
    });
  });

  it('takes unknown aliases to be the wanted ones', () => {
    const wanted = { aliases: ['x'], linkLocalIps: [], driverOpts: {} };
    expect(
      normalizeObservedEndpoint(endpoint({ aliases: [], aliasesKnown: false }), container, wanted).aliases,
    ).toEqual(['x']);
  });
});
