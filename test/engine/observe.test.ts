import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDocker } from '../../src/docker/connect.js';
import { PREDEFINED_NETWORKS } from '../../src/model/desired.js';
import { EngineError } from '../../src/model/errors.js';
import type { ObservedContainer, ObservedState } from '../../src/model/observed.js';
import type { DockerPort } from '../../src/model/port.js';
import { BLOCKS } from '../support/blocks.js';
import { docker, dockerInspect, dockerOk, EngineScope, run } from '../support/engine.js';
import { dialEngine } from '../support/upstream.js';

// The independent read: `docker inspect` JSON, the fields compared here.
interface InspectedNetwork {
  Id: string;
  Name: string;
  Driver: string;
  Internal: boolean;
  Attachable: boolean;
  EnableIPv6: boolean;
  IPAM: {
    Driver: string;
    Config:
      | { Subnet: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }[]
      | null;
  };
  Options: Record<string, string> | null;
  Labels: Record<string, string> | null;
}
interface InspectedEndpoint {
  IPAMConfig: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  Aliases: string[] | null;
  NetworkID: string;
  IPAddress: string;
  MacAddress: string;
}
interface InspectedContainer {
  Id: string;
  Name: string;
  State: { Status: string };
  NetworkSettings: { Networks: Record<string, InspectedEndpoint> };
}

const scope = new EngineScope(inject('runId'), BLOCKS.observe);
let port: DockerPort;

beforeAll(async () => {
  port = await connectDocker({ env: process.env, timeoutMs: 60_000 });
});

afterAll(async () => {
  await port?.close();
  // The id-like container has no scope prefix (its name must look like an id), so the scope's
  // cleanup would not find it; it is attached to one of the scope's networks.
  if (idPrefixName) await docker(['rm', '-f', idPrefixName]);
  await scope.cleanup();
});

/** A container named like another's id prefix (set in beforeAll). */
let idPrefixName = '';

/** This file's containers: other files of the same run share the run label, not the prefix. */
const mine = (state: ObservedState): ObservedContainer[] =>
  state.containers.filter(
    (c) =>
      c.labels['io.netform.test'] === scope.runId &&
      (c.name.startsWith(scope.prefix) || c.name === idPrefixName),
  );

