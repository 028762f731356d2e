import { setTimeout as sleep } from 'node:timers/promises';
import { isClusterNetwork } from '../core/swarm-fleet.js';
import type { DesiredNetwork } from '../model/desired.js';
import { EngineError } from '../model/errors.js';
import type { ObservedTask } from '../model/observed.js';
import type { DockerPort, NetworkEndpoint } from '../model/port.js';
import type { ActionRun } from './action-run.js';

/** How long the removal of a network is retried while the engine says it is still in use. */
export const NETWORK_IN_USE_WAIT_MS = 90_000;

/** A config-only network the node has not yet let go of (docs/swarm.md). */
export const CONFIG_IN_USE = /configuration network .* is in use/;
/** A swarm network whose services were taken off, while their tasks are still leaving it. */
export const TASK_IN_USE = /is in use by task/;

/**
 * Removes a network netform removes (a removal, the old network of a replace, the new one when a
 * replace is undone), waiting as the engine needs (docs/swarm.md):
 * - the swarm's ingress network first waits until no task is on it on any swarm node the
 *   session reaches (waitUntilIngressFree);
 * - a cluster network that `servicesOff` were taken off (a replace, which makes a network of the
 *   same name next) first waits until no task of theirs is left on it on any node
 *   (waitUntilTasksLeft);
 * - a config-only network is retried while its node has not let go of the swarm network made
 *   from it, a cluster network while the tasks of services taken off it are still leaving it
 *   (removeNetworkWhenFree).
 * `network` is the network removed, as the plan describes it.
 */
export async function removeNetworkOf(
  run: ActionRun,
  name: string,
  networkId: string,
  network: DesiredNetwork,
  options: { rollback?: boolean; servicesOff?: readonly TakenOff[] } = {},
): Promise<void> {
  const cluster = isClusterNetwork(network);
  const { servicesOff = [], ...requestOptions } = options;
  if (cluster && !network.ingress && servicesOff.length > 0) {
    await run.request(
      'wait-for-tasks',
      `network ${name}`,
      () => waitUntilTasksLeft(run.port, servicesOff, name, networkId),
      requestOptions,
    );
  }
  if (cluster && network.ingress) {
    await run.request(
      'wait-for-tasks',
      `network ${name}`,
      () => waitUntilIngressFree(run.swarmNodes(), name, networkId),
      requestOptions,
    );
  }
  const retryWhile = network.configOnly ? CONFIG_IN_USE : cluster ? TASK_IN_USE : undefined;
  await run.request(
    'remove-network',
    `network ${name}`,
    () =>
      retryWhile ? removeNetworkWhenFree(run.port, networkId, retryWhile) : run.port.removeNetwork(networkId),
    requestOptions,
  );
}

/** A service a replace took off the network it removes. */
export interface TakenOff {
  service: string;
  serviceId: string;
}

/** Task states after which a task's container holds nothing on its node any more. */
const TASK_ENDED = new Set(['complete', 'shutdown', 'failed', 'rejected', 'remove', 'orphaned']);

/** How often waitUntilTasksLeft reads the tasks again. */
export const TASKS_POLL_MS = 500;

/**
 * Waits (every TASKS_POLL_MS, up to NETWORK_IN_USE_WAIT_MS) until no task of `services` (the
 * services a replace took off the network) is on the network on any node: each task the manager
 * keeps whose attachments name the network's ID has ended (shutdown, failed, rejected, …) or was
 * never given to a node. Read from the manager, so it covers the nodes the session does not reach.
 *
 * Why (docs/swarm.md, "Replacing a swarm network that services use"): the manager accepts the
 * network's removal as soon as the tasks' desired state is `shutdown`, while their containers are
 * still stopping on their nodes, and each node keeps its copy of the network until they have.
 * A node finds a task's network by name when it makes the task's container, so a task of the new
 * network of the same name that lands there meanwhile is checked against the old one's subnet and
 * rejected ("no configured subnet or ip-range contain the IP address …", an address of the new
 * subnet), and the service's rollout pauses. Measured on Docker 28.5. On time-out, throws an
 * EngineError naming each task left; nothing has been removed.
 */
export async function waitUntilTasksLeft(
  port: DockerPort,
  services: readonly TakenOff[],
  network: string,
  networkId: string,
): Promise<void> {
  if (!port.listServiceTasks) return;
  await untilNoneLeft(
    () => tasksLeftOn(port, services, networkId),
    (left) => tasksStillOn(network, left),
    TASKS_POLL_MS,
  );
}

