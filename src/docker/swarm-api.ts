/**
 * The Engine API's Swarm JSON, as far as netform reads or writes it (API 1.41 to 1.54), written
 * from moby's api/swagger.yaml. A service's spec is sent back whole on update, so the spec types
 * keep every field they do not name (`[key: string]: unknown`): a field netform does not know must
 * survive the round trip unchanged.
 */

/** GET /info, the `Swarm` part. */
export interface ApiSwarmInfo {
  Swarm?: {
    NodeID?: string;
    NodeAddr?: string;
    LocalNodeState?: string;
    ControlAvailable?: boolean;
    Error?: string;
    RemoteManagers?: { NodeID?: string; Addr?: string }[] | null;
    /** Managers only. */
    Cluster?: { ID?: string } | null;
  } | null;
}

/** A node as GET /nodes lists it (the fields netform reads). */
export interface ApiNode {
  ID?: string;
  Spec?: { Role?: string } | null;
  Description?: { Hostname?: string } | null;
  Status?: { State?: string; Addr?: string } | null;
}

/** NetworkAttachmentConfig: one network of a service's task template. */
export interface ApiNetworkAttachmentConfig {
  /** The network's ID (the daemon still rewrites a name into the ID, for old clients only). */
  Target?: string;
  Aliases?: string[] | null;
  DriverOpts?: Record<string, string> | null;
}

export interface ApiTaskSpec {
  Networks?: ApiNetworkAttachmentConfig[] | null;
  /** A counter; changing it alone restarts the tasks (`docker service update --force`). */
  ForceUpdate?: number;
  [key: string]: unknown;
}

/** ServiceSpec: what POST /services/{id}/update takes back. */
export interface ApiServiceSpec {
  Name?: string;
  Labels?: Record<string, string> | null;
  TaskTemplate?: ApiTaskSpec | null;
  Mode?: {
    Replicated?: { Replicas?: number } | null;
    Global?: Record<string, never> | null;
    ReplicatedJob?: Record<string, unknown> | null;
    GlobalJob?: Record<string, never> | null;
  } | null;
  /**
   * Deprecated since API 1.44 and no longer reported by current engines; services made by old
   * clients (or old `docker stack deploy`) may still carry it. Use TaskTemplate.Networks.
   */
  Networks?: ApiNetworkAttachmentConfig[] | null;
  /** Published ports; `PublishMode` absent means `ingress` (the routing mesh). */
  EndpointSpec?: {
    Ports?: { Protocol?: string; TargetPort?: number; PublishedPort?: number; PublishMode?: string }[] | null;
  } | null;
  [key: string]: unknown;
}

/** GET /services (list) and GET /services/{id}. */
export interface ApiService {
  ID: string;
  Version?: { Index?: number } | null;
  CreatedAt?: string;
  UpdatedAt?: string;
  Spec?: ApiServiceSpec | null;
  /** The spec before the last update (what a rollback returns to). */
  PreviousSpec?: ApiServiceSpec | null;
  UpdateStatus?: { State?: string; Message?: string } | null;
  /** With `?status=true` (API 1.41+). */
  ServiceStatus?: { RunningTasks?: number; DesiredTasks?: number; CompletedTasks?: number } | null;
}

/** POST /services/{id}/update. */
export interface ApiServiceUpdateResponse {
  Warnings?: string[] | null;
}

/** GET /tasks. */
export interface ApiTask {
  ID: string;
  ServiceID?: string;
  NodeID?: string;
  Slot?: number;
  CreatedAt?: string;
  DesiredState?: string;
  Status?: {
    State?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string } | null;
  } | null;
  NetworksAttachments?:
    | {
        Network?: { ID?: string; Spec?: { Name?: string } | null } | null;
        Addresses?: string[] | null;
      }[]
    | null;
}
