import { ServiceVersionConflictError } from '../model/errors.js';
import type { ObservedService, ObservedSwarmNode, ObservedTask } from '../model/observed.js';
import type { ServiceNetworkAttachment, ServiceUpdateOutcome } from '../model/port.js';
import type { EngineClient } from './client.js';
import type { ApiNetwork } from './engine-api.js';
import { EngineRequestError } from './errors.js';
import { isUpdateOutOfSequence, serviceNetworksUpdateSpec } from './services-request.js';
import type { ApiNode, ApiService, ApiServiceUpdateResponse, ApiTask } from './swarm-api.js';
import { serviceFrom, swarmNodeFrom, taskFrom } from './swarm-convert.js';

/*
 * The Swarm calls of the DockerPort (docs/swarm.md). Services and tasks exist only on managers;
 * a worker answers 503 "This node is not a swarm manager", which reaches the caller as the
 * engine's own words. No name filter of Docker's is used: they match prefixes.
 */

/** Every service with `?status=true` (running/desired task counts), networks named. */
export async function listServices(client: EngineClient): Promise<ObservedService[]> {
  const [services, names] = await Promise.all([
    client.request<ApiService[]>({
      operation: 'listing services',
      method: 'GET',
      path: '/services?',
      route: 'GET /services',
      query: { status: true },
      ok: [200],
    }),
    networkNames(client),
  ]);
  return services
    .map((service) => serviceFrom(service, names))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The swarm's nodes, through a manager (GET /nodes), sorted by node ID; `selfId` is the listing
 * engine's own node ID (GET /info's `Swarm.NodeID`).
 */
export async function listSwarmNodes(client: EngineClient, selfId: string): Promise<ObservedSwarmNode[]> {
  const nodes = await client.request<ApiNode[]>({
    operation: 'listing swarm nodes',
    method: 'GET',
    path: '/nodes',
    route: 'GET /nodes',
    ok: [200],
  });
  return nodes
    .map((node) => swarmNodeFrom(node, selfId))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * One service by exact name or full ID. GET /services/{x} also resolves ID prefixes, so a name
 * is looked up in the list instead, where it compares exactly.
 */
export async function inspectService(
  client: EngineClient,
  nameOrId: string,
): Promise<ObservedService | undefined> {
  const services = await listServices(client);
  return services.find((s) => s.name === nameOrId) ?? services.find((s) => s.id === nameOrId);
}

/** The service's own JSON by full ID; undefined when it does not exist (any more). */
async function readService(client: EngineClient, serviceId: string): Promise<ApiService | undefined> {
  try {
    const service = await client.request<ApiService>({
      operation: `inspecting service ${serviceId}`,
      method: 'GET',
      path: `/services/${encodeURIComponent(serviceId)}`,
      route: 'GET /services/{id}',
      ok: [200],
    });
    return service.ID === serviceId ? service : undefined;
  } catch (error) {
    if (error instanceof EngineRequestError && error.statusCode === 404) return undefined;
    throw error;
  }
}

/**
 * Sets the service's networks in one update sent with `version` (see DockerPort). The spec is
 * read first, by ID: its version must still be `version`, else nothing is sent and a
 * ServiceVersionConflictError says so; the engine enforces the same when another write lands
 * between the read and the update.
 */
export async function updateServiceNetworks(
  client: EngineClient,
  serviceId: string,
  version: number,
  networks: readonly ServiceNetworkAttachment[],
): Promise<ServiceUpdateOutcome> {
  const service = await readService(client, serviceId);
  const label = service?.Spec?.Name ? `${service.Spec.Name} (${serviceId.slice(0, 12)})` : serviceId;
  if (!service) {
    throw new EngineRequestError(
      `updating service ${serviceId}: the service does not exist (any more)`,
      404,
      `service ${serviceId} not found`,
      { hint: 'plan again: the service was removed since the plan was made' },
    );
  }
  const current = service.Version?.Index;
  if (current !== version) throw versionConflict(label, serviceId, version, current);
  try {
    const response = await client.request<ApiServiceUpdateResponse | null>({
      operation: `updating the networks of service ${label}`,
      method: 'POST',
      path: `/services/${encodeURIComponent(serviceId)}/update?`,
      route: 'POST /services/{id}/update',
      query: { version },
      body: serviceNetworksUpdateSpec(service.Spec ?? {}, networks),
      ok: [200],
    });
    return { warnings: [...(response?.Warnings ?? [])] };
  } catch (error) {
    if (error instanceof EngineRequestError && isUpdateOutOfSequence(error.engineMessage)) {
      throw versionConflict(label, serviceId, version, undefined, error);
    }
    throw error;
  }
}

function versionConflict(
  label: string,
  serviceId: string,
  sent: number,
  current: number | undefined,
  cause?: unknown,
): ServiceVersionConflictError {
  return new ServiceVersionConflictError(
    `updating the networks of service ${label}: the service changed since it was read ` +
      `(version ${sent}${current !== undefined ? `, now ${current}` : ''}; the engine refuses an update out of sequence)`,
    serviceId,
    sent,
    current,
    { hint: 'plan again to see the service as it is now', ...(cause ? { cause } : {}) },
  );
}

/** The service's tasks, every state the manager keeps (`docker service ps`, history included). */
export async function listServiceTasks(client: EngineClient, serviceId: string): Promise<ObservedTask[]> {
  const tasks = await client.request<ApiTask[]>({
    operation: `listing the tasks of service ${serviceId}`,
    method: 'GET',
    path: '/tasks?',
    route: 'GET /tasks',
    query: { filters: JSON.stringify({ service: [serviceId] }) },
    ok: [200],
  });
  // The filter resolves names and ID prefixes too: keep exactly this service's tasks.
  return tasks
    .filter((task) => task.ServiceID === serviceId)
    .map(taskFrom)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

async function networkNames(client: EngineClient): Promise<Map<string, string>> {
  const networks = await client.request<ApiNetwork[]>({
    operation: 'listing networks',
    method: 'GET',
    path: '/networks',
    route: 'GET /networks',
    ok: [200],
  });
  return new Map(networks.map((n) => [n.Id, n.Name]));
}
