import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { containsAddress, parseAddress, parseCidr } from '../../src/core/cidr.js';
import { runCli } from '../support/cli.js';
import {
  dockerOn,
  dockerOnOk,
  INGRESS_TEST_SUBNET,
  inspectOn,
  POOL_INGRESS,
  requireSwarm,
  restorePoolIngress,
  stageClock,
  SWARM,
  SWARM_TEST_TIMEOUT_MS,
  swarmIngress,
  SwarmScope,
  waitFor,
} from '../support/swarm.js';
import type { ServiceInspect } from '../support/inspect.js';

/*
 * The swarm's ingress network (the routing mesh) declared, planned, replaced and destroyed on the
 * real two-node swarm of scripts/swarm.sh, through the CLI (docs/swarm.md, "The ingress
 * network"). Docker's own `ingress` (10.213.252.0/24, the swarm's pool) is taken over with
 * `--adopt ingress` by a spec that gives it INGRESS_TEST_SUBNET (10.213.251.128/25, beside the
 * link between the nodes; test/support/swarm.ts). Services publishing ports are made with the
 * docker CLI; each is removed right before the apply that removes the ingress network, so its
 * tasks are still stopping on it (the test image ignores SIGTERM: each waits out the 10 s stop
 * grace period) and netform's wait for them is exercised. Before each apply or destroy of the spec
 * of both nodes (`engines:`), the same with a spec of the manager only (no engines:) is refused
 * before anything runs (NF215: the worker is not among the run's engines), and each node's own
 * ingress network is read to be unchanged. Everything is checked with the docker
 * CLI against the node concerned. Names are nft-<run>-swi-…. Before and after (also when a test
 * fails), the swarm gets its own `ingress` back as `docker swarm init` made it: the other Swarm
 * tests and CI's swarm need it.
 */

// The swarm's waits are longer than the engine project's 120 s (test/support/swarm.ts).
vi.setConfig({ testTimeout: SWARM_TEST_TIMEOUT_MS, hookTimeout: SWARM_TEST_TIMEOUT_MS });

const scope = new SwarmScope(inject('runId'), 'i');
const dir = mkdtempSync(join(tmpdir(), 'netform-swarm-ingress-'));
const project = scope.name('p');
const first = scope.name('pub1');
const second = scope.name('pub2');

interface ApplyJson {
  status: string;
  execution?: {
    actions: {
      description: string;
      status: string;
      error?: string;
      operations: { operation: string; target: string; ok: boolean; durationMs: number }[];
    }[];
  };
}

/** The spec: the ingress network with the test subnet, on both nodes (`engines:`) or the manager only. */
function writeSpec(file: string, engines: boolean): string {
  const path = join(dir, file);
  const spec = {
    version: 1,
    project,
    ...(engines
      ? { engines: { manager: { host: SWARM.manager.host }, worker: { host: SWARM.worker.host } } }
      : {}),
    networks: { ingress: { driver: 'overlay', ingress: true, subnet: INGRESS_TEST_SUBNET } },
  };
  writeFileSync(path, stringify(spec));
  return path;
}

const onManager = { DOCKER_HOST: SWARM.manager.host };
const cli = (args: string[]): ReturnType<typeof runCli> => runCli(args, { env: onManager });

/** A service of 2 replicas publishing `port` through the routing mesh, once both tasks run. */
async function publishingService(name: string, port: number): Promise<ServiceInspect> {
  await scope.createService(name, ['--replicas', '2', '--publish', `published=${port},target=80`]);
  await waitFor(`both tasks of ${name} to run`, async () => {
    const replicas = await dockerOnOk(SWARM.manager, [
      'service',
      'ls',
      '--filter',
      `name=${name}`,
      '--format',
      '{{.Replicas}}',
    ]);
    return replicas.trim() === '2/2' ? true : undefined;
  });
  return inspectOn<ServiceInspect>(SWARM.manager, 'service', name);
}

/**
 * Removes the service and returns how many of its task containers each node still lists on the
 * ingress network right after (the premise of the apply that follows: netform has to wait).
 */
async function removeService(name: string, ingressId: string): Promise<number[]> {
  await dockerOnOk(SWARM.manager, ['service', 'rm', name]);
  const counts: number[] = [];
  for (const node of [SWARM.manager, SWARM.worker]) {
    const containers = await dockerOnOk(node, [
      'network',
      'inspect',
      ingressId,
      '--format',
      '{{json .Containers}}',
    ]);
    const keys = Object.keys((JSON.parse(containers) as Record<string, unknown> | null) ?? {});
    counts.push(keys.filter((key) => key !== 'ingress-sbox').length);
  }
  return counts;
}

/** Each node's own `ingress` network, read from that node's engine: its ID and subnets (the independent read). */
async function ingressOnEachNode(): Promise<{ manager: string; worker: string }> {
  const read = async (node: typeof SWARM.manager): Promise<string> =>
    (
      await dockerOnOk(node, [
        'network',
        'inspect',
        'ingress',
        '--format',
        '{{.Id}} {{range .IPAM.Config}}{{.Subnet}}{{end}}',
      ])
    ).trim();
  return { manager: await read(SWARM.manager), worker: await read(SWARM.worker) };
}

