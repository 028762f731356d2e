import pLimit from 'p-limit';
import type { EngineInfo, ObservedState } from '../model/observed.js';
import type { ObserveOptions } from '../model/port.js';
import type { EngineClient } from './client.js';
import { containerName, containersToInspect, observedStateFrom, withProjectNetworks } from './convert.js';
import type { ApiContainerInspect, ApiContainerSummary, ApiNetwork } from './engine-api.js';
import { EngineError } from '../model/errors.js';

/** Concurrent container inspects; the keep-alive agent holds as many sockets. */
export const INSPECT_CONCURRENCY = 16;

/**
 * Reads the engine in as few calls as the API allows: the network list (which carries
 * everything but the network's Containers), the container list with all states (whose
 * NetworkSettings hold the attachments of created and stopped containers too), and an inspect of
 * only those containers whose endpoints matter, because the list does not carry aliases.
 *
 * The calls overlap (docs/benchmark.md, "Scale"): the engine info (`engine`, when a promise), the
 * two lists and the inspects of the containers `options.containers` names all start at once; the
 * inspects only the lists can tell (other containers on the networks that matter, a name taken
 * by another container since) follow the lists. Which inspects are kept is decided by the lists
 * alone (`containersToInspect`), as when every inspect followed them: an early inspect counts only
 * when its container is in the list under that name and id.
 */
export async function observeEngine(
  client: EngineClient,
  engine: EngineInfo | Promise<EngineInfo>,
  options: ObserveOptions = {},
): Promise<ObservedState> {
  const limit = pLimit(INSPECT_CONCURRENCY);
  const lists = Promise.all([
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
    engine,
  ]);
  // By name, before the list has given ids. Any failure here only means "inspect it by id after
  // the list", where a real failure is reported as before.
  const early = new Map(
    [...new Set(options.containers ?? [])].map((name) => [
      name,
      limit(() => inspectContainer(client, name)).catch(() => undefined),
    ]),
  );
  let networks: ApiNetwork[];
  let containers: ApiContainerSummary[];
  let info: EngineInfo;
  try {
    [networks, containers, info] = await lists;
  } catch (error) {
    // No request outlives observe(): the early inspects end before the failure is reported.
    await Promise.all(early.values());
    throw error;
  }
  const wanted = containersToInspect(containers, withProjectNetworks(networks, options));
  const nameOf = new Map(containers.map((c) => [c.Id, containerName(c.Names ?? [])]));
  const inspects: ApiContainerInspect[] = [];
  const vanished: string[] = [];
  await Promise.all(
    wanted.map(async (id) => {
      const pending = early.get(nameOf.get(id) ?? '');
      const first = pending ? await pending : undefined;
      // The same container as the list's: a name can have moved to another since.
      const inspect = first && first.Id === id ? first : await limit(() => inspectContainer(client, id));
      if (inspect) inspects.push(inspect);
      else vanished.push(id);
    }),
  );
  // Early inspects of names the list does not hold (not created yet) end here too.
  await Promise.all(early.values());
  return observedStateFrom(info, { networks, containers, inspects, vanished });
}

/** The container's inspect, or undefined when it was removed since the list was read. */
async function inspectContainer(
  client: EngineClient,
  idOrName: string,
): Promise<ApiContainerInspect | undefined> {
  try {
    return await client.request<ApiContainerInspect>({
      operation: `inspecting container ${idOrName.length === 64 ? idOrName.slice(0, 12) : idOrName}`,
      method: 'GET',
      path: `/containers/${encodeURIComponent(idOrName)}/json`,
      route: 'GET /containers/{id}/json',
      ok: [200],
    });
  } catch (error) {
    if (error instanceof EngineError && error.kind === 'not-found') return undefined;
    throw error;
  }
}
