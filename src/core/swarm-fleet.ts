import type { DesiredNetwork, DesiredState } from '../model/desired.js';
import { NetformError } from '../model/errors.js';
import type { ObservedNetwork, ObservedState, SwarmRole } from '../model/observed.js';
import type { Action, ConfigOnlyReplace, FieldChange, ReplaceNetworkAction } from '../model/plan.js';
import { isManagedBy } from './ownership.js';

/*
 * A spec's engines that are nodes of one swarm (docs/swarm.md, "Several engines on a swarm").
 * Pure: the roles are read by src/apply/swarm-fleet.ts.
 *
 * Cluster objects (overlay and `scope: swarm` networks, services) belong to the swarm, not to a
 * node: they are planned and changed once, on the manager chosen here. On every other node a
 * declared cluster network is used as it is (as an external network), its containers join it
 * through their own engine, and the node's own list of swarm networks is never read for drift
 * (a worker lists a swarm network only while something of its own is on it).
 */

/** The swarm a spec's engines belong to. */
export interface SwarmTopology {
  /** The engine through which cluster objects are read and changed (the first manager by name). */
  manager: string;
  /** The other engines that are nodes of the same swarm, sorted. */
  others: string[];
}

/** True for a network that is a cluster object: overlay, or any driver with scope swarm. */
export function isClusterNetwork(network: { driver: string; scope?: string }): boolean {
  return network.driver === 'overlay' || network.scope === 'swarm';
}

/**
 * The swarm of the spec's engines, from each engine's role (undefined: the engine has no swarm
 * capability). Undefined when no engine is an active node. Throws a NetformError naming the
 * engines when the nodes among them are not nodes of one swarm, or when the spec has cluster
 * objects and no manager among its engines.
 */
export function swarmTopology(
  roles: ReadonlyMap<string, SwarmRole | undefined>,
  needsManager: boolean,
): SwarmTopology | undefined {
  const nodes = [...roles.entries()]
    .filter((entry): entry is [string, SwarmRole] => entry[1]?.localNodeState === 'active')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (nodes.length === 0) {
    if (needsManager) throw noManager([...roles.keys()].sort(), 'none of them is a node of a swarm');
    return undefined;
  }
  const managers = nodes.filter(([, role]) => role.controlAvailable);
  if (managers.length === 0) {
    if (needsManager) {
      throw noManager(
        nodes.map(([name]) => name),
        'they are swarm workers; cluster objects can only be read and changed through a manager',
      );
    }
    return undefined;
  }
  const [manager, managerRole] = managers[0]!;
  const managerIds = new Set(managers.map(([, role]) => role.nodeId));
  const strangers: string[] = [];
  for (const [name, role] of nodes) {
    if (name === manager) continue;
    const same = role.controlAvailable
      ? role.clusterId !== undefined && role.clusterId === managerRole.clusterId
      : role.remoteManagers.some((m) => managerIds.has(m.nodeId));
    if (!same) strangers.push(name);
  }
  if (strangers.length > 0) {
    throw new NetformError(
      `engines ${strangers.join(', ')} ${strangers.length === 1 ? 'is a node' : 'are nodes'} of another swarm than engine ${manager} (a manager)`,
      {
        hint: "the spec's engines that are swarm nodes must be nodes of one swarm: check `docker info` (Swarm: NodeID, Managers) on each, or drop the stranger from the spec's engines",
      },
    );
  }
  return { manager, others: nodes.map(([name]) => name).filter((name) => name !== manager) };
}

function noManager(engines: string[], why: string): NetformError {
  return new NetformError(
    `the spec declares overlay or scope: swarm networks or services, but no manager is among its engines (${engines.join(', ')}): ${why}`,
    {
      hint: "add a manager of the swarm to the spec's engines (`docker node ls` on a manager lists them), or run docker swarm init",
    },
  );
}

/** True when the spec (any engine's part of it) has cluster networks or services. */
export function hasClusterObjects(spec: DesiredState): boolean {
  return (
    spec.services !== undefined ||
    Object.values(spec.networks).some((network) => !network.external && isClusterNetwork(network))
  );
}

/**
 * One node's part of the spec when it is not the manager: its declared cluster networks are used
 * as they are (external), and the cluster networks the project manages but the spec no longer
 * declares (`leaving`, as the manager lists them) are external and exclusive, so the node's
 * containers leave them before the manager removes them. Services are the manager's.
 */
