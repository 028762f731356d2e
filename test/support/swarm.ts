import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { connectDocker } from '../../src/docker/connect.js';
import type { DockerPort } from '../../src/model/port.js';
import { dockerInspect, RUN_LABEL, run, TEST_IMAGE, type CommandResult } from './engine.js';
import type { ServiceInspect } from './inspect.js';

/**
 * The two-node swarm the Swarm engine tests run on: `bash scripts/swarm.sh up` makes it (engines
 * sw1, the manager, and sw2, a worker, each in its own network namespace nf-sw1 / nf-sw2). Its
 * addresses can be overridden with NETFORM_SWARM_MANAGER / NETFORM_SWARM_WORKER (what
 * `swarm.sh env` prints, also for a swarm of other names: NETFORM_SWARM_NAMES); the namespaces
 * follow from an engines.sh address (nf-NAME), or NETFORM_SWARM_MANAGER_NETNS / _WORKER_NETNS.
 */
export interface SwarmNode {
  role: 'manager' | 'worker';
  /** DOCKER_HOST of the node's engine. */
  host: string;
  /** The node's network namespace (for veth parents of macvlan networks). */
  netns: string;
}

function swarmNode(role: 'manager' | 'worker', defaultName: string): SwarmNode {
  const env = role === 'manager' ? 'NETFORM_SWARM_MANAGER' : 'NETFORM_SWARM_WORKER';
  const host = process.env[env] || `unix:///run/netform-engines/${defaultName}/docker.sock`;
  // An engine of scripts/engines.sh (unix:///run/netform-engines/NAME/docker.sock) runs in nf-NAME.
  const engine = /^unix:\/\/\/run\/netform-engines\/([^/]+)\/docker\.sock$/.exec(host)?.[1];
  return { role, host, netns: process.env[`${env}_NETNS`] || `nf-${engine ?? defaultName}` };
}

export const SWARM: { manager: SwarmNode; worker: SwarmNode } = {
  manager: swarmNode('manager', 'sw1'),
  worker: swarmNode('worker', 'sw2'),
};

const BUSYBOX_IMAGE_SCRIPT = fileURLToPath(new URL('../../scripts/busybox-image.mjs', import.meta.url));

/** The docker CLI against one node: the independent read. */
export function dockerOn(node: SwarmNode, args: string[], input?: string): Promise<CommandResult> {
  return run('docker', ['-H', node.host, ...args], input === undefined ? {} : { input });
}

export async function dockerOnOk(node: SwarmNode, args: string[]): Promise<string> {
  const result = await dockerOn(node, args);
  if (result.code !== 0) {
    throw new Error(`docker -H ${node.host} ${args.join(' ')} failed: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/** `docker KIND inspect NAME` on one node, read from its Engine API (dockerInspect). */
export function inspectOn<T>(
  node: SwarmNode,
  kind: 'network' | 'container' | 'service',
  name: string,
): Promise<T> {
  return dockerInspect<T>(kind, name, node.host);
}

/**
 * Fails (never skips) unless both nodes answer and form one swarm, sw1 a manager and sw2 a
 * worker that the manager lists as ready; then makes sure both have TEST_IMAGE (built on the
 * manager with `docker import`, moved to the worker with `docker image save | docker image load`).
 */
export async function requireSwarm(): Promise<{ managerNodeId: string; workerNodeId: string }> {
  const info = async (node: SwarmNode): Promise<string[]> => {
    const result = await dockerOn(node, [
      'info',
      '--format',
      '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.NodeID}}',
    ]);
    if (result.code !== 0) {
      throw new Error(
        `the swarm's ${node.role} does not answer at ${node.host}: ${result.stderr.trim()}\n` +
          'The Swarm engine tests need the two-node test swarm: run `bash scripts/swarm.sh up` (as root).',
      );
    }
    return result.stdout.trim().split(' ');
  };
  const [mState, mControl, managerNodeId] = await info(SWARM.manager);
  const [wState, wControl, workerNodeId] = await info(SWARM.worker);
  if (mState !== 'active' || mControl !== 'true' || wState !== 'active' || wControl !== 'false') {
    throw new Error(
      `the test swarm is not formed (manager: ${mState}/${mControl}, worker: ${wState}/${wControl}): run \`bash scripts/swarm.sh up\``,
    );
  }
  const worker = await dockerOn(SWARM.manager, [
    'node',
    'inspect',
    workerNodeId!,
    '--format',
    '{{.Status.State}}',
  ]);
  if (worker.stdout.trim() !== 'ready') {
    throw new Error(
      `the manager does not list the worker ${workerNodeId} as ready: run \`bash scripts/swarm.sh up\``,
    );
  }
  await ensureImageOnBothNodes();
  return { managerNodeId: managerNodeId!, workerNodeId: workerNodeId! };
}

