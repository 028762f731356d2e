import { describe, expect, it } from 'vitest';
import { toEngineError, EngineRequestError } from '../../../src/docker/errors.js';
import { networkConnectBody, networkCreateBody } from '../../../src/docker/requests.js';
import { EngineError } from '../../../src/model/errors.js';

describe('networkCreateBody', () => {
  it('maps every field of the request, with CheckDuplicate', () => {
    expect(
      networkCreateBody({
        name: 'shop_user-network',
        driver: 'bridge',
        scope: 'local',
        attachable: true,
        internal: false,
        enableIPv6: true,
        configOnly: false,
        ipam: {
          driver: 'default',
          options: { foo: 'bar' },
          config: [
            {
              subnet: '10.0.42.0/24',
              ipRange: '10.0.42.128/25',
              gateway: '10.0.42.1',
              auxAddresses: { router: '10.0.42.2' },
            },
            { subnet: 'fdd1:ac8c:557:7ce2::/64', auxAddresses: {} },
          ],
        },
        options: { 'com.docker.network.bridge.name': 'br-user' },
        labels: { 'io.netform.managed': 'true', 'io.netform.project': 'shop' },
      }),
    ).toEqual({
      Name: 'shop_user-network',
      CheckDuplicate: true,
      Driver: 'bridge',
      Scope: 'local',
      Internal: false,
      Attachable: true,
      EnableIPv6: true,
      IPAM: {
        Driver: 'default',
        Options: { foo: 'bar' },
        Config: [
          {
            Subnet: '10.0.42.0/24',
            IPRange: '10.0.42.128/25',
            Gateway: '10.0.42.1',
            AuxiliaryAddresses: { router: '10.0.42.2' },
          },
          { Subnet: 'fdd1:ac8c:557:7ce2::/64' },
        ],
      },
      Options: { 'com.docker.network.bridge.name': 'br-user' },
      Labels: { 'io.netform.managed': 'true', 'io.netform.project': 'shop' },
    });
  });

  it('sends ConfigOnly only when asked', () => {
    const base = {
      name: 'n',
      driver: 'macvlan',
      attachable: false,
      internal: false,
      enableIPv6: false,
      ipam: { driver: 'default', options: {}, config: [] },
      options: { parent: 'eth0' },
      labels: {},
    };
    expect(networkCreateBody(base)).not.toHaveProperty('ConfigOnly');
    expect(networkCreateBody({ ...base, configOnly: true }).ConfigOnly).toBe(true);
  });

  it('sends EnableIPv4 only to turn IPv4 off, and Ingress only when set', () => {
    const base = {
      name: 'n',
      driver: 'bridge',
      attachable: false,
      internal: false,
      enableIPv6: true,
      ipam: { driver: 'default', options: {}, config: [] },
      options: {},
      labels: {},
    };
    expect(networkCreateBody(base)).not.toHaveProperty('EnableIPv4');
    expect(networkCreateBody({ ...base, enableIPv4: true })).not.toHaveProperty('EnableIPv4');
    expect(networkCreateBody({ ...base, enableIPv4: false }).EnableIPv4).toBe(false);
    expect(networkCreateBody(base)).not.toHaveProperty('Ingress');
    expect(networkCreateBody({ ...base, driver: 'overlay', ingress: true }).Ingress).toBe(true);
  });
});