export function nodeProjection(desired: DesiredState, leaving: readonly ObservedNetwork[]): DesiredState {
  const networks: Record<string, DesiredNetwork> = {};
  for (const [name, network] of Object.entries(desired.networks)) {
    networks[name] = isClusterNetwork(network) ? { ...network, external: true } : network;
  }
  for (const network of leaving) {
    if (Object.hasOwn(networks, network.name)) continue;
    networks[network.name] = {
      name: network.name,
      driver: network.driver,
      scope: network.scope,
      ipam: { driver: 'default', options: {}, config: [] },
      attachable: network.attachable,
      internal: network.internal,
      enableIPv4: network.enableIPv4 ?? true,
      enableIPv6: network.enableIPv6,
      ingress: network.ingress,
      labels: {},
      driverOpts: {},
      external: true,
      exclusive: true,
    };
  }
  const { services: _services, ...rest } = desired;
  return { ...rest, networks };
}

/**
 * A node's observed state as planning on it must see it: its own swarm networks (which it lists
 * only while something of its own is on them) replaced by the manager's, which are the cluster's.
 * A declared cluster network the manager does not have yet (this run creates it there) stands in
 * under its name as its ID: the node's engine resolves the name through the manager when it
 * connects a container (docs/swarm.md).
 */
export function nodeObserved(
  observed: ObservedState,
  managerNetworks: readonly ObservedNetwork[],
  desired: DesiredState,
): ObservedState {
  const cluster = managerNetworks.filter((network) => isClusterNetwork(network));
  const networks = observed.networks.filter((network) => !isClusterNetwork(network));
  networks.push(...cluster);
  const known = new Set(cluster.map((network) => network.name));
  for (const network of Object.values(desired.networks)) {
    if (!isClusterNetwork(network) || known.has(network.name)) continue;
    networks.push(standIn(network));
  }
  return { ...observed, networks };
}

function standIn(network: DesiredNetwork): ObservedNetwork {
  return {
    id: network.name,
    name: network.name,
    driver: network.driver,
    scope: 'swarm',
    attachable: network.attachable,
    internal: network.internal,
    enableIPv6: network.enableIPv6,
    ingress: false,
    configOnly: false,
    ipam: { driver: network.ipam.driver, options: network.ipam.options, config: [] },
    options: {},
    labels: {},
  };
}

/** The project's managed cluster networks the spec does not declare (the manager removes them). */
export function leavingClusterNetworks(
  managerNetworks: readonly ObservedNetwork[],
  desired: DesiredState,
): ObservedNetwork[] {
  const declared = new Set(Object.values(desired.networks).map((network) => network.name));
  return managerNetworks.filter(
    (network) =>
      isClusterNetwork(network) && !declared.has(network.name) && isManagedBy(network, desired.project),
  );
}

/**
 * One engine's part of the spec with each swarm network made from config-only networks
 * (`configFrom`: a swarm-scoped macvlan/ipvlan, docs/swarm.md) split in two: the config-only
 * network of that name, local to the engine, holding what the network has on this engine (its
 * IPAM, parent and driver options, and its labels with netform's ownership added when created),
 * and the swarm network itself, which takes none of these (the engine refuses them beside
 * ConfigFrom). `desired` is an engine's projection (desiredForEngine), so the per-engine keys are
 * already applied, or a spec without `engines:` (planChanges splits it too, so its one engine,
 * a manager, gets both). External networks are left as they are. Idempotent.
 */
export function withConfigOnlyNetworks(desired: DesiredState): DesiredState {
  const made = Object.values(desired.networks).filter(
    (network) =>
      network.configFrom !== undefined &&
      !network.external &&
      network.configOnly !== true &&
      // Already split (the swarm session splits before planning, and planning splits again).
      desired.networks[network.configFrom]?.configOnly !== true,
  );
  if (made.length === 0) return desired;
  const networks = { ...desired.networks };
  for (const network of made) {
    networks[network.name] = swarmNetworkFromConfig(network);
    const config = configOnlyNetworkOf(network);
    networks[config.name] = config;
  }
  return { ...desired, networks };
}