/**
 * Reads what is left (every `pollMs`, up to NETWORK_IN_USE_WAIT_MS) until nothing is; on
 * time-out, throws what `timedOut` makes of the last read.
 */
async function untilNoneLeft<T>(
  read: () => Promise<T[]>,
  timedOut: (left: T[]) => Error,
  pollMs: number,
): Promise<void> {
  const deadline = Date.now() + NETWORK_IN_USE_WAIT_MS;
  for (;;) {
    const left = await read();
    if (left.length === 0) return;
    if (Date.now() >= deadline) throw timedOut(left);
    await sleep(pollMs);
  }
}

async function tasksLeftOn(
  port: DockerPort,
  services: readonly TakenOff[],
  networkId: string,
): Promise<{ service: string; task: ObservedTask }[]> {
  const read = await Promise.all(
    services.map(async ({ service, serviceId }) =>
      (await port.listServiceTasks!(serviceId))
        .filter((task) => task.nodeId !== '' && !TASK_ENDED.has(task.state))
        .filter((task) => task.networkIds.includes(networkId))
        .map((task) => ({ service, task })),
    ),
  );
  return read.flat();
}

function tasksStillOn(
  network: string,
  left: readonly { service: string; task: ObservedTask }[],
): EngineError {
  const each = left
    .map(
      ({ service, task }) =>
        `task ${task.id} of service ${service} on node ${task.nodeId} (${task.state}, desired ${task.desiredState})`,
    )
    .join('; ');
  return new EngineError(
    `network ${network}: after ${NETWORK_IN_USE_WAIT_MS / 1000} s, tasks of the services taken off it are still on it ` +
      `(${each}); nothing was removed. Made again under the same name while a node still holds the old network, ` +
      'the new tasks there would be refused (docs/swarm.md, "Replacing a swarm network that services use"). ' +
      "A task stops within its service's stop grace period; see `docker service ps` for one that does not, " +
      'then run netform again',
    { kind: 'refused' },
  );
}

/** The routing mesh's own endpoint on each node's ingress network (GET /networks/{id}): not a task. */
export const INGRESS_SANDBOX = 'ingress-sbox';

/**
 * Waits (every second, up to NETWORK_IN_USE_WAIT_MS) until no task is on the ingress network:
 * none of `nodes` lists an endpoint on it but the routing mesh's own sandbox, neither its own nor
 * one the swarm reports on another node (NetworkEndpoint.node: the tasks on nodes the session does
 * not reach). The swarm accepts the ingress network's removal while the tasks of a removed
 * service are still stopping on it, and then keeps listing it on every node under its name, so
 * that no ingress network of that name can be made again (docs/swarm.md, "The ingress network",
 * measured on Docker 28.5). A node that does not know the network has nothing on it. On
 * time-out, throws an EngineError naming where each task is; nothing has been removed.
 */
export async function waitUntilIngressFree(
  nodes: ReadonlyMap<string, DockerPort>,
  network: string,
  networkId: string,
): Promise<void> {
  await untilNoneLeft(
    () => tasksOnIngress(nodes, networkId),
    (left) => ingressStillInUse(network, left),
    1000,
  );
}

/** What is on the ingress network, by the engine that lists it (its own, or the swarm's report). */
async function tasksOnIngress(
  nodes: ReadonlyMap<string, DockerPort>,
  networkId: string,
): Promise<{ engine: string; endpoint: NetworkEndpoint }[]> {
  const read = await Promise.all(
    [...nodes].map(async ([engine, port]) =>
      ((await port.networkEndpoints?.(networkId)) ?? [])
        .filter((endpoint) => endpoint.key !== INGRESS_SANDBOX)
        .map((endpoint) => ({ engine, endpoint })),
    ),
  );
  return read.flat();
}

