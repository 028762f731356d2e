/**
 * The parts of `docker inspect` output the engine tests read back: the shapes the docker CLI
 * prints, written here for the tests so the independent read does not borrow netform's own types.
 */
export interface EndpointInspect {
  Aliases: string[] | null;
  IPAMConfig: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  NetworkID: string;
  IPAddress?: string;
  GlobalIPv6Address?: string;
  Gateway?: string;
  DriverOpts?: Record<string, string> | null;
  /** API 1.48+. */
  GwPriority?: number;
}

export interface ContainerInspect {
  Id: string;
  State: { Status: string };
  NetworkSettings: { Networks: Record<string, EndpointInspect> };
}

export interface NetworkInspect {
  Id: string;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
  Internal: boolean;
  /** API 1.48+. */
  EnableIPv4?: boolean;
  EnableIPv6: boolean;
  IPAM: { Config: { Subnet: string; IPRange?: string; Gateway?: string }[] | null };
}

/** `docker service inspect`, the parts the Swarm tests read (Spec.Networks: the deprecated place). */
export interface ServiceInspect {
  ID: string;
  Version: { Index: number };
  Spec: {
    Name: string;
    Networks?: { Target: string; Aliases?: string[] }[];
    TaskTemplate: {
      Networks?: { Target: string; Aliases?: string[]; DriverOpts?: Record<string, string> }[];
      ForceUpdate?: number;
    };
  };
  PreviousSpec?: { TaskTemplate: { Networks?: { Target: string; Aliases?: string[] }[] } };
  UpdateStatus?: { State: string; Message?: string };
  Endpoint?: { VirtualIPs?: { NetworkID: string; Addr: string }[] };
}
