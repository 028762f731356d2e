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
 * A container. An empty entry means it owns no attachment: it is disconnected from every declared network.
 */
export type ContainerOrNull = ContainerSpec | null;
/**
 * How the container sits on this network. Empty: no aliases, addresses assigned by the daemon.
 */
export type EndpointOrNull = EndpointSpec | null;

/**
 * A netform spec (version 1): the Docker networks a project wants and the containers that sit on them. Reference: docs/spec.md.
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
   * Network scope (docker network create --scope): local, swarm or global. Absent: the driver's default.
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
export interface ContainerSpec {
  /**
   * The declared networks this container sits on: a list of network keys, or a map from network key to endpoint settings (Compose's forms). Attachments to declared networks not listed here are removed.
   */
  networks?:
    | string[]
    | {
        [k: string]: EndpointOrNull;
      };
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