/**
 * Ports to both nodes, once requireSwarm has found the swarm formed (swarm requests get 60 s:
 * the engine can take that long). The caller closes them.
 */
export async function connectSwarm(): Promise<{
  manager: DockerPort;
  worker: DockerPort;
  nodes: { managerNodeId: string; workerNodeId: string };
}> {
  const nodes = await requireSwarm();
  const manager = await connectDocker({ host: SWARM.manager.host, env: process.env, timeoutMs: 60_000 });
  const worker = await connectDocker({ host: SWARM.worker.host, env: process.env, timeoutMs: 60_000 });
  return { manager, worker, nodes };
}

async function ensureImageOnBothNodes(): Promise<void> {
  const has = async (node: SwarmNode): Promise<boolean> =>
    (await dockerOn(node, ['image', 'inspect', TEST_IMAGE])).code === 0;
  if (!(await has(SWARM.manager))) {
    const built = await run(process.execPath, [BUSYBOX_IMAGE_SCRIPT, TEST_IMAGE], {
      env: { ...process.env, DOCKER_HOST: SWARM.manager.host },
    });
    if (built.code !== 0) throw new Error(`building ${TEST_IMAGE} on the manager failed: ${built.stderr}`);
  }
  if (!(await has(SWARM.worker))) {
    const moved = await run('sh', [
      '-c',
      `docker -H "$1" image save "$3" | docker -H "$2" image load`,
      'sh',
      SWARM.manager.host,
      SWARM.worker.host,
      TEST_IMAGE,
    ]);
    if (moved.code !== 0) throw new Error(`moving ${TEST_IMAGE} to the worker failed: ${moved.stderr}`);
  }
}

/**
 * The time a Swarm test gets (vi.setConfig at the top of each swarm*.test.ts). Its waits for the
 * swarm (tasks converging, a rollout settling, "in use by task" retried for up to 90 s by netform
 * itself) are longer than the engine project's 120 s, and a test cut off before its own wait gives
 * up says only "timed out" instead of what it waited for. Measured on a quiet machine: the longest
 * Swarm test takes 80 s; CI, with the engine runs beside it on two cores, took over 120 s once.
 */
export const SWARM_TEST_TIMEOUT_MS = 360_000;

/**
 * Prints how long each stage of a Swarm test took since the clock started ("[stage] rb: the
 * services run, 12.3 s"), as it happens: when a test is cut off, its output says where the time went.
 */
export function stageClock(test: string): (stage: string) => void {
  const start = Date.now();
  return (stage) => console.info(`[stage] ${test}: ${stage}, ${((Date.now() - start) / 1000).toFixed(1)} s`);
}

/**
 * Waits until no rolling update of these services is under way. An update sent while the swarm is
 * still rolling one out is refused as out of sequence once the version moves twice (re-read once,
 * then an error, with warning NF232 in the plan): a user waits for `docker service ps` to settle,
 * and so does a test before its destroy. A paused rollout (a new task failed within the monitor
 * period) never settles by itself: that fails at once, with the swarm's words and the tasks.
 */
export async function rolloutsSettled(...services: string[]): Promise<void> {
  for (const service of services) {
    await waitFor(
      `the rollout of ${service} to settle`,
      async () => {
        const status = (await inspectOn<ServiceInspect>(SWARM.manager, 'service', service)).UpdateStatus;
        if (status?.State === 'paused' || status?.State === 'rollback_paused') {
          const tasks = await dockerOn(SWARM.manager, ['service', 'ps', '--no-trunc', service]);
          throw new Error(
            `the rollout of ${service} is ${status.State}: ${status.Message ?? ''}\n${tasks.stdout}${tasks.stderr}`,
          );
        }
        return status === undefined || !/updating|rollback_started/.test(status.State) ? true : undefined;
      },
      180,
    );
  }
}

