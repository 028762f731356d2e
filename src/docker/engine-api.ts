/**
 * The Engine API's JSON, as far as netform reads or writes it, typed for every version from 1.41
 * (Engine 20.10) to 1.54 (Engine 29). Fields that only newer engines send are optional; fields an
 * engine may send as `null` say so. Written from moby's api/swagger.yaml rather than taken from
 * @types/dockerode, which lags behind the newer fields (DNSNames, GwPriority, EnableIPv4).
 */

export interface ApiIpamConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string> | null;
}

export interface ApiIpam {
  Driver?: string;
  Options?: Record<string, string> | null;
  Config?: ApiIpamConfig[] | null;
}

/** GET /networks (list) and GET /networks/{id}; the list leaves `Containers` empty. */
export interface ApiNetwork {
  Name: string;
  Id: string;
  Created?: string;
  Scope?: string;
  Driver?: string;
  /** API 1.48+. */
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  IPAM?: ApiIpam | null;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigFrom?: { Network?: string } | null;
  ConfigOnly?: boolean;
  /** GET /networks/{id} only: the endpoints on this engine, by container ID or sandbox name. */
  Containers?: Record<string, { Name?: string } | null> | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
  /**
   * GET /networks/{id}?verbose=true of a swarm network: its services with the task endpoints the
   * node knows of through the swarm's gossip, on every node (`Info["Host IP"]`: the node's address).
   */
  Services?: Record<string, ApiNetworkService | null> | null;
}

export interface ApiNetworkService {
  Tasks?: { Name?: string; EndpointID?: string; Info?: Record<string, string> | null }[] | null;
}

export interface ApiEndpointIpamConfig {
  IPv4Address?: string;
  IPv6Address?: string;
  LinkLocalIPs?: string[] | null;
}

/** A container's EndpointSettings, in container inspect and (partly) in the container list. */
export interface ApiEndpointSettings {
  IPAMConfig?: ApiEndpointIpamConfig | null;
  Links?: string[] | null;
  /** Null in the container list; includes the short id up to API 1.44. */
  Aliases?: string[] | null;
  MacAddress?: string;
  DriverOpts?: Record<string, string> | null;
  /** API 1.48+. */
  GwPriority?: number;
  NetworkID?: string;
  EndpointID?: string;
  Gateway?: string;
  IPAddress?: string;
  IPPrefixLen?: number;
  IPv6Gateway?: string;
  GlobalIPv6Address?: string;
  GlobalIPv6PrefixLen?: number;
  /** API 1.44+. */
  DNSNames?: string[] | null;
}

/** One entry of GET /containers/json. */
export interface ApiContainerSummary {
  Id: string;
  Names?: string[] | null;
  State?: string;
  Labels?: Record<string, string> | null;
  HostConfig?: { NetworkMode?: string } | null;
  NetworkSettings?: { Networks?: Record<string, ApiEndpointSettings> | null } | null;
}

/** GET /containers/{id}/json, the parts netform reads. */
export interface ApiContainerInspect {
  Id: string;
  Name?: string;
  State?: { Status?: string } | null;
  Config?: { Labels?: Record<string, string> | null } | null;
  HostConfig?: { NetworkMode?: string } | null;
  NetworkSettings?: { Networks?: Record<string, ApiEndpointSettings> | null } | null;
}

/** GET /version (called without a version prefix, so any engine answers it). */
export interface ApiVersion {
  Version?: string;
  ApiVersion?: string;
  MinAPIVersion?: string;
  Os?: string;
  Arch?: string;
}

/** GET /info, the parts netform reads. */
export interface ApiInfo {
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } | null;
}

/** POST /networks/create. */
export interface ApiNetworkCreateBody {
  Name: string;
  /** Ignored (always on) from API 1.44; sent for older engines. */
  CheckDuplicate: boolean;
  Driver: string;
  Scope?: string;
  Internal: boolean;
  Attachable: boolean;
  ConfigOnly?: boolean;
  /** With it, the engine refuses IPAM, Options, EnableIPv6 and Labels (docs/swarm.md): they are left out. */
  ConfigFrom?: { Network: string };
  Ingress?: boolean;
  /** API 1.48+. */
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver: string; Options: Record<string, string>; Config: ApiIpamConfig[] };
  Options?: Record<string, string>;
  Labels?: Record<string, string>;
}

/** POST /networks/{id}/connect. */
export interface ApiNetworkConnectBody {
  Container: string;
  EndpointConfig: {
    Aliases?: string[];
    IPAMConfig?: ApiEndpointIpamConfig;
    MacAddress?: string;
    DriverOpts?: Record<string, string>;
    GwPriority?: number;
  };
}