/** The worker as the swarm names it (`docker info` on the worker): its address and node ID. */
async function workerAsSwarmNamesIt(): Promise<{ addr: string; id: string }> {
  const [addr, id] = (
    await dockerOnOk(SWARM.worker, ['info', '--format', '{{.Swarm.NodeAddr}} {{.Swarm.NodeID}}'])
  )
    .trim()
    .split(' ');
  return { addr: addr!, id: id! };
}

/**
 * A spec of the manager only (no engines:) is refused before anything runs (NF215): `command`'s
 * output names the worker by its address and ID and says to list every node under engines:; each
 * node's ingress network is the one it was.
 */
async function refusedForTheWorker(args: string[], verb: 'replaces' | 'removes'): Promise<void> {
  const before = await ingressOnEachNode();
  const worker = await workerAsSwarmNamesIt();
  const refused = await cli(args);
  expect(refused.code, refused.stdout + refused.stderr).toBe(1);
  const shown = refused.stdout + refused.stderr;
  expect(shown).toContain('error NF215 networks.ingress');
  expect(shown).not.toContain('NF214');
  expect(shown).toContain(
    `the plan ${verb} the swarm's ingress network ingress, but a node of the swarm is not among this run's engines: `,
  );
  expect(shown).toContain(`(${worker.addr}, worker, ID ${worker.id.slice(0, 12)})`);
  expect(shown).toContain(
    'give the spec an `engines:` section with this manager and every other node of the swarm',
  );
  expect(await ingressOnEachNode()).toEqual(before);
}

/** The operations of the one action an apply or destroy carried out, as `--format json` reports them. */
function operationsOf(stdout: string, engine?: string): ApplyJson['execution'] {
  const parsed = JSON.parse(stdout) as ApplyJson & { engines?: (ApplyJson & { engine: string })[] };
  const result = engine === undefined ? parsed : parsed.engines?.find((e) => e.engine === engine);
  return result?.execution;
}

beforeAll(async () => {
  await requireSwarm();
  // A run killed half-way may have left another ingress network.
  await restorePoolIngress(scope.name('probe'));
});

