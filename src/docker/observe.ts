import pLimit from 'p-limit';
import type { EngineInfo, ObservedState } from '../model/observed.js';
import type { ObserveOptions } from '../model/port.js';
import type { EngineClient } from './client.js';
import { containersToInspect, observedStateFrom, withProjectNetworks } from './convert.js';
import type { ApiContainerInspect, ApiContainerSummary, ApiNetwork } from './engine-api.js';
import { EngineError } from '../model/errors.js';

/** Concurrent container inspects; the keep-alive agent holds as many sockets. */
export const INSPECT_CONCURRENCY = 16;

/**
 * Reads the engine in as few calls as the API allows: the network list (which carries
 * everything but the network's Containers), the container list with all states (whose
 * NetworkSettings hold the attachments of created and stopped containers too), and an inspect of
 * only those containers whose endpoints matter, because the list does not carry aliases. The
 * engine's info may still be on its way (a promise): the reads do not wait for it.
 */
export async function observeEngine(
  client: EngineClient,
  engine: EngineInfo | Promise<EngineInfo>,
  options: ObserveOptions = {},
): Promise<ObservedState> {
  const [networks, containers] = await Promise.all([
    client.request<ApiNetwork[]>({
      operation: 'listing networks',
      method: 'GET',
      path: '/networks',
      route: 'GET /networks',
      ok: [200],
    }),
    client.request<ApiContainerSummary[]>({
      operation: 'listing containers',
      method: 'GET',
      path: '/containers/json?',
      route: 'GET /containers/json',
      query: { all: 1 },
      ok: [200],
    }),
  ]);
  const limit = pLimit(INSPECT_CONCURRENCY);
  const inspects: ApiContainerInspect[] = [];
  const vanished: string[] = [];
  await Promise.all(
    containersToInspect(containers, withProjectNetworks(networks, options)).map((id) =>
      limit(async () => {
        const inspect = await inspectContainer(client, id);
        if (inspect) inspects.push(inspect);
        else vanished.push(id);
      }),
    ),
  );
  return observedStateFrom(await engine, { networks, containers, inspects, vanished });
}

/** The container's inspect, or undefined when it was removed since the list was read. */
async function inspectContainer(client: EngineClient, id: string): Promise<ApiContainerInspect | undefined> {
  try {
    return await client.request<ApiContainerInspect>({
      operation: `inspecting container ${id.slice(0, 12)}`,
      method: 'GET',
      path: `/containers/${encodeURIComponent(id)}/json`,
      route: 'GET /containers/{id}/json',
      ok: [200],
    });
  } catch (error) {
    if (error instanceof EngineError && error.kind === 'not-found') return undefined;
    throw error;
  }
}
