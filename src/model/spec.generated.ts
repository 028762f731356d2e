/* Generated from schemas/netform.schema.json by scripts/gen-spec-types.mjs (npm run gen:types).
 * Do not edit: change the schema and regenerate. The raw spec as written, before normalisation. */

/**
 * A network. An empty entry (`name:` with no value) means a bridge network with all defaults.
 */
export type NetworkOrNull = NetworkSpec | null;
/**
 * Labels: a map, or a list of KEY=VALUE strings (as in Compose). Keys under io.netform. are reserved for netform.
 */
export type Labels = StringMap | string[];
/**
 * The engines this network exists on: a list of engine names, or a map from engine name to per-engine settings (empty: none). Absent: every engine of the spec. The project's managed copies on other engines are removed.
 */
export type NetworkEngines =
  | string[]
  | {
      [k: string]: NetworkEngineOrNull;
    };
/**
 * Per-engine settings of a network. Empty: the network's own settings on this engine.
 */
export type NetworkEngineOrNull = NetworkEngineSpec | null;
/**
 * A container. An empty entry means it owns no attachment: it is disconnected from every declared network.
 */
export type ContainerOrNull = ContainerSpec | null;
/**
 * How the container sits on this network. Empty: no aliases, addresses assigned by the daemon.
 */
export type EndpointOrNull = EndpointSpec | null;
/**
 * The engines this container runs on: a list of engine names, or `all`. Required when the spec names several engines; with one engine, that one.
 */
export type ContainerEngines = string[] | 'all';
/**
 * An engine. An empty entry is an error: give host: or context:.
 */
export type EngineOrNull = EngineSpec | null;
/**
 * A service. An empty entry means it owns no attachment: it is taken off every declared network.
 */
export type ServiceOrNull = ServiceSpec | null;
/**
 * How the service's tasks sit on this network. Empty: no aliases.
 */
export type ServiceEndpointOrNull = ServiceEndpointSpec | null;

/**
 * A netform spec (version 1): the Docker networks a project wants and the containers and Swarm services that sit on them. Reference: docs/spec.md.
 */