describe('networkConnectBody', () => {
  const none = { aliases: [], linkLocalIps: [], driverOpts: {} };

  it('sends only what is set', () => {
    expect(networkConnectBody('c1', none, '1.41')).toEqual({ Container: 'c1', EndpointConfig: {} });
  });

  it('maps aliases, static addresses, link-local addresses and driver options', () => {
    expect(
      networkConnectBody(
        'c1',
        {
          aliases: ['api', 'explorer'],
          ipv4Address: '10.26.120.129',
          ipv6Address: 'fdd1:ac8c:557:7ce2::129',
          linkLocalIps: ['169.254.1.1'],
          driverOpts: { 'com.docker.network.bridge.x': 'y' },
        },
        '1.49',
      ),
    ).toEqual({
      Container: 'c1',
      EndpointConfig: {
        Aliases: ['api', 'explorer'],
        IPAMConfig: {
          IPv4Address: '10.26.120.129',
          IPv6Address: 'fdd1:ac8c:557:7ce2::129',
          LinkLocalIPs: ['169.254.1.1'],
        },
        DriverOpts: { 'com.docker.network.bridge.x': 'y' },
      },
    });
  });

  it('sends an interface name from API 1.48 (Engine 28 honours it) and refuses it below, where it is ignored', () => {
    const ifname = { ...none, driverOpts: { 'com.docker.network.endpoint.ifname': 'lan0' } };
    expect(networkConnectBody('c1', ifname, '1.48').EndpointConfig.DriverOpts).toEqual({
      'com.docker.network.endpoint.ifname': 'lan0',
    });
    expect(() => networkConnectBody('c1', ifname, '1.45')).toThrow(
      /interface_name lan0 needs Engine API 1.48/,
    );
  });

  it('sends GwPriority from API 1.48 and refuses it below', () => {
    expect(networkConnectBody('c1', { ...none, gwPriority: 5 }, '1.48').EndpointConfig.GwPriority).toBe(5);
    expect(networkConnectBody('c1', { ...none, gwPriority: -3 }, '1.48').EndpointConfig.GwPriority).toBe(-3);
    expect(networkConnectBody('c1', { ...none, gwPriority: 0 }, '1.41').EndpointConfig).not.toHaveProperty(
      'GwPriority',
    );
    expect(() => networkConnectBody('c1', { ...none, gwPriority: 5 }, '1.47')).toThrow(
      /needs Engine API 1.48/,
    );
    // Compose's priority is the connection order, netform's own: never sent.
    expect(networkConnectBody('c1', { ...none, priority: 5 }, '1.41').EndpointConfig).toEqual({});
  });

  it('passes other endpoint driver options on any version', () => {
    expect(
      networkConnectBody('c1', { ...none, driverOpts: { other: 'x' } }, '1.41').EndpointConfig.DriverOpts,
    ).toEqual({
      other: 'x',
    });
  });

  it('sends a MAC address from API 1.54, where connect applies it, and refuses it below', () => {
    expect(
      networkConnectBody('c1', { ...none, macAddress: '02:42:0a:00:00:05' }, '1.54').EndpointConfig
        .MacAddress,
    ).toBe('02:42:0a:00:00:05');
    expect(() => networkConnectBody('c1', { ...none, macAddress: '02:42:0a:00:00:05' }, '1.53')).toThrow(
      EngineError,
    );
  });
});

describe('toEngineError', () => {
  const modemError = (statusCode: number, json: unknown) =>
    Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - `), { statusCode, json });

  it("carries the engine's own words and the operation", () => {
    const error = toEngineError(
      modemError(409, { message: 'network with name shop_web already exists' }),
      'creating network shop_web',
      'unix:///var/run/docker.sock',
    );
    expect(error).toBeInstanceOf(EngineRequestError);
    expect(error.message).toBe('creating network shop_web: network with name shop_web already exists');
    expect((error as EngineRequestError).statusCode).toBe(409);
  });

  it.each([
    [
      '28.5, 26.1 and 20.10, a parent that does not exist',
      'invalid subinterface vlan name nosuch0, example formatting is eth0.10',
      'nosuch0',
    ],
    [
      '26.1 and 28.5, the base of a VLAN sub-interface',
      '-o parent interface was not found on the host: eth9',
      'eth9',
    ],
    ['20.10, the same', '-o parent interface does was not found on the host: eth9', 'eth9'],
  ])('says what a misleading engine message means (%s)', (_engines, words, parent) => {
    const error = toEngineError(
      modemError(500, { message: words }),
      'creating network lan',
      'unix:///e.sock',
    );
    expect(error.message).toBe(
      `creating network lan: the parent interface ${parent} does not exist on the host of the engine at unix:///e.sock (the engine said: ${words})`,
    );
    expect(error.hint).toMatch(/set parent: to/);
    expect((error as EngineRequestError).engineMessage).toBe(words);
  });

  it('says so when the engine gave no message', () => {
    expect(toEngineError(modemError(500, null), 'removing network x', 'h').message).toBe(
      'removing network x: the engine answered HTTP 500 without a message',
    );
  });

  it.each([
    ['ENOENT', /cannot reach the Docker engine at unix:\/\/\/x.sock: no such socket/],
    ['ECONNREFUSED', /cannot reach the Docker engine at unix:\/\/\/x.sock: connection refused/],
    ['EACCES', /cannot reach the Docker engine at unix:\/\/\/x.sock: permission denied/],
  ])('names the address when the connection fails with %s', (code, message) => {
    const error = toEngineError(
      Object.assign(new Error(`connect ${code}`), { code }),
      'op',
      'unix:///x.sock',
    );
    expect(error).toBeInstanceOf(EngineError);
    expect(error.message).toMatch(message);
    expect(error.hint).toBeTruthy();
  });

  it('reports a timeout as such', () => {
    const error = toEngineError(new Error('aborted'), 'listing networks', 'tcp://h:2375', 30_000);
    expect(error.message).toBe('listing networks: the engine at tcp://h:2375 did not answer within 30 s');
  });
});