describe('observe', () => {
  const names = {
    lan: scope.name('lan'),
    dual: scope.name('dual'),
    foo: scope.name('foo'),
    foobar: scope.name('foobar'),
    web: scope.name('web'),
    idle: scope.name('idle'),
    stopped: scope.name('stopped'),
    cfoo: scope.name('foo'),
    cfoobar: scope.name('foobar'),
  };

  beforeAll(async () => {
    const lan = scope.subnet(0);
    const dual = scope.subnet(1);
    await scope.createNetwork('lan', [
      '--subnet',
      lan.v4,
      '--ip-range',
      `${lan.v4Prefix}.128/25`,
      '--gateway',
      `${lan.v4Prefix}.1`,
      '--aux-address',
      `router=${lan.v4Prefix}.2`,
      '--label',
      'tier=front',
      '--label',
      'chapter=5',
      '--opt',
      'com.docker.network.driver.mtu=1400',
      '--attachable',
    ]);
    await scope.createNetwork('dual', ['--ipv6', '--subnet', dual.v4, '--subnet', dual.v6, '--internal']);
    await scope.createNetwork('foo', ['--subnet', scope.subnet(2).v4]);
    await scope.createNetwork('foobar', ['--subnet', scope.subnet(3).v4]);

    await scope.createContainer('web', {
      network: names.lan,
      args: ['--network-alias', 'www', '--network-alias', 'front', '--ip', `${lan.v4Prefix}.200`],
    });
    await dockerOk([
      'network',
      'connect',
      '--alias',
      'web-dual',
      '--ip6',
      `${dual.v6.replace('::/64', '::20')}`,
      names.dual,
      names.web,
    ]);

    // Created, never started: its attachments live only in its own config.
    await scope.createContainer('idle', {
      start: false,
      network: names.lan,
      args: ['--network-alias', 'sleepy'],
    });
    await dockerOk([
      'network',
      'connect',
      '--alias',
      'idle-dual',
      '--ip',
      `${dual.v4Prefix}.30`,
      names.dual,
      names.idle,
    ]);

    await scope.createContainer('stopped', { network: names.dual, args: ['--network-alias', 'gone'] });
    await dockerOk(['stop', '-t', '0', names.stopped]);

    // `foo` and `foobar` are containers and networks both; Docker's name filters would confuse them.
    await dockerOk([
      'run',
      '-d',
      '--name',
      names.cfoo,
      '--label',
      scope.label,
      '--network',
      names.foo,
      '--network-alias',
      'f1',
      'netform-test/busybox:1',
    ]);
    await dockerOk([
      'run',
      '-d',
      '--name',
      names.cfoobar,
      '--label',
      scope.label,
      '--network',
      names.foobar,
      '--network-alias',
      'f2',
      'netform-test/busybox:1',
    ]);

    // A container whose name is another's id prefix: Docker resolves such a name by prefix too.
    // Its name is random by construction (an id) and it carries the run label, so cleanup finds it.
    const web = await dockerInspect<InspectedContainer>('container', names.web);
    idPrefixName = web.Id.slice(0, 12);
    await dockerOk([
      'create',
      '--name',
      idPrefixName,
      '--label',
      scope.label,
      '--network',
      names.foo,
      'netform-test/busybox:1',
    ]);
  });

  it('reports every network of the scope as docker network inspect does', async () => {
    const state = await port.observe();
    for (const name of [names.lan, names.dual, names.foo, names.foobar]) {
      const expected = await dockerInspect<InspectedNetwork>('network', name);
      const observed = state.networks.filter((n) => n.name === name);
      expect(observed).toHaveLength(1);
      const network = observed[0]!;
      expect(network.id).toBe(expected.Id);
      expect(network.driver).toBe(expected.Driver);
      expect(network.internal).toBe(expected.Internal);
      expect(network.attachable).toBe(expected.Attachable);
      expect(network.enableIPv6).toBe(expected.EnableIPv6);
      expect(network.labels).toEqual(expected.Labels ?? {});
      expect(network.options).toEqual(expected.Options ?? {});
      expect(network.ipam.driver).toBe(expected.IPAM.Driver);
      expect(network.ipam.config).toEqual(
        (expected.IPAM.Config ?? []).map((pool) => ({
          subnet: pool.Subnet,
          ...(pool.IPRange ? { ipRange: pool.IPRange } : {}),
          ...(pool.Gateway ? { gateway: pool.Gateway } : {}),
          auxAddresses: pool.AuxiliaryAddresses ?? {},
        })),
      );
    }
    const lan = state.networks.find((n) => n.name === names.lan)!;
    expect(lan.ipam.config).toEqual([
      {
        subnet: scope.subnet(0).v4,
        ipRange: `${scope.subnet(0).v4Prefix}.128/25`,
        gateway: `${scope.subnet(0).v4Prefix}.1`,
        auxAddresses: { router: `${scope.subnet(0).v4Prefix}.2` },
      },
    ]);
    expect(lan.labels).toEqual({ 'io.netform.test': scope.runId, tier: 'front', chapter: '5' });
    expect(lan.options['com.docker.network.driver.mtu']).toBe('1400');
  });

  it('reports running, created and stopped containers with their endpoints as docker inspect does', async () => {
    const state = await port.observe();
    const ours = mine(state);
    expect(ours.map((c) => c.name).sort()).toEqual(
      [names.web, names.idle, names.stopped, names.cfoo, names.cfoobar, idPrefixName].sort(),
    );
    for (const container of ours) {
      const expected = await dockerInspect<InspectedContainer>('container', container.id);
      expect(container.name).toBe(expected.Name.replace(/^\//, ''));
      expect(container.state).toBe(expected.State.Status);
      expect(Object.keys(container.endpoints).sort()).toEqual(
        Object.keys(expected.NetworkSettings.Networks).sort(),
      );
      for (const [network, endpoint] of Object.entries(container.endpoints)) {
        const want = expected.NetworkSettings.Networks[network]!;
        expect(endpoint.aliasesKnown).toBe(true);
        expect(endpoint.aliases).toEqual(want.Aliases ?? []);
        expect(endpoint.configuredIPv4).toBe(want.IPAMConfig?.IPv4Address || undefined);
        expect(endpoint.configuredIPv6).toBe(want.IPAMConfig?.IPv6Address || undefined);
        expect(endpoint.ipv4Address).toBe(want.IPAddress || undefined);
        expect(endpoint.macAddress).toBe(want.MacAddress || undefined);
        const networkId = want.NetworkID || state.networks.find((n) => n.name === network)?.id;
        expect(endpoint.networkId).toBe(networkId);
      }
    }
    const byName = new Map(ours.map((c) => [c.name, c]));
    expect(byName.get(names.web)!.state).toBe('running');
    expect(byName.get(names.idle)!.state).toBe('created');
    expect(byName.get(names.stopped)!.state).toBe('exited');
    const idle = byName.get(names.idle)!.endpoints;
    expect(Object.keys(idle).sort()).toEqual([names.dual, names.lan].sort());
    expect(idle[names.lan]!.aliases).toContain('sleepy');
    expect(idle[names.dual]!.aliases).toContain('idle-dual');
    expect(idle[names.dual]!.configuredIPv4).toBe(`${scope.subnet(1).v4Prefix}.30`);
    expect(byName.get(names.stopped)!.endpoints[names.dual]!.aliases).toContain('gone');
    const web = byName.get(names.web)!.endpoints;
    expect(web[names.lan]!.aliases).toEqual(expect.arrayContaining(['www', 'front']));
    expect(web[names.lan]!.configuredIPv4).toBe(`${scope.subnet(0).v4Prefix}.200`);
    expect(web[names.dual]!.configuredIPv6).toBe(scope.subnet(1).v6.replace('::/64', '::20'));
  });

  it('never confuses foo with foobar, nor a name with an id prefix', async () => {
    const state = await port.observe();
    const foo = state.containers.filter((c) => c.name === names.cfoo);
    const foobar = state.containers.filter((c) => c.name === names.cfoobar);
    expect(foo).toHaveLength(1);
    expect(foobar).toHaveLength(1);
    expect(Object.keys(foo[0]!.endpoints)).toEqual([names.foo]);
    expect(Object.keys(foobar[0]!.endpoints)).toEqual([names.foobar]);
    expect(state.networks.filter((n) => n.name === names.foo)).toHaveLength(1);
    const web = state.containers.find((c) => c.name === names.web)!;
    const named = state.containers.filter((c) => c.name === idPrefixName);
    expect(named).toHaveLength(1);
    expect(named[0]!.id).not.toBe(web.id);
    expect(web.id.startsWith(idPrefixName)).toBe(true);
    expect((await dockerInspect<InspectedContainer>('container', named[0]!.id)).Name).toBe(
      `/${idPrefixName}`,
    );
  });

  it('inspects only the containers on the networks asked for', async () => {
    const before = port.stats!();
    const state = await port.observe({ networks: [names.foo] });
    const after = port.stats!();
    const inspects =
      (after.byRoute['GET /containers/{id}/json'] ?? 0) - (before.byRoute['GET /containers/{id}/json'] ?? 0);
    // On foo: the `foo` container and the id-prefix one; other test files' containers are elsewhere.
    expect(inspects).toBe(2);
    expect(after.total - before.total).toBe(4);
    const byName = new Map(mine(state).map((c) => [c.name, c]));
    expect(byName.get(names.cfoo)!.endpoints[names.foo]!.aliasesKnown).toBe(true);
    expect(byName.get(names.cfoo)!.endpoints[names.foo]!.aliases).toContain('f1');
    const listOnly = byName.get(names.cfoobar)!.endpoints[names.foobar]!;
    expect(listOnly.aliasesKnown).toBe(false);
    expect(listOnly.networkId).toBe(state.networks.find((n) => n.name === names.foobar)!.id);
  });
});

describe('operations', () => {
  it('creates a network as requested, and removes it', async () => {
    const s = scope.subnet(4);
    const name = scope.name('made');
    const id = await port.createNetwork({
      name,
      driver: 'bridge',
      attachable: true,
      internal: true,
      enableIPv6: true,
      ipam: {
        driver: 'default',
        options: {},
        config: [
          {
            subnet: s.v4,
            ipRange: `${s.v4Prefix}.64/26`,
            gateway: `${s.v4Prefix}.1`,
            auxAddresses: { nas: `${s.v4Prefix}.5` },
          },
          { subnet: s.v6, auxAddresses: {} },
        ],
      },
      options: { 'com.docker.network.driver.mtu': '1450' },
      labels: { 'io.netform.managed': 'true', 'io.netform.project': scope.prefix, owner: 'observe-test' },
    });
    const inspected = await dockerInspect<InspectedNetwork>('network', name);
    expect(inspected.Id).toBe(id);
    expect(inspected.Attachable).toBe(true);
    expect(inspected.Internal).toBe(true);
    expect(inspected.EnableIPv6).toBe(true);
    expect(inspected.Options).toEqual({ 'com.docker.network.driver.mtu': '1450' });
    expect(inspected.Labels).toEqual({
      'io.netform.managed': 'true',
      'io.netform.project': scope.prefix,
      owner: 'observe-test',
    });
    expect(inspected.IPAM.Config).toEqual([
      {
        Subnet: s.v4,
        IPRange: `${s.v4Prefix}.64/26`,
        Gateway: `${s.v4Prefix}.1`,
        AuxiliaryAddresses: { nas: `${s.v4Prefix}.5` },
      },
      { Subnet: s.v6 },
    ]);

    const duplicate = port.createNetwork({
      name,
      driver: 'bridge',
      attachable: false,
      internal: false,
      enableIPv6: false,
      ipam: { driver: 'default', options: {}, config: [] },
      options: {},
      labels: {},
    });
    await expect(duplicate).rejects.toBeInstanceOf(EngineError);
    await expect(duplicate).rejects.toThrow(
      `creating network ${name}: network with name ${name} already exists`,
    );

    await port.removeNetwork(id);
    expect((await docker(['network', 'inspect', name])).code).not.toBe(0);
    await expect(port.removeNetwork(id)).rejects.toThrow(/removing network .*not found/);
  });

  it('connects and disconnects running and never-started containers with aliases and static addresses', async () => {
    const s = scope.subnet(5);
    const network = await scope.createNetwork('ops', ['--subnet', s.v4, '--ipv6', '--subnet', s.v6]);
    const networkId = (await dockerInspect<InspectedNetwork>('network', network)).Id;
    const running = await scope.createContainer('ops-running');
    const created = await scope.createContainer('ops-created', { start: false });
    const macHonoured = Number((await port.engineInfo()).apiVersion.split('.')[1]) >= 54;
    for (const [container, host] of [
      [running, 10],
      [created, 11],
    ] as const) {
      const id = (await dockerInspect<InspectedContainer>('container', container)).Id;
      const settings = {
        aliases: ['api', `api-${host}`],
        ipv4Address: `${s.v4Prefix}.${host}`,
        ipv6Address: s.v6.replace('::/64', `::${host}`),
        linkLocalIps: ['169.254.10.' + host],
        driverOpts: {},
      };
      const mac = `02:42:0a:d5:00:${host}`;
      if (macHonoured) await port.connect(networkId, id, { ...settings, macAddress: mac });
      else {
        await expect(port.connect(networkId, id, { ...settings, macAddress: mac })).rejects.toThrow(
          /mac_address \S+ needs Engine API 1\.54/,
        );
        await port.connect(networkId, id, settings);
      }
      const endpoint = (await dockerInspect<InspectedContainer>('container', id)).NetworkSettings.Networks[
        network
      ]!;
      expect(endpoint.Aliases).toEqual(expect.arrayContaining(['api', `api-${host}`]));
      expect(endpoint.IPAMConfig).toEqual({
        IPv4Address: `${s.v4Prefix}.${host}`,
        IPv6Address: s.v6.replace('::/64', `::${host}`),
        LinkLocalIPs: ['169.254.10.' + host],
      });
      if (macHonoured) expect(endpoint.MacAddress).toBe(mac);

      // A second connect: refused for a running container; Engine 20.10 accepts it for a
      // never-started one and keeps the first settings (so a reconnect must disconnect first).
      const again = port.connect(networkId, id, { aliases: ['other'], linkLocalIps: [], driverOpts: {} });
      if (container === running) await expect(again).rejects.toThrow(/already exists/);
      else await again.catch(() => undefined);
      const after = (await dockerInspect<InspectedContainer>('container', id)).NetworkSettings.Networks[
        network
      ]!;
      expect(after.Aliases).not.toContain('other');

      await port.disconnect(networkId, id);
      expect(
        (await dockerInspect<InspectedContainer>('container', id)).NetworkSettings.Networks[network],
      ).toBeUndefined();
      await expect(port.disconnect(networkId, id)).rejects.toThrow(/disconnecting container .* from network/);
    }
    await expect(
      port.connect(networkId, 'nft-no-such-container-0123', {
        aliases: [],
        linkLocalIps: [],
        driverOpts: {},
      }),
    ).rejects.toThrow(/No such container/i);
  });

  it('refuses a gateway priority on an engine older than API 1.48', async () => {
    const info = await port.engineInfo();
    const network = await scope.createNetwork('prio', ['--subnet', scope.subnet(6).v4]);
    const container = await scope.createContainer('prio', { start: false });
    const attempt = port.connect(network, container, {
      aliases: [],
      linkLocalIps: [],
      driverOpts: {},
      gwPriority: 5,
    });
    if (Number(info.apiVersion.split('.')[1]) < 48) {
      await expect(attempt).rejects.toThrow(/priority 5 needs Engine API 1\.48/);
    } else {
      await attempt;
      const inspect = await dockerInspect<InspectedContainer>('container', container);
      expect(inspect.NetworkSettings.Networks[network]).toMatchObject({ GwPriority: 5 });
    }
  });
});

describe('engine', () => {
  it('negotiates the API version with the engine', async () => {
    const info = await port.engineInfo();
    const version = (
      await dockerOk(['version', '--format', '{{.Server.Version}} {{.Server.APIVersion}}'])
    ).trim();
    expect(`${info.version} ${info.engineApiVersion}`).toBe(version);
    const [major, minor] = info.engineApiVersion.split('.').map(Number);
    expect(info.apiVersion).toBe(minor! > 54 || major! > 1 ? '1.54' : info.engineApiVersion);
    const swarm = (
      await dockerOk(['info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'])
    ).trim();
    expect(`${info.swarmState} ${info.swarmControl}`).toBe(swarm);
  });

  it.each(['unix:///nonexistent.sock', 'tcp://127.0.0.1:1'])(
    'names the address when %s cannot be reached',
    async (host) => {
      const attempt = connectDocker({ host, env: {}, timeoutMs: 10_000 });
      await expect(attempt).rejects.toBeInstanceOf(EngineError);
      await expect(attempt).rejects.toThrow(`cannot reach the Docker engine at ${host}`);
      const error = (await attempt.catch((e: unknown) => e)) as EngineError;
      expect(error.hint).toMatch(/dockerd|DOCKER_HOST/);
    },
  );

  it('gives up on an engine that does not answer, with one clear error', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    const address = await listen(silent);
    try {
      const host = `tcp://127.0.0.1:${address}`;
      await expect(connectDocker({ host, env: {}, timeoutMs: 300 })).rejects.toThrow(
        `connecting to the engine at ${host}: the engine at ${host} did not answer within 0.3 s`,
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('speaks tcp and reuses connections for parallel requests', async () => {
    let accepted = 0;
    const proxy = createServer((client) => {
      accepted++;
      const engine = dialEngine();
      client.pipe(engine).pipe(client);
      client.on('error', () => engine.destroy());
      engine.on('error', () => client.destroy());
    });
    const proxyPort = await listen(proxy);
    try {
      const host = `tcp://127.0.0.1:${proxyPort}`;
      const remote = await connectDocker({ host, env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });
      try {
        expect(remote.host).toBe(host);
        const states = await Promise.all(Array.from({ length: 4 }, () => remote.observe()));
        const local = await port.observe({ networks: [] });
        for (const state of states) {
          expect(state.networks.map((n) => n.id)).toEqual(
            expect.arrayContaining(
              local.networks.filter((n) => n.name.startsWith(scope.prefix)).map((n) => n.id),
            ),
          );
        }
        const calls = remote.stats!().total;
        expect(calls).toBeGreaterThanOrEqual(30);
        // Keep-alive: at most the agent's socket limit, however many calls were made.
        expect(accepted).toBeLessThanOrEqual(16);
      } finally {
        await remote.close();
      }
    } finally {
      proxy.close();
    }
  });
});

describe('transports', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netform-transport-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('speaks tcp with TLS (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) and refuses an engine it cannot verify', async () => {
    const certs = join(dir, 'certs');
    await makeCertificates(certs);
    const read = (file: string) => readFile(join(certs, file));
    let handshakes = 0;
    const server = createTlsServer(
      {
        key: await read('server-key.pem'),
        cert: await read('server-cert.pem'),
        ca: await read('ca.pem'),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (client) => {
        handshakes++;
        pipeToEngine(client);
      },
    );
    const port = await listen(server);
    try {
      const host = `tcp://127.0.0.1:${port}`;
      const remote = await connectDocker({ host, env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs } });
      try {
        const state = await remote.observe({ networks: [] });
        expect(state.engine.apiVersion).toBe((await port_().engineInfo()).apiVersion);
        expect(state.networks.map((n) => n.name)).toEqual(expect.arrayContaining(['bridge', 'host', 'none']));
        expect(handshakes).toBeGreaterThan(0);
        expect(handshakes).toBeLessThanOrEqual(16);
      } finally {
        await remote.close();
      }
      const other = join(dir, 'other');
      await makeCertificates(other);
      await expect(
        connectDocker({ host, env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: other }, timeoutMs: 10_000 }),
      ).rejects.toThrow(new RegExp(`engine at ${host}.*certificate`, 'i'));
    } finally {
      server.close();
    }
  });

  it('speaks ssh over one SSH connection, and refuses a host key not in known_hosts', async () => {
    const home = join(dir, 'home');
    await mkdir(join(home, '.ssh'), { recursive: true });
    // Keys made by OpenSSH's own ssh-keygen, in the files a user has.
    const keygen = async (file: string) => {
      const result = await run('ssh-keygen', [
        '-q',
        '-t',
        'ed25519',
        '-N',
        '',
        '-C',
        'netform-test',
        '-f',
        file,
      ]);
      if (result.code !== 0) throw new Error(`ssh-keygen: ${result.stderr}`);
      return (await readFile(`${file}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
    };
    const userPublic = await keygen(join(home, '.ssh', 'id_ed25519'));
    const hostPublic = await keygen(join(dir, 'host_key'));
    const otherPublic = await keygen(join(dir, 'other_host_key'));
    const allowed = ssh2.utils.parseKey(userPublic);
    if (allowed instanceof Error) throw allowed;
    let connections = 0;
    let dials = 0;
    // A minimal sshd: public-key login for `netform`, and `docker system dial-stdio` relayed to the
    // test engine, which is what the docker CLI runs on the remote side.
    const server = new ssh2.Server({ hostKeys: [await readFile(join(dir, 'host_key'))] }, (client) => {
      connections++;
      client.on('error', () => undefined);
      client.on('authentication', (ctx) => {
        const ok =
          ctx.method === 'publickey' &&
          ctx.username === 'netform' &&
          ctx.key.algo === allowed.type &&
          ctx.key.data.equals(allowed.getPublicSSH()) &&
          (!ctx.signature || allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true);
        if (ok) ctx.accept();
        else ctx.reject(['publickey']);
      });
      client.on('ready', () => {
        client.on('session', (acceptSession) => {
          const session = acceptSession();
          session.on('exec', (accept, reject, info) => {
            if (info.command !== 'docker system dial-stdio') return reject();
            dials++;
            pipeToEngine(accept());
          });
        });
      });
    });
    const port = await listen(server);
    try {
      const host = `ssh://netform@127.0.0.1:${port}`;
      const entry = `[127.0.0.1]:${port} ${hostPublic}\n`;
      await writeFile(join(home, '.ssh', 'known_hosts'), `# test\n${entry}`);
      const remote = await connectDocker({ host, env: { HOME: home } });
      try {
        expect(remote.host).toBe(host);
        const states = await Promise.all(Array.from({ length: 3 }, () => remote.observe()));
        // Other test files create networks meanwhile: compare the stable ones.
        const stable = (state: ObservedState) =>
          state.networks
            .filter((n) => PREDEFINED_NETWORKS.includes(n.name) || n.name.startsWith(scope.prefix))
            .map((n) => n.id)
            .sort();
        const local = stable(await port_().observe({ networks: [] }));
        for (const state of states) expect(stable(state)).toEqual(local);
        expect(connections).toBe(1);
        // Channels are kept alive and reused: never more than the 8 sshd's MaxSessions leaves room for.
        expect(dials).toBeLessThanOrEqual(8);
        expect(remote.stats!().total).toBeGreaterThan(dials);
      } finally {
        await remote.close();
      }

      await writeFile(join(home, '.ssh', 'known_hosts'), entry.replace(/^\[127.0.0.1\]/, '[127.0.0.2]'));
      await expect(connectDocker({ host, env: { HOME: home }, timeoutMs: 10_000 })).rejects.toThrow(
        `cannot reach the Docker engine at ${host}: [127.0.0.1]:${port} is not in ~/.ssh/known_hosts`,
      );
      await writeFile(join(home, '.ssh', 'known_hosts'), `[127.0.0.1]:${port} ${otherPublic}\n`);
      await expect(connectDocker({ host, env: { HOME: home }, timeoutMs: 10_000 })).rejects.toThrow(
        /differs from the one in ~\/.ssh\/known_hosts/,
      );
    } finally {
      server.close();
    }
  });
});

const port_ = (): DockerPort => port;

/** Relays a client connection (TCP, TLS or an SSH channel) to the test engine (DOCKER_HOST). */
function pipeToEngine(client: Duplex): void {
  const engine = dialEngine();
  client.pipe(engine).pipe(client);
  client.on('error', () => engine.destroy());
  client.on('close', () => engine.destroy());
  engine.on('error', () => client.destroy());
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
async function makeCertificates(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const openssl = async (...args: string[]) => {
    const result = await run('openssl', args, { cwd: dir });
    if (result.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
  };
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  await writeFile(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=netform test CA',
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
  );
  for (const [name, ext] of [
    ['server', 'server.ext'],
    ['client', 'client.ext'],
  ] as const) {
    await openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}-key.pem`,
      '-out',
      `${name}.csr`,
    );
    await openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      ext,
      '-out',
      `${name}-cert.pem`,
    );
  }
  // DOCKER_CERT_PATH names: the client's certificate and key as cert.pem and key.pem.
  await writeFile(join(dir, 'cert.pem'), await readFile(join(dir, 'client-cert.pem')));
  await writeFile(join(dir, 'key.pem'), await readFile(join(dir, 'client-key.pem')));
}

function listen(server: Server | TlsServer | ssh2.Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}