function ingressStillInUse(
  network: string,
  left: readonly { engine: string; endpoint: NetworkEndpoint }[],
): EngineError {
  // Each task once: where its own engine lists it, else where the swarm says it runs.
  const own = new Set(left.filter((e) => e.endpoint.node === undefined).map((e) => e.endpoint.name));
  const places = new Map<string, string[]>();
  for (const { engine, endpoint } of left) {
    if (endpoint.node !== undefined && own.has(endpoint.name)) continue;
    const place = endpoint.node === undefined ? `engine ${engine}` : `node ${endpoint.node}`;
    const names = places.get(place) ?? [];
    if (!names.includes(endpoint.name)) names.push(endpoint.name);
    places.set(place, names);
  }
  // The engines' own first, then the nodes only the swarm's report names.
  const where = [...places]
    .sort(([a], [b]) => Number(a.startsWith('node ')) - Number(b.startsWith('node ')))
    .map(([place, names]) => `on ${place}: ${names.join(', ')}`)
    .join('; ');
  return new EngineError(
    `network ${network} is the swarm's ingress network, and after ${NETWORK_IN_USE_WAIT_MS / 1000} s tasks are ` +
      `still on it (${where}); nothing was removed. Removed while a task is on it, the swarm keeps listing it on ` +
      'every node, and no ingress network of that name can be made again until the swarm is formed anew ' +
      '(docs/swarm.md, "The ingress network"). The tasks of a removed service go once they have stopped; a ' +
      'service that publishes ports keeps its tasks there (remove it, or its published ports). Run netform again ' +
      `once \`docker network inspect ${network}\` on each node lists only ingress-endpoint`,
    { kind: 'refused' },
  );
}

/**
 * Removes a network, retried (every second, up to NETWORK_IN_USE_WAIT_MS) while the engine
 * refuses with `inUse` (docs/swarm.md): a config-only network stays "in use" until the node has
 * let go of the swarm network made from it; a swarm network that services were taken off stays
 * "in use by task" until those tasks are gone. Any other refusal, or the last one, is the
 * removal's failure, with the engine's words. Used by a removal and by a replace.
 */
export async function removeNetworkWhenFree(
  port: DockerPort,
  networkId: string,
  inUse: RegExp,
): Promise<void> {
  const deadline = Date.now() + NETWORK_IN_USE_WAIT_MS;
  for (;;) {
    try {
      await port.removeNetwork(networkId);
      return;
    } catch (error) {
      if (!(error instanceof EngineError) || !inUse.test(error.message) || Date.now() >= deadline) {
        throw error;
      }
    }
    await sleep(1000);
  }
}

/** The manager still lists a swarm network whose removal it accepted. */
export const NAME_TAKEN = /network with name .* already exists/;
/** The swarm has not yet let go of the ingress network removed before (its one ingress network). */
const INGRESS_PRESENT = /ingress network .* is already present/;

/**
 * Creates a network, retried (every second, up to NETWORK_IN_USE_WAIT_MS) while the engine says
 * its name is taken (or, for an ingress network, that the swarm's one ingress network is still
 * present): after the removal of a swarm network of that name, the manager lists it
 * until the swarm has let go of it (docs/swarm.md; measured: a create 13 ms after the removal was
 * accepted was refused with "network with name … already exists"). Only for a replace of a
 * cluster network, whose old network this run removed; any other refusal is the create's failure.
 * An ingress network whose name is still taken at the end is a StaleIngressError, which says
 * what that means and what to do.
 */
export async function createNetworkWhenNameFree(
  port: DockerPort,
  request: Parameters<DockerPort['createNetwork']>[0],
): Promise<string> {
  const deadline = Date.now() + NETWORK_IN_USE_WAIT_MS;
  for (;;) {
    try {
      return await port.createNetwork(request);
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      const nameTaken = NAME_TAKEN.test(error.message);
      if (!nameTaken && !(request.ingress === true && INGRESS_PRESENT.test(error.message))) throw error;
      if (Date.now() >= deadline) {
        throw request.ingress === true && nameTaken ? new StaleIngressError(request.name, error) : error;
      }
    }
    await sleep(1000);
  }
}

/**
 * The manager still lists, under its name, the ingress network this run removed, after
 * NETWORK_IN_USE_WAIT_MS: measured on Docker 28.5 when the ingress network was removed while
 * tasks were still on it (the guard of waitUntilIngressFree prevents that), and cleared only by
 * forming the swarm anew (docs/swarm.md, "The ingress network"). An undo that would make the old
 * network again under the same name is refused the same way, so it is not tried (replace.ts).
 */
export class StaleIngressError extends EngineError {
  constructor(
    readonly network: string,
    cause: EngineError,
  ) {
    super(
      `the swarm still lists the removed ingress network ${network} after ${NETWORK_IN_USE_WAIT_MS / 1000} s, so no ` +
        `network of that name can be made ("${cause.message}"); until an ingress network exists, services cannot ` +
        'publish ports through the routing mesh. This happens when the ingress network is removed while tasks are ' +
        'still on it, and only forming the swarm anew cleared it in our measurements: `docker swarm leave --force` ' +
        'on every node, `docker swarm init` and `docker swarm join` again (services, secrets and configs must then be ' +
        'made again; docs/swarm.md, "The ingress network")',
      { kind: 'conflict', cause },
    );
  }
}
