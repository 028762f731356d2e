import pLimit from 'p-limit';
import { PREDEFINED_NETWORKS } from '../model/desired.js';
import type { EngineInfo, ObservedContainer, ObservedState } from '../model/observed.js';
import type { ObserveOptions } from '../model/port.js';
import type { EngineClient } from './client.js';
import { containerFromInspect, containerFromSummary, networkFrom } from './convert.js';
import type { ApiContainerInspect, ApiContainerSummary, ApiNetwork } from './engine-api.js';
import { EngineRequestError } from './errors.js';

/** Concurrent container inspects; the agent keeps as many sockets open. */
export const INSPECT_CONCURRENCY = 16;

/**
 * Reads the engine in as few calls as the API allows: the network list (which carries
 * everything but the network's Containers), the container list with all states (whose
 * NetworkSettings hold the attachments of created and stopped containers too), and an inspect of
 * only those containers whose endpoints matter, because the list does not carry aliases.
 */
export async function observeEngine(
  client: EngineClient,
  engine: EngineInfo,
  options: ObserveOptions = {},
): Promise<ObservedState> {
  const [apiNetworks, summaries] = await Promise.all([
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
  const networks = apiNetworks.map(networkFrom).sort((a, b) => compareText(a.name, b.name));
  const listed = summaries.map(containerFromSummary);
  const wanted = needsInspect(options);
  const limit = pLimit(INSPECT_CONCURRENCY);
  const containers = await Promise.all(
    listed.map((container) =>
      wanted(container) ? limit(() => inspectContainer(client, container)) : Promise.resolve(container),
    ),
  );
  return {
    engine,
    networks,
    containers: containers
      .filter((c): c is ObservedContainer => c !== undefined)
      .sort((a, b) => compareText(a.name, b.name)),
  };
}

function needsInspect(options: ObserveOptions): (container: ObservedContainer) => boolean {
  const names = new Set(options.containers ?? []);
  if (options.networks === undefined) {
    const predefined = new Set(PREDEFINED_NETWORKS);
    return (c) => names.has(c.name) || Object.keys(c.endpoints).some((network) => !predefined.has(network));
  }
  const networks = new Set(options.networks);
  return (c) =>
    names.has(c.name) ||
    Object.values(c.endpoints).some((e) => networks.has(e.networkName) || networks.has(e.networkId));
}

/** The container's full record, or undefined when it was removed since the list was read. */
async function inspectContainer(
  client: EngineClient,
  listed: ObservedContainer,
): Promise<ObservedContainer | undefined> {
  try {
    const api = await client.request<ApiContainerInspect>({
      operation: `inspecting container ${listed.name}`,
      method: 'GET',
      path: `/containers/${encodeURIComponent(listed.id)}/json`,
      route: 'GET /containers/{id}/json',
      ok: [200],
    });
    return containerFromInspect(api);
  } catch (error) {
    if (error instanceof EngineRequestError && error.statusCode === 404) return undefined;
    throw error;
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