/** Polls `check` until it returns a value (not undefined) or `what` is given up on after `seconds`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  seconds = 90,
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${seconds} s`);
    await sleep(500);
  }
}

/**
 * The test swarm's own range, 10.213.240.0/20, outside the blocks of test/support/blocks.ts (which
 * other test files use on whatever engine they run on): 10.213.240.0/24 to 10.213.250.0/24 for the
 * Swarm tests' subnets (indexes 0-10; swarm-target, swarm-validate and swarm-leftovers split index 7 into /27s: 0-3, 4-5 and 7), 10.213.251.0/30 for the link between the nodes and
 * 10.213.252.0/22 for the swarm's address pool (scripts/swarm.sh).
 */
export function swarmTestSubnet(index: number): { v4: string; v4Prefix: string } {
  if (index < 0 || index > 10) throw new Error(`no swarm test subnet ${index}`);
  return { v4: `10.213.${240 + index}.0/24`, v4Prefix: `10.213.${240 + index}` };
}

/**
 * The subnet swarm-ingress.test.ts gives the swarm's ingress network: the upper half of
 * 10.213.251.0/24, whose first /30 is the link between the nodes (scripts/swarm.sh). Every /24 of
 * swarmTestSubnet is another file's, and 10.213.252.0/22 is the swarm's pool.
 */
export const INGRESS_TEST_SUBNET = '10.213.251.128/25';

/** The ingress network `docker swarm init` makes on the test swarm: the first /24 of its pool (scripts/swarm.sh). */
export const POOL_INGRESS = { name: 'ingress', subnet: '10.213.252.0/24', gateway: '10.213.252.1' } as const;

interface IngressInspect {
  Id: string;
  Name: string;
  Ingress: boolean;
  IPAM: { Config: { Subnet: string }[] | null };
  Labels: Record<string, string> | null;
  Containers: Record<string, unknown> | null;
}

/**
 * The swarm's ingress network as the manager shows it, if it has one: its inspect, with the labels
 * of the network list. Once the routing mesh runs on the manager, the inspect shows the node's own
 * copy of the ingress network, which has no labels (measured on Docker 28.5); the list, which
 * netform observes, keeps the swarm's (docs/swarm.md, "The ingress network").
 */
export async function swarmIngress(): Promise<IngressInspect | undefined> {
  const listed = (
    await dockerOnOk(SWARM.manager, [
      'network',
      'ls',
      '--no-trunc',
      '--filter',
      'driver=overlay',
      '--format',
      '{{.ID}}\t{{.Labels}}',
    ])
  )
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id = '', labels = ''] = line.split('\t');
      const pairs = labels.split(',').filter((pair) => pair.includes('='));
      return {
        id,
        labels: Object.fromEntries(
          pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
        ),
      };
    });
  if (listed.length === 0) return undefined;
  const networks = JSON.parse(
    await dockerOnOk(SWARM.manager, ['network', 'inspect', ...listed.map((n) => n.id)]),
  ) as IngressInspect[];
  const ingress = networks.find((network) => network.Ingress);
  if (!ingress) return undefined;
  return { ...ingress, Labels: listed.find((n) => n.id === ingress.Id)?.labels ?? {} };
}

const FORM_ANEW =
  'form the test swarm anew: `NETFORM_SWARM_NAMES="MANAGER WORKER" bash scripts/swarm.sh down`, then `up` (as root)';

/**
 * Leaves the test swarm with the ingress network `docker swarm init` made (POOL_INGRESS, no
 * labels), which the other Swarm tests and CI's swarm expect: any other ingress network is
 * removed once no task is left on it on either node (removed earlier, the swarm keeps listing it:
 * docs/swarm.md, "The ingress network"), and `ingress` made again; then checked usable (`probe`,
 * a service name: usableIngress). The services publishing through it must be gone already.
 * Throws, saying what to do, when that cannot be done.
 */
