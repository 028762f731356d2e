import { setTimeout as sleep } from 'node:timers/promises';
import { EngineError } from '../model/errors.js';
import type { DockerPort } from '../model/port.js';

/** How long the removal of a network is retried while the engine says it is still in use. */
export const NETWORK_IN_USE_WAIT_MS = 90_000;

/** A config-only network the node has not yet let go of (docs/swarm.md). */
export const CONFIG_IN_USE = /configuration network .* is in use/;
/** A swarm network whose services were taken off, while their tasks are still leaving it. */
export const TASK_IN_USE = /is in use by task/;

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

/**
 * Creates a network, retried (every second, up to NETWORK_IN_USE_WAIT_MS) while the engine says
 * its name is taken: after the removal of a swarm network of that name, the manager lists it
 * until the swarm has let go of it (docs/swarm.md; measured: a create 13 ms after the removal was
 * accepted was refused with "network with name … already exists"). Only for a replace of a
 * cluster network, whose old network this run removed; any other refusal is the create's failure.
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
      if (!(error instanceof EngineError) || !NAME_TAKEN.test(error.message) || Date.now() >= deadline) {
        throw error;
      }
    }
    await sleep(1000);
  }
}