export interface NetformSpec {
  /**
   * Spec format version. Only 1 exists; optional (defaults to 1).
   */
  version?: 1 | '1';
  /**
   * Ownership scope, written to the io.netform.project label of every network netform creates. netform only removes or replaces networks of this project. Default: the name of the first spec file's directory.
   */
  project?: string;
  /**
   * The networks this project declares, keyed by name (the Docker name unless `name:` gives another). A Compose `networks:` block can be pasted here.
   */
  networks?: {
    [k: string]: NetworkOrNull;
  };
  /**
   * Containers whose attachments to the declared networks this spec owns, keyed by container name (as `docker ps` shows it).
   */
  containers?: {
    [k: string]: ContainerOrNull;
  };
  /**
   * Rules that attach every matching container, present or future, keyed by rule name: a container whose labels include all of `match.labels` is treated as if it were listed under `containers:` with the rule's networks. Reference: docs/spec.md#selectors.
   */
  selectors?: {
    [k: string]: SelectorSpec;
  };
  /**
   * The Docker engines this spec covers, keyed by a name the spec uses in `engines:` of networks and containers. Absent: one engine, reached by --host, DOCKER_HOST, the docker context, or the local socket. Reference: docs/spec.md#engines.
   */
  engines?: {
    [k: string]: EngineOrNull;
  };
  /**
   * Existing Swarm services (`docker service ls`) whose attachments to the declared networks this spec owns, keyed by service name. Changed through a swarm manager, all of one service's network changes in one `docker service update` (which restarts its tasks). Reference: docs/swarm.md.
   */
  services?: {
    [k: string]: ServiceOrNull;
  };
  /**
   * Extension field, ignored by netform (as in Compose): a place for YAML anchors.
   *
   * This interface was referenced by `NetformSpec`'s JSON-Schema definition
   * via the `patternProperty` "^x-".
   */
  [k: string]:
    | {
        [k: string]: unknown;
      }
    | 1
    | '1'
    | string
    | {
        [k: string]: NetworkOrNull;
      }
    | {
        [k: string]: ContainerOrNull;
      }
    | {
        [k: string]: SelectorSpec;
      }
    | {
        [k: string]: EngineOrNull;
      }
    | {
        [k: string]: ServiceOrNull;
      }
    | undefined;
}
export interface NetworkSpec {
  /**
   * The Docker network name, when it differs from the key (Compose's `name:`). Other keys of the spec refer to the network by its key.
   */
  name?: string;
  /**
   * Network driver: bridge (default), overlay (needs swarm mode), macvlan, ipvlan, or a plugin's name.
   */
  driver?: string;
  /**
   * Driver options (docker network create --opt), e.g. com.docker.network.bridge.name.
   */
  driver_opts?: StringMap;
  /**
   * Shorthand for driver_opts.parent: the host interface a macvlan or ipvlan network sits on (802.1q sub-interfaces such as eth0.50 allowed).
   */
  parent?: string;
  /**
   * Shorthand for one ipam.config entry: the subnet in CIDR form (v4 or v6). Cannot be combined with `ipam`.
   */
  subnet?: string;
  /**
   * Shorthand: the range containers get dynamic addresses from, a CIDR inside `subnet`. Cannot be combined with `ipam`.
   */
  ip_range?: string;
  /**
   * Shorthand: the gateway address, inside `subnet`. Absent: the daemon picks one. Cannot be combined with `ipam`.
   */
  gateway?: string;
  /**
   * Shorthand: addresses the daemon must not assign (name -> address), inside `subnet`. Cannot be combined with `ipam`.
   */
  aux_addresses?: {
    [k: string]: string;
  };
  ipam?: IpamSpec;
  /**
   * Standalone containers may attach (docker network create --attachable).
   */
  attachable?: boolean;
  /**
   * No external connectivity (docker network create --internal).
   */
  internal?: boolean;
  /**
   * false: an IPv6-only network (no IPv4 subnet, no IPv4 address for its containers); needs enable_ipv6: true. Default true. Honoured from Engine 28 (API 1.48): an older engine would ignore it, so netform refuses it there before anything runs.
   */
  enable_ipv4?: boolean;
  /**
   * Enable IPv6. Required for any IPv6 subnet or static IPv6 address on this network.
   */
  enable_ipv6?: boolean;
  labels?: Labels;
  /**
   * Network scope (docker network create --scope): local, swarm or global. Absent: the driver's default. `swarm` on macvlan or ipvlan makes one network across the swarm from a config-only network on each node (see config_from).
   */
  scope?: 'local' | 'swarm' | 'global';
  /**
   * true: the swarm's routing-mesh network (docker network create --ingress); overlay driver, a swarm manager, and at most one per swarm.
   */
  ingress?: boolean;
  /**
   * true: the network must already exist; netform never creates, changes or removes it, and no other key but `name` may be given. The legacy Compose form `external: {name: x}` is accepted.
   */
  external?:
    | boolean
    | {
        /**
         * The Docker name of the external network (legacy Compose form).
         */
        name?: string;
      };
  /**
   * Containers on this network that the spec does not list get disconnected by apply.
   */
  exclusive?: boolean;
  engines?: NetworkEngines;
  /**
   * For a macvlan or ipvlan network with scope: swarm: the name of the config-only network on each node that holds that node's settings (parent, subnet, ip_range ...); netform creates them. Default: `<network>-config`. Only with scope: swarm.
   */
  config_from?: string;
}
/**
 * A map of strings. YAML booleans and numbers are taken as written (true -> "true", 5 -> "5").
 */
export interface StringMap {
  [k: string]: string | number | boolean;
}
/**
 * The full IPAM form (Compose's). Cannot be combined with the subnet/ip_range/gateway/aux_addresses shorthand.
 */
export interface IpamSpec {
  /**
   * IPAM driver; default `default`.
   */
  driver?: string;
  /**
   * IPAM driver options.
   */
  options?: StringMap;
  /**
   * Address pools, one per subnet; order does not matter.
   */
  config?: IpamPoolSpec[];
}
export interface IpamPoolSpec {
  /**
   * The subnet in CIDR form (v4 or v6).
   */
  subnet: string;
  /**
   * The dynamic address range, a CIDR inside the subnet.
   */
  ip_range?: string;
  /**
   * The gateway address, inside the subnet. Absent: the daemon picks one.
   */
  gateway?: string;
  /**
   * Addresses the daemon must not assign (name -> address), inside the subnet.
   */
  aux_addresses?: {
    [k: string]: string;
  };
}
export interface NetworkEngineSpec {
  /**
   * The host interface on this engine (replaces the network's parent).
   */
  parent?: string;
  /**
   * The dynamic range on this engine: a CIDR inside one of the network's subnets, replacing that subnet's ip_range here; a list gives one per subnet (a dual-stack network). A macvlan or ipvlan network on several engines needs one per engine and subnet.
   */
  ip_range?: string | string[];
  /**
   * The gateway on this engine, inside one of the network's subnets, replacing that subnet's gateway here; a list gives one per subnet.
   */
  gateway?: string | string[];
  /**
   * Addresses this engine must not assign (name -> address), each inside one of the network's subnets; replace the network's aux_addresses here.
   */
  aux_addresses?: {
    [k: string]: string;
  };
  /**
   * Driver options on this engine, merged over the network's own.
   */
  driver_opts?: StringMap;
  /**
   * Labels on this engine, merged over the network's own.
   */
  labels?: Labels;
}
export interface ContainerSpec {
  /**
   * The declared networks this container sits on: a list of network keys, or a map from network key to endpoint settings (Compose's forms). Attachments to declared networks not listed here are removed.
   */
  networks?:
    | string[]
    | {
        [k: string]: EndpointOrNull;
      };
  engines?: ContainerEngines;
}
export interface EndpointSpec {
  /**
   * Extra DNS names of the container on this network.
   */
  aliases?: string[];
  /**
   * Static IPv4 address, inside a declared subnet of this network.
   */
  ipv4_address?: string;
  /**
   * Static IPv6 address, inside a declared subnet of this network (needs enable_ipv6).
   */
  ipv6_address?: string;
  /**
   * Link-local addresses for the endpoint.
   */
  link_local_ips?: string[];
  /**
   * MAC address of the endpoint (xx:xx:xx:xx:xx:xx).
   */
  mac_address?: string;
  /**
   * Endpoint driver options.
   */
  driver_opts?: StringMap;
  /**
   * Gateway priority (docker network connect --gw-priority): the network of a container's endpoint with the highest gw_priority provides its default route. Default 0; may be negative. Honoured from Engine 28 (API 1.48).
   */
  gw_priority?: number;
  /**
   * The name of the interface inside the container (the endpoint driver option com.docker.network.endpoint.ifname): at most 15 characters, unique among the container's networks. Honoured from Engine 28 (API 1.48).
   */
  interface_name?: string;
  /**
   * Compose's priority: the order in which netform connects a container's networks, highest first (default 0). Only the order of connecting; not compared with the engine, so changing it alone plans no change.
   */
  priority?: number;
}
/**
 * A rule that attaches every container it matches to its networks.
 */