afterAll(async () => {
  await scope.cleanup();
  try {
    await restorePoolIngress(scope.name('probe'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe("the swarm's ingress network", () => {
  it('is replaced with --adopt once no service publishes through it, after its tasks are gone; a new service publishes through the new one', async () => {
    const stage = stageClock('ingress');
    const spec = writeSpec('both.yaml', true);
    const docker = (await swarmIngress())!;
    expect(docker.Name).toBe('ingress');
    expect(docker.IPAM.Config?.map((c) => c.Subnet)).toEqual([POOL_INGRESS.subnet]);
    await publishingService(first, 18090);
    stage("a service publishes 18090 through Docker's ingress");

    // While a service publishes a port, the replace is refused before anything runs (NF214).
    const blocked = await cli(['plan', '-f', spec, '--adopt', 'ingress']);
    expect(blocked.code, blocked.stdout + blocked.stderr).toBe(1);
    expect(blocked.stdout).toContain('-/+ replace network ingress (--adopt; forced by ipam.config)');
    expect(blocked.stdout).toContain('error NF214 networks.ingress');
    expect(blocked.stdout).toContain(`${first} (18090:80/tcp)`);
    const refused = await cli(['apply', '-f', spec, '--adopt', 'ingress', '--auto-approve']);
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    // apply shows the plan it will not run on stderr (stdout is for results).
    expect(refused.stderr).toContain('error NF214 networks.ingress');
    const untouched = (await swarmIngress())!;
    expect(untouched.Id).toBe(docker.Id);
    expect(untouched.IPAM.Config?.map((c) => c.Subnet)).toEqual([POOL_INGRESS.subnet]);

    // The service removed right before the apply: its tasks are still on the ingress network.
    const left = await removeService(first, docker.Id);
    stage(`the service removed, its tasks still on ingress: ${left.join(' on the manager, ')} on the worker`);
    expect(left.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // A spec of the manager only: refused before anything runs (NF215), both nodes' ingress as it was.
    await refusedForTheWorker(
      ['apply', '-f', writeSpec('manager.yaml', false), '--adopt', 'ingress', '--auto-approve'],
      'replaces',
    );
    stage('the manager-only apply refused');
    const applied = await cli([
      'apply',
      '-f',
      spec,
      '--adopt',
      'ingress',
      '--auto-approve',
      '--format',
      'json',
    ]);
    stage('the apply ended');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const execution = operationsOf(applied.stdout, 'manager');
    const replace = execution?.actions.find((a) => a.description.startsWith('replace network ingress'));
    expect(replace?.status, applied.stdout).toBe('done');
    // The wait for the tasks, then the removal, then the create of the same name.
    const steps = replace!.operations.filter((o) => !o.target.startsWith('restore point'));
    expect(steps.map((o) => `${o.operation} ${o.target}`)).toEqual([
      'wait-for-tasks network ingress',
      'remove-network network ingress',
      'create-network network ingress',
    ]);
    console.info(
      `[measured] netform apply --adopt ingress right after docker service rm (${left.join(' + ')} task endpoints left on ingress): ` +
        steps.map((o) => `${o.operation} ${o.durationMs} ms`).join(', '),
    );

    // The new ingress network: the test subnet, managed, a new ID; the old one gone from both nodes.
    const now = (await swarmIngress())!;
    expect(now.Name).toBe('ingress');
    expect(now.Id).not.toBe(docker.Id);
    expect(now.IPAM.Config?.map((c) => c.Subnet)).toEqual([INGRESS_TEST_SUBNET]);
    expect(now.Labels).toMatchObject({ 'io.netform.managed': 'true', 'io.netform.project': project });
    await waitFor('the old ingress network to be gone from both nodes', async () => {
      for (const node of [SWARM.manager, SWARM.worker]) {
        if ((await dockerOn(node, ['network', 'inspect', docker.Id])).code === 0) return undefined;
      }
      return true;
    });

    // A service publishing a port runs on it: both tasks (one per node, the mesh's sandbox made
    // anew on each) and a virtual IP on the new network.
    const service = await publishingService(second, 18091);
    stage('a new service publishes 18091 through the new ingress');
    const vip = service.Endpoint?.VirtualIPs?.find((v) => v.NetworkID === now.Id);
    expect(vip?.Addr, JSON.stringify(service.Endpoint)).toMatch(/\/25$/);
    const address = parseAddress(vip!.Addr.split('/')[0]!);
    expect(address && containsAddress(parseCidr(INGRESS_TEST_SUBNET)!, address), vip!.Addr).toBe(true);

    // The manager's inspect now shows its own copy of the network, without labels; the list, which
    // netform observes, still carries the project's.
    expect((await swarmIngress())?.Labels).toMatchObject({ 'io.netform.project': project });

    // Nothing left to do (without --adopt: the network is the project's now).
    const again = await cli(['plan', '-f', spec, '--detailed-exitcode']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('No changes on 2 engines.');
  });

  it('is destroyed by a spec of both nodes once no service publishes through it, after its tasks are gone; a spec of the manager only is refused', async () => {
    const stage = stageClock('ingress destroy');
    const spec = writeSpec('both.yaml', true);
    const managerOnly = writeSpec('manager.yaml', false);
    const managed = (await swarmIngress())!;
    expect(managed.Labels).toMatchObject({ 'io.netform.project': project });

    const blocked = await cli(['destroy', '-f', spec, '--auto-approve']);
    expect(blocked.code, blocked.stdout + blocked.stderr).toBe(1);
    expect(blocked.stderr).toContain(
      `the plan removes the swarm's ingress network ingress, but services publish ports through it: ${second} (18091:80/tcp)`,
    );
    // Both nodes are the spec's engines: only the published port blocks it.
    expect(blocked.stderr).not.toContain('NF215');
    expect((await swarmIngress())?.Id).toBe(managed.Id);

    const left = await removeService(second, managed.Id);
    stage(`the service removed, its tasks still on ingress: ${left.join(' on the manager, ')} on the worker`);
    // The destroy of a spec of the manager only: refused (NF215), both nodes' ingress as it was.
    await refusedForTheWorker(['destroy', '-f', managerOnly, '--auto-approve'], 'removes');
    stage('the manager-only destroy refused');
    const destroyed = await cli(['destroy', '-f', spec, '--auto-approve', '--format', 'json']);
    stage('the destroy ended');
    expect(destroyed.code, destroyed.stdout + destroyed.stderr).toBe(0);
    const removal = operationsOf(destroyed.stdout, 'manager')?.actions.find((a) =>
      a.description.startsWith('remove network ingress'),
    );
    expect(removal?.status, destroyed.stdout).toBe('done');
    expect(removal!.operations.map((o) => o.operation)).toEqual(['wait-for-tasks', 'remove-network']);
    console.info(
      `[measured] netform destroy of the managed ingress right after docker service rm (${left.join(' + ')} task endpoints left on ingress): ` +
        removal!.operations.map((o) => `${o.operation} ${o.durationMs} ms`).join(', '),
    );
    // The swarm has no ingress network now, on either node.
    await waitFor('the ingress network to be gone from both nodes', async () => {
      for (const node of [SWARM.manager, SWARM.worker]) {
        if ((await dockerOn(node, ['network', 'inspect', managed.Id])).code === 0) return undefined;
      }
      return true;
    });
    expect(await swarmIngress()).toBeUndefined();

    // The swarm's own ingress network made again by hand, as the plan's note says: the name is free.
    await restorePoolIngress(scope.name('probe'));
    const restored = (await swarmIngress())!;
    expect(restored.Name).toBe('ingress');
    expect(restored.IPAM.Config?.map((c) => c.Subnet)).toEqual([POOL_INGRESS.subnet]);
  });
});
