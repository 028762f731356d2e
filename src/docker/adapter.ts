import type { Logger } from 'pino';
import type { EndpointSettings } from '../model/desired.js';
import { withConfigOnlyOwnership } from '../model/docker-rules.js';
import type {
  EngineInfo,
  ObservedService,
  ObservedState,
  ObservedTask,
  SwarmRole,
} from '../model/observed.js';
import type {
  DockerPort,
  EngineCallStats,
  EventOptions,
  EventStream,
  NetworkCreateRequest,
  NetworkEndpoint,
  ObserveOptions,
  ServiceNetworkAttachment,
  ServiceUpdateOutcome,
} from '../model/port.js';
import type { EngineClient } from './client.js';
import { engineInfoFrom, networkEndpointsFrom } from './convert.js';
import type { ApiInfo, ApiNetwork, ApiVersion } from './engine-api.js';
import { subscribeEvents } from './events.js';
import { observeEngine } from './observe.js';
import { EngineError } from '../model/errors.js';
import { checkNetworkCreate, networkConnectBody, networkCreateBody } from './requests.js';
import {
  inspectService,
  listServices,
  listServiceTasks,
  listSwarmNodes,
  updateServiceNetworks,
} from './swarm.js';
import type { ApiSwarmInfo } from './swarm-api.js';
import { swarmRoleFrom } from './swarm-convert.js';

/** Swarm's label on the container of a task (docs/swarm.md). */
const SWARM_TASK_LABEL = 'com.docker.swarm.task.id';

/** The DockerPort over one negotiated, keep-alive session with an engine. */
export class DockerAdapter implements DockerPort {
  private rawInfo: Promise<ApiInfo & ApiSwarmInfo> | undefined;

  constructor(
    private readonly client: EngineClient,
    private readonly version: ApiVersion,
    readonly apiVersion: string,
    private readonly release: () => void,
    private readonly logger?: Logger,
  ) {}

  get host(): string {
    return this.client.host;
  }

  /** Swarm state is read once per session: it does not change while netform runs. */
  async engineInfo(): Promise<EngineInfo> {
    return engineInfoFrom(this.version, await this.readInfo(), this.apiVersion);
  }

  /** GET /info, once per session (engineInfo and swarmRole share it). */
  private readInfo(): Promise<ApiInfo & ApiSwarmInfo> {
    this.rawInfo ??= this.client
      .request<ApiInfo & ApiSwarmInfo>({
        operation: 'reading engine info',
        method: 'GET',
        path: '/info',
        route: 'GET /info',
        ok: [200],
      })
      .catch((error: unknown) => {
        this.rawInfo = undefined;
        throw error;
      });
    return this.rawInfo;
  }

  async observe(options?: ObserveOptions): Promise<ObservedState> {
    // GET /info goes out beside the two lists, not before them: one round trip less. Its failure
    // is handled here and said where observeEngine awaits it.
    const info = this.engineInfo();
    info.catch(() => undefined);
    const read = await observeEngine(this.client, info, options);
    const engine = await info;
    if (engine.swarmState !== 'active') return read;
    // A network made from a config-only network carries no labels: its ownership is its
    // config-only network's (docs/swarm.md).
    const observed = { ...read, networks: withConfigOnlyOwnership(read.networks) };
    // A swarm node (docs/swarm.md): never the containers of Swarm's tasks, which are the services'
    // own (reached through their service); on a manager, its services when the plan needs them.
    const containers = observed.containers.filter((c) => !Object.hasOwn(c.labels, SWARM_TASK_LABEL));
    if (!engine.swarmControl) return { ...observed, containers };
    const project = options?.project;
    const needsServices =
      options?.services === true ||
      (project !== undefined &&
        observed.networks.some(
          (n) =>
            n.scope === 'swarm' &&
            n.labels['io.netform.managed'] === 'true' &&
            n.labels['io.netform.project'] === project,
        ));
    if (!needsServices) return { ...observed, containers };
    // The nodes with the services: a replace or removal of the ingress network needs each of
    // them among the session's engines (docs/swarm.md, "The ingress network").
    const selfId = (await this.readInfo()).Swarm?.NodeID ?? '';
    const [services, swarmNodes] = await Promise.all([
      listServices(this.client),
      listSwarmNodes(this.client, selfId),
    ]);
    return { ...observed, containers, services, swarmNodes };
  }

  async createNetwork(request: NetworkCreateRequest): Promise<string> {
    checkNetworkCreate(request, this.apiVersion);
    const created = await this.client.request<{ Id: string; Warning?: string }>({
      operation: `creating network ${request.name}`,
      method: 'POST',
      path: '/networks/create',
      route: 'POST /networks/create',
      body: networkCreateBody(request),
      ok: [201],
    });
    if (created.Warning)
      this.logger?.warn({ network: request.name, warning: created.Warning }, 'engine warning');
    return created.Id;
  }

  async removeNetwork(networkId: string): Promise<void> {
    await this.client.request({
      operation: `removing network ${networkId}`,
      method: 'DELETE',
      path: `/networks/${encodeURIComponent(networkId)}`,
      route: 'DELETE /networks/{id}',
      ok: [200, 204],
    });
  }

  async connect(networkId: string, containerId: string, settings: EndpointSettings): Promise<void> {
    await this.client.request({
      operation: `connecting container ${containerId} to network ${networkId}`,
      method: 'POST',
      path: `/networks/${encodeURIComponent(networkId)}/connect`,
      route: 'POST /networks/{id}/connect',
      body: networkConnectBody(containerId, settings, this.apiVersion),
      ok: [200],
    });
  }

  async disconnect(networkId: string, containerId: string, options?: { force?: boolean }): Promise<void> {
    await this.client.request({
      operation: `disconnecting container ${containerId} from network ${networkId}`,
      method: 'POST',
      path: `/networks/${encodeURIComponent(networkId)}/disconnect`,
      route: 'POST /networks/{id}/disconnect',
      body: { Container: containerId, Force: options?.force === true },
      ok: [200],
    });
  }

  async events(options: EventOptions): Promise<EventStream> {
    return subscribeEvents(this.client, (await this.engineInfo()).swarmControl, options);
  }

  // ---- Swarm (docs/swarm.md) ----

  async swarmRole(): Promise<SwarmRole> {
    return swarmRoleFrom(await this.readInfo());
  }

  listServices(): Promise<ObservedService[]> {
    return listServices(this.client);
  }

  inspectService(nameOrId: string): Promise<ObservedService | undefined> {
    return inspectService(this.client, nameOrId);
  }

  updateServiceNetworks(
    serviceId: string,
    version: number,
    networks: ServiceNetworkAttachment[],
  ): Promise<ServiceUpdateOutcome> {
    return updateServiceNetworks(this.client, serviceId, version, networks);
  }

  listServiceTasks(serviceId: string): Promise<ObservedTask[]> {
    return listServiceTasks(this.client, serviceId);
  }

  async networkEndpoints(networkId: string): Promise<NetworkEndpoint[] | undefined> {
    let network: ApiNetwork;
    try {
      network = await this.client.request<ApiNetwork>({
        operation: `inspecting network ${networkId}`,
        method: 'GET',
        path: `/networks/${encodeURIComponent(networkId)}?`,
        route: 'GET /networks/{id}',
        query: { verbose: true },
        ok: [200],
      });
    } catch (error) {
      if (error instanceof EngineError && error.kind === 'not-found') return undefined;
      throw error;
    }
    return networkEndpointsFrom(network);
  }

  stats(): EngineCallStats {
    return this.client.stats();
  }

  close(): Promise<void> {
    this.release();
    return Promise.resolve();
  }
}