/** The config-only network a swarm network with `configFrom` is made from, on one engine. */
export function configOnlyNetworkOf(network: DesiredNetwork): DesiredNetwork {
  const { engines: _engines, specKey: _specKey, scope: _scope, configFrom, ...rest } = network;
  return {
    ...rest,
    name: configFrom!,
    configOnly: true,
    external: false,
    exclusive: false,
    attachable: false,
    internal: false,
    ingress: false,
    ipam: { ...network.ipam, config: network.ipam.config.map((pool) => ({ ...pool })) },
    labels: { ...network.labels },
    driverOpts: { ...network.driverOpts },
  };
}

/**
 * The swarm network itself: its driver, scope, attachable, internal and configFrom; no IPAM,
 * options, labels or IPv6 (they are its config-only networks').
 */
export function swarmNetworkFromConfig(network: DesiredNetwork): DesiredNetwork {
  const { engines: _engines, ...rest } = network;
  return {
    ...rest,
    enableIPv4: true,
    enableIPv6: false,
    ipam: { driver: 'default', options: {}, config: [] },
    labels: {},
    driverOpts: {},
  };
}

/**
 * What planning on a swarm's manager is told about the other nodes (src/apply/swarm-fleet.ts):
 * the engine's own name in the spec, and the replaces of config-only networks the other nodes'
 * plans hold, which the manager's plan carries out inside the replace of the swarm network made
 * from them (configOnlyReplacesOf).
 */
export interface SwarmPlanInput {
  /** This engine's name under the spec's `engines:`; absent for a spec without `engines:`. */
  engine?: string;
  /** Replaces of config-only networks planned on the other nodes, each naming its engine. */
  configOnlyReplaces?: ConfigOnlyReplace[];
  /**
   * The node IDs of the swarm nodes that are engines of this run, this one included (a replace or
   * removal of the ingress network needs every node among them: docs/swarm.md, "The ingress
   * network"). Absent: a spec without `engines:`, which reaches this engine's own node only.
   */
  sessionNodes?: string[];
}

/**
 * The replaces of config-only networks in a plan that are a swarm network's (docs/swarm.md,
 * "Replacing a swarm macvlan or ipvlan"): those of the networks that `swarmNetworks` (the swarm
 * networks made from config-only networks that exist on the manager) are made from. The node
 * that planned them cannot carry them out on its own (the engine refuses to remove a config-only
 * network while a swarm network made from it is in use): the manager's replace of the swarm
 * network does. `rest` is the plan's other actions.
 */
export function configOnlyReplacesOf(
  actions: readonly Action[],
  engine: string,
  swarmNetworks: ReadonlySet<string>,
): { replaces: ConfigOnlyReplace[]; rest: Action[] } {
  const replaces: ConfigOnlyReplace[] = [];
  const rest: Action[] = [];
  for (const action of actions) {
    if (action.kind === 'replace' && action.after.configOnly === true && swarmNetworks.has(action.network)) {
      replaces.push({ engine, ...configOnlyReplaceOf(action) });
    } else {
      rest.push(action);
    }
  }
  return { replaces, rest };
}

/** A replace of a config-only network as a part of the swarm network's replace. */
export function configOnlyReplaceOf(
  action: Pick<ReplaceNetworkAction, 'network' | 'networkId' | 'before' | 'after' | 'forcedBy'>,
): ConfigOnlyReplace {
  return {
    network: action.network,
    networkId: action.networkId,
    before: action.before,
    after: action.after,
    forcedBy: action.forcedBy,
  };
}

/**
 * The config-only networks, by name, that existing swarm networks of the spec are made from:
 * a change of one of them on any node is a replace of that swarm network.
 */
export function configSourcesInUse(desired: DesiredState, observed: ObservedState): Map<string, string> {
  const existing = new Set(observed.networks.map((network) => network.name));
  const sources = new Map<string, string>();
  for (const network of Object.values(desired.networks)) {
    if (network.configFrom === undefined || network.external || network.configOnly === true) continue;
    if (existing.has(network.name)) sources.set(network.configFrom, network.name);
  }
  return sources;
}

/**
 * The replace's forcedBy entry for a config-only network's change on one engine: the spec's
 * per-engine path (`engines.worker.ipam.config[0].ip_range`), or `config_from.…` when the spec
 * names no engines.
 */
export function configOnlyChangePaths(replace: ConfigOnlyReplace): FieldChange[] {
  const prefix = replace.engine !== undefined ? `engines.${replace.engine}` : 'config_from';
  return replace.forcedBy.map((change) => ({ ...change, path: `${prefix}.${change.path}` }));
}