export async function restorePoolIngress(probe: string): Promise<void> {
  const now = await swarmIngress();
  const subnets = now?.IPAM.Config?.map((c) => c.Subnet) ?? [];
  const labelled = Object.keys(now?.Labels ?? {}).some((label) => label.startsWith('io.netform.'));
  if (
    now?.Name === POOL_INGRESS.name &&
    subnets.length === 1 &&
    subnets[0] === POOL_INGRESS.subnet &&
    !labelled
  ) {
    return usableIngress(probe);
  }
  if (now) {
    await waitFor(
      `no task on the ingress network ${now.Name} on either node`,
      async () => {
        for (const node of [SWARM.manager, SWARM.worker]) {
          const inspected = await dockerOn(node, ['network', 'inspect', now.Id]);
          if (inspected.code !== 0) continue;
          const [network] = JSON.parse(inspected.stdout) as IngressInspect[];
          if (Object.keys(network?.Containers ?? {}).some((key) => key !== 'ingress-sbox')) return undefined;
        }
        return true;
      },
      120,
    );
    // `docker network rm` asks before it removes the routing mesh (`-f` does not skip that).
    const removed = await dockerOn(SWARM.manager, ['network', 'rm', now.Id], 'y\n');
    if (removed.code !== 0) {
      throw new Error(
        `removing the ingress network ${now.Name} failed: ${removed.stderr.trim()}; ${FORM_ANEW}`,
      );
    }
    await waitFor(`the manager to let go of the ingress network ${now.Name}`, async () => {
      const left = await dockerOnOk(SWARM.manager, ['network', 'ls', '-q', '--filter', `id=${now.Id}`]);
      return left.trim() === '' ? true : undefined;
    }).catch((error: unknown) => {
      throw new Error(
        `${String(error)}: the swarm keeps listing the removed ingress network (docs/swarm.md, "The ingress network"); ${FORM_ANEW}`,
      );
    });
  }
  const created = await dockerOn(SWARM.manager, [
    'network',
    'create',
    '--driver',
    'overlay',
    '--ingress',
    '--subnet',
    POOL_INGRESS.subnet,
    '--gateway',
    POOL_INGRESS.gateway,
    POOL_INGRESS.name,
  ]);
  if (created.code !== 0) {
    throw new Error(
      `making the test swarm's ingress network again failed: ${created.stderr.trim()}; ${FORM_ANEW}`,
    );
  }
  return usableIngress(probe);
}

/**
 * Checks that the swarm has an ingress network services can publish through: a service of no
 * task publishing a port is made (its virtual IP allocated on the ingress network), then removed.
 * The manager refuses it ("service needs ingress network, but no ingress network is present")
 * when the ingress network it lists is one the swarm no longer has (measured on Docker 28.5, after
 * the ingress network was removed while tasks were on it: docs/swarm.md).
 */
async function usableIngress(probe: string): Promise<void> {
  const created = await dockerOn(SWARM.manager, [
    'service',
    'create',
    '--detach',
    '--no-resolve-image',
    '--name',
    probe,
    '--replicas',
    '0',
    '--publish',
    'published=18099,target=80',
    TEST_IMAGE,
  ]);
  if (created.code !== 0) {
    throw new Error(
      `the test swarm's ingress network is not usable: a service publishing a port was refused (${created.stderr.trim()}); ${FORM_ANEW}`,
    );
  }
  await dockerOnOk(SWARM.manager, ['service', 'rm', probe]);
}

/**
 * One test file's slice of the swarm: a name prefix and the run label on what it makes, subnets
 * of the swarm's range by index, and a cleanup that removes services, containers, swarm networks and each node's
 * local networks (config-only ones after the swarm networks made from them, retried while the
 * engine still calls them in use) and the veth parents it made.
 */
export class SwarmScope {
  readonly prefix: string;
  readonly label: string;
  private readonly links: { node: SwarmNode; name: string }[] = [];

  constructor(
    readonly runId: string,
    /** Tells the Swarm test files apart; each takes its own subnet indexes. */
    tag: string,
  ) {
    this.prefix = `nft-${runId}-sw${tag}-`;
    this.label = `${RUN_LABEL}=${runId}`;
  }

