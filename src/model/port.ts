import type { EndpointSettings } from './desired.js';
import type { EngineInfo, ObservedState } from './observed.js';

/** What the engine is asked to create: DesiredNetwork plus the labels the executor adds. */
export interface NetworkCreateRequest {
  name: string;
  driver: string;
  scope?: string;
  attachable: boolean;
  internal: boolean;
  /** False: IPv6-only (API 1.48+). Absent: enabled, the engine's default. */
  enableIPv4?: boolean;
  enableIPv6: boolean;
  /** The swarm's routing-mesh network. */
  ingress?: boolean;
  configOnly?: boolean;
  ipam: {
    driver: string;
    options: Record<string, string>;
    config: { subnet: string; ipRange?: string; gateway?: string; auxAddresses: Record<string, string> }[];
  };
  options: Record<string, string>;
  labels: Record<string, string>;
}

export interface ObserveOptions {
  /**
   * Inspect (for aliases) only containers with an endpoint on one of these networks, or named in
   * `containers`. Absent: inspect every container that has an endpoint on any user network.
   */
  networks?: string[];
  containers?: string[];
  /**
   * Adds the networks managed by this project (labels io.netform.managed=true and
   * io.netform.project=<project>) to `networks`: a plan removes those, so it needs their endpoints.
   */
  project?: string;
}

/**
 * The engine, as the rest of netform sees it. src/docker/ is the only implementation and the only
 * code that talks to the engine (through docker-modem, dockerode's transport). Network and container arguments are IDs wherever the caller has
 * one (names are only exact for networks the caller just created): Docker resolves a container
 * argument by ID prefix too, so a name must never be passed where it could be mistaken for one.
 *
 * Every call has a timeout and rejects with an EngineError carrying the engine's own message.
 */
export interface DockerPort {
  /** Human-readable engine address, e.g. `unix:///var/run/docker.sock`. */
  readonly host: string;
  engineInfo(): Promise<EngineInfo>;
  observe(options?: ObserveOptions): Promise<ObservedState>;
  /** Returns the new network's ID. */
  createNetwork(request: NetworkCreateRequest): Promise<string>;
  removeNetwork(networkId: string): Promise<void>;
  connect(networkId: string, containerId: string, settings: EndpointSettings): Promise<void>;
  disconnect(networkId: string, containerId: string, options?: { force?: boolean }): Promise<void>;
  /** Releases sockets (keep-alive agents, ssh sessions). */
  close(): Promise<void>;
  /** Engine API calls made through this port so far, for tests and benchmarks (optional). */
  stats?(): EngineCallStats;
}

/** Counts of Engine API calls, in total and by route (`GET /networks`, `GET /containers/{id}/json` ...). */
export interface EngineCallStats {
  total: number;
  byRoute: Record<string, number>;
}
