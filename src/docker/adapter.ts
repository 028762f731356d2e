import type { Logger } from 'pino';
import type { EndpointSettings } from '../model/desired.js';
import type { EngineInfo, ObservedState } from '../model/observed.js';
import type {
  DockerPort,
  EngineCallStats,
  EventOptions,
  EventStream,
  NetworkCreateRequest,
  ObserveOptions,
} from '../model/port.js';
import type { EngineClient } from './client.js';
import { engineInfoFrom } from './convert.js';
import type { ApiInfo, ApiVersion } from './engine-api.js';
import { subscribeEvents } from './events.js';
import { observeEngine } from './observe.js';
import { checkNetworkCreate, networkConnectBody, networkCreateBody } from './requests.js';

/** The DockerPort over one negotiated, keep-alive session with an engine. */
export class DockerAdapter implements DockerPort {
  private info: Promise<EngineInfo> | undefined;

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
  engineInfo(): Promise<EngineInfo> {
    this.info ??= this.client
      .request<ApiInfo>({
        operation: 'reading engine info',
        method: 'GET',
        path: '/info',
        route: 'GET /info',
        ok: [200],
      })
      .then((info) => engineInfoFrom(this.version, info, this.apiVersion))
      .catch((error: unknown) => {
        this.info = undefined;
        throw error;
      });
    return this.info;
  }

  async observe(options?: ObserveOptions): Promise<ObservedState> {
    return observeEngine(this.client, await this.engineInfo(), options);
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

  stats(): EngineCallStats {
    return this.client.stats();
  }

  close(): Promise<void> {
    this.release();
    return Promise.resolve();
  }
}