  name(local: string): string {
    return `${this.prefix}${local}`;
  }

  subnet(index: number): { v4: string; v4Prefix: string } {
    return swarmTestSubnet(index);
  }

  /** A running container from TEST_IMAGE on one node. */
  async runContainer(node: SwarmNode, local: string, args: string[] = []): Promise<string> {
    const name = this.name(local);
    await dockerOnOk(node, ['run', '-d', '--name', name, '--label', this.label, ...args, TEST_IMAGE]);
    return name;
  }

  /**
   * A service from TEST_IMAGE, made on the manager with the run label, without resolving the image
   * (there is no registry): `args` are `docker service create`'s options (mode, replicas,
   * networks, update policy). `name` is the service's full name (see `name()`).
   */
  async createService(name: string, args: string[]): Promise<void> {
    await dockerOnOk(SWARM.manager, [
      'service',
      'create',
      '--detach',
      '--no-resolve-image',
      '--name',
      name,
      '--label',
      this.label,
      ...args,
      TEST_IMAGE,
    ]);
  }

  /**
   * A veth pair inside the node's namespace, up on both ends: a macvlan parent that exists only
   * for this test. Returns the parent's name (at most 15 characters).
   */
  async vethParent(node: SwarmNode, tag: string): Promise<string> {
    const short = this.runId.slice(-6);
    const name = `nfp${tag}${short}`.slice(0, 15);
    const peer = `nfq${tag}${short}`.slice(0, 15);
    const ip = async (args: string[]): Promise<void> => {
      const result = await run('ip', ['-n', node.netns, ...args]);
      if (result.code !== 0)
        throw new Error(`ip -n ${node.netns} ${args.join(' ')}: ${result.stderr.trim()}`);
    };
    await ip(['link', 'add', name, 'type', 'veth', 'peer', 'name', peer]);
    this.links.push({ node, name });
    await ip(['link', 'set', name, 'up']);
    await ip(['link', 'set', peer, 'up']);
    return name;
  }

  async cleanup(): Promise<void> {
    const { manager, worker } = SWARM;
    const mine = (lines: string): string[] =>
      lines.split('\n').filter((name) => name.startsWith(this.prefix));
    const services = mine((await dockerOn(manager, ['service', 'ls', '--format', '{{.Name}}'])).stdout);
    if (services.length > 0) await dockerOn(manager, ['service', 'rm', ...services]);
    for (const node of [manager, worker]) {
      const containers = mine(
        (await dockerOn(node, ['ps', '-a', '--filter', `label=${this.label}`, '--format', '{{.Names}}']))
          .stdout,
      );
      if (containers.length > 0) await dockerOn(node, ['rm', '-f', ...containers]);
    }
    // Service tasks' containers go away asynchronously; until they have, their networks are in use.
    await waitFor(
      "the services' tasks to be gone",
      async () => {
        for (const node of [manager, worker]) {
          const services = await dockerOn(node, [
            'ps',
            '-a',
            '--filter',
            'label=com.docker.swarm.service.name',
            '--format',
            '{{.Label "com.docker.swarm.service.name"}}',
          ]);
          if (mine(services.stdout).length > 0) return undefined;
        }
        return true;
      },
      60,
    ).catch(() => undefined);
    const swarmNetworks = mine(
      (await dockerOn(manager, ['network', 'ls', '--filter', 'scope=swarm', '--format', '{{.Name}}'])).stdout,
    );
    if (swarmNetworks.length > 0) await dockerOn(manager, ['network', 'rm', ...swarmNetworks]);
    // Local (and config-only) networks on each node; a config-only network stays "in use" until
    // the node has let go of the swarm network made from it.
    for (const node of [worker, manager]) {
      await waitFor(
        `${node.role}'s networks to be removed`,
        async () => {
          const left = mine((await dockerOn(node, ['network', 'ls', '--format', '{{.Name}}'])).stdout);
          if (left.length === 0) return true;
          await dockerOn(node, ['network', 'rm', ...left]);
          return undefined;
        },
        60,
      ).catch(() => undefined);
    }
    for (const { node, name } of this.links.splice(0))
      await run('ip', ['-n', node.netns, 'link', 'del', name]);
  }
}