export interface SelectorSpec {
  match: SelectorMatchSpec;
  /**
   * The engines whose containers the rule matches: `all`, or a list of names declared under the top-level `engines:`. Without a top-level `engines:` the spec covers one engine and this key has no effect.
   */
  engines?: 'all' | string[];
  /**
   * The declared networks every matched container sits on: a list of network keys, or a map from network key to endpoint settings. No static addresses, link-local addresses or MAC: several containers match. Attachments of a matched container to declared networks that neither this rule, another matching rule nor its own containers: entry lists are removed.
   */
  networks?:
    | string[]
    | {
        [k: string]: EndpointOrNull;
      };
}
/**
 * Which containers the rule attaches: those whose labels include every one given here (as `docker ps --filter label=KEY=VALUE`). Must not be empty.
 */
export interface SelectorMatchSpec {
  /**
   * Container labels that must all be present with these values. YAML booleans and numbers are taken as written (true -> "true").
   */
  labels?: StringMap;
}
/**
 * How to reach one engine: `host` (with `tls` files for tcp://), or a docker `context`; exactly one of the two.
 */
export interface EngineSpec {
  /**
   * The engine's address: unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT].
   */
  host?: string;
  tls?: EngineTlsSpec;
  /**
   * A docker context (`docker context ls`), read from the docker CLI's context store as `docker --context NAME` does (DOCKER_CONFIG honoured).
   */
  context?: string;
}
/**
 * TLS for a tcp:// host: file names relative to the spec file that names them. With tls the connection is TLS and the engine's certificate is verified (against `ca`, else the system's CAs); without it tcp:// is plain HTTP.
 */
export interface EngineTlsSpec {
  /**
   * The CA certificate (PEM) that signed the engine's certificate.
   */
  ca?: string;
  /**
   * The client certificate (PEM); needs `key`.
   */
  cert?: string;
  /**
   * The client certificate's private key (PEM, unencrypted); needs `cert`.
   */
  key?: string;
}
export interface ServiceSpec {
  /**
   * The declared networks this service sits on: a list of network keys, or a map from network key to its settings (Compose's forms). Each must be an overlay network or a network with scope: swarm. Attachments to declared networks not listed here are removed.
   */
  networks?:
    | string[]
    | {
        [k: string]: ServiceEndpointOrNull;
      };
}
export interface ServiceEndpointSpec {
  /**
   * Extra DNS names of the service on this network (the service's name is always one).
   */
  aliases?: string[];
  /**
   * Endpoint driver options of the service's tasks on this network.
   */
  driver_opts?: StringMap;
  /**
   * Not for services (NF142): Swarm gives each task its own address from the network's range; use a container for a fixed endpoint.
   */
  ipv4_address?: string;
  /**
   * Not for services (NF142): Swarm gives each task its own address from the network's range; use a container for a fixed endpoint.
   */
  ipv6_address?: string;
  /**
   * Not for services (NF142): Swarm gives each task its own address from the network's range; use a container for a fixed endpoint.
   */
  link_local_ips?: string[];
  /**
   * Not for services (NF142): Swarm gives each task its own address from the network's range; use a container for a fixed endpoint.
   */
  mac_address?: string;
  /**
   * Not for services (NF142): a service update cannot set a gateway priority.
   */
  priority?: number;
}
