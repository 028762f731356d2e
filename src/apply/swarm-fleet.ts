import { summarizeActions } from '../core/order.js';
import {
  configOnlyReplacesOf,
  configSourcesInUse,
  hasClusterObjects,
  isClusterNetwork,
  leavingClusterNetworks,
  nodeObserved,
  nodeProjection,
  swarmTopology,
  withConfigOnlyNetworks,
  type SwarmPlanInput,
  type SwarmTopology,
} from '../core/swarm-fleet.js';
import type { DesiredState, EndpointSettings } from '../model/desired.js';
import { EngineError, NetformError } from '../model/errors.js';
import type { EngineInfo, ObservedNetwork, ObservedState, SwarmRole } from '../model/observed.js';
import type { ConfigOnlyReplace, Plan, PlanOptions } from '../model/plan.js';
import type {
  DockerPort,
  EngineCallStats,
  NetworkCreateRequest,
  NetworkEndpoint,
  ObserveOptions,
} from '../model/port.js';
import { planForEngine } from './plan-engine.js';
import { nodePlansAroundReplaces } from './swarm-node-replace.js';

/**
 * The several-engines session on a swarm (docs/swarm.md, "Several engines on a swarm"): which
 * engine plans the cluster objects, what each engine's part of the spec is, the port planning on
 * a node reads through, and the order the engines are carried out in. The session itself is the
 * one of src/apply/fleet-session.ts.
 */
export interface SwarmPlanning {
  /** Undefined when no engine of the spec is a swarm node with a manager among them. */
  topology?: SwarmTopology;
  /** The port and desired state `engine` is planned, applied and verified with. */
  forEngine(engine: string, port: DockerPort, desired: DesiredState): Promise<EngineWork>;
  /**
   * The order the engines' executions run in: waves one after the other, each wave's stages
   * concurrently. A stage is an engine's whole plan or, on a swarm node, part of it (`actions`).
   * With a swarm, the manager runs first when its plan creates or replaces cluster networks (the
   * nodes' containers then join them), else last (the nodes' containers leave the cluster
   * networks it removes first). Either way a node creates its config-only networks before the
   * manager (which makes swarm networks from them) and removes them after it (the engine refuses
   * while a swarm network made from them is in use): such a node's plan runs in two stages.
   */
  waves(names: readonly string[], plans: ReadonlyMap<string, Plan>): Stage[][];
  /**
   * The engines' plans made into one plan of the swarm: a config-only network that a node's plan
   * replaces, and that an existing swarm network is made from, is replaced by the manager's
   * replace of that swarm network (docs/swarm.md, "Replacing a swarm macvlan or ipvlan"), so
   * the manager is planned again with them and the node's plan loses them; and a node's
   * containers on a cluster network the manager replaces leave it before and join the new one
   * after (src/apply/swarm-node-replace.ts). Without a swarm, or for a saved plan (no `observed`:
   * its plans were joined when it was made), the plans as they are.
   */
  joinPlans(parts: ReadonlyMap<string, PlannedPart>): Map<string, Plan>;
}

/** One engine's plan and what it was made from (`observed` absent for a saved plan). */
export interface PlannedPart {
  plan: Plan;
  desired: DesiredState;
  observed?: ObservedState;
  options: PlanOptions;
}

const plansOf = (parts: ReadonlyMap<string, PlannedPart>): Map<string, Plan> =>
  new Map([...parts].map(([engine, part]) => [engine, part.plan]));

/** An engine's plan, or the indexes of the part of it that runs in this stage. */
export interface Stage {
  engine: string;
  actions?: number[];
}

export interface EngineWork {
  port: DockerPort;
  desired: DesiredState;
  /** What the engine's plan is told about the swarm (the manager's: the nodes this run reaches). */
  swarm?: SwarmPlanInput;
}

/**
 * Reads each engine's swarm role (concurrently) and checks that the nodes among them form one
 * swarm (a NetformError naming the engines otherwise). `spec` is the whole spec (with engines:).
 */
export async function swarmPlanning(
  spec: DesiredState,
  ports: ReadonlyMap<string, DockerPort>,
): Promise<SwarmPlanning> {
  const names = [...ports.keys()].sort();
  const roles = new Map<string, SwarmRole | undefined>(
    await Promise.all(
      names.map(async (name): Promise<[string, SwarmRole | undefined]> => {
        const port = ports.get(name)!;
        try {
          return [name, port.swarmRole ? await port.swarmRole() : undefined];
        } catch (error) {
          if (error instanceof EngineError) {
            throw new EngineError(`engine ${name}: ${error.message}`, {
              ...error.options,
              kind: error.kind,
              engine: name,
              cause: error,
            });
          }
          throw error;
        }
      }),
    ),
  );
  const topology = swarmTopology(roles, hasClusterObjects(spec));
  if (!topology) {
    return {
      forEngine: (_engine, port, desired) => Promise.resolve({ port, desired }),
      waves: (all) => [all.map((engine) => ({ engine }))],
      joinPlans: plansOf,
    };
  }
  const managerPort = ports.get(topology.manager)!;
  const nodes = new Set(topology.others);
  // The swarm nodes this run reaches, by node ID: a replace or removal of the ingress network
  // needs every node of the swarm among them (docs/swarm.md, "The ingress network").
  const planInput: SwarmPlanInput = {
    sessionNodes: [topology.manager, ...topology.others].map((name) => roles.get(name)!.nodeId).sort(),
  };
  return {
    topology,
    async forEngine(engine, port, desired) {
      if (engine === topology.manager) {
        // Every cluster network of the spec is the swarm's, whatever engines: it lists.
        const networks = { ...desired.networks };
        for (const [name, network] of Object.entries(spec.networks)) {
          if (Object.hasOwn(networks, name) || network.external || !isClusterNetwork(network)) continue;
          // The engine makes a network from config-only networks only where it finds one of that
          // name ("configuration network … does not exist"): the manager needs its own.
          if (network.configFrom !== undefined) throw managerNotListed(name, topology.manager);
          const { engines: _engines, ...rest } = network;
          networks[name] = rest;
        }
        const managed = withConfigOnlyNetworks({ ...desired, networks });
        return {
          port,
          desired: spec.services ? { ...managed, services: spec.services } : managed,
          swarm: planInput,
        };
      }
      if (!nodes.has(engine)) return { port, desired };
      const managerNetworks = await clusterNetworksOf(managerPort);
      const projected = nodeProjection(
        withConfigOnlyNetworks(desired),
        leavingClusterNetworks(managerNetworks, spec),
      );
      return { port: new SwarmNodePort(port, managerPort, projected), desired: projected };
    },
    waves(all, plans) {
      const manager = topology.manager;
      if (!all.includes(manager)) return [all.map((engine) => ({ engine }))];
      const managerPlan = plans.get(manager);
      const createsCluster = (managerPlan?.actions ?? []).some(
        (action) => (action.kind === 'create' || action.kind === 'replace') && isClusterNetwork(action.after),
      );
      // A node's containers leave the cluster networks the manager removes or replaces before it
      // runs, whatever else it does (it refuses the removal while they are on them).
      const leaving = new Set(
        (managerPlan?.actions ?? []).flatMap((action) =>
          (action.kind === 'remove' || action.kind === 'replace') && isClusterNetwork(action.before)
            ? [action.network]
            : [],
        ),
      );
      const before: Stage[] = [];
      const after: Stage[] = [];
      for (const engine of all.filter((name) => name !== manager)) {
        const first: number[] = [];
        const last: number[] = [];
        (plans.get(engine)?.actions ?? []).forEach((action, index) => {
          // A config-only network made or replaced on its own (no swarm network of it exists yet).
          if ((action.kind === 'create' || action.kind === 'replace') && action.after.configOnly === true) {
            first.push(index);
          } else if (action.kind === 'remove' && action.before.configOnly === true) last.push(index);
          else if (action.kind === 'disconnect' && leaving.has(action.network)) first.push(index);
          else (createsCluster ? last : first).push(index);
        });
        if (first.length > 0 && last.length > 0) {
          before.push({ engine, actions: first });
          after.push({ engine, actions: last });
        } else if (last.length > 0 || (first.length === 0 && createsCluster)) {
          after.push({ engine });
        } else {
          before.push({ engine });
        }
      }
      return [before, [{ engine: manager }], after].filter((wave) => wave.length > 0);
    },
    joinPlans(parts) {
      const joined = withConfigOnlyReplaces(topology.manager, parts, planInput);
      // A node's containers leave, and join again, a cluster network the manager replaces; only
      // for plans made now (a saved plan, without `observed`, already carries these actions).
      const fresh = [...parts].flatMap(([engine, part]) =>
        part.observed
          ? [{ engine, plan: joined.get(engine)!, observed: part.observed, desired: part.desired }]
          : [],
      );
      return fresh.length === parts.size ? nodePlansAroundReplaces(topology, fresh) : joined;
    },
  };
}

function managerNotListed(network: string, manager: string): NetformError {
  return new NetformError(
    `network ${network} is made from config-only networks on the engines its engines: lists, and the swarm's manager ${manager}, through which it is created, is not among them`,
    {
      hint: `add ${manager} (with its parent and ip_range) under networks.${network}.engines: the engine creates a swarm network from config-only networks only where one of that name exists`,
    },
  );
}

/** The manager's cluster networks (overlay and swarm-scoped), read afresh. */
async function clusterNetworksOf(manager: DockerPort): Promise<ObservedNetwork[]> {
  const observed = await manager.observe({ networks: [], containers: [] });
  return observed.networks.filter((network) => isClusterNetwork(network));
}

/**
 * The config-only networks that nodes' plans replace, and that an existing swarm network is made
 * from, moved into the manager's replace of that swarm network (SwarmPlanning.joinPlans): the
 * manager planned again with them, each node's plan without them.
 */
function withConfigOnlyReplaces(
  managerName: string,
  parts: ReadonlyMap<string, PlannedPart>,
  planInput: SwarmPlanInput,
): Map<string, Plan> {
  const plans = plansOf(parts);
  const manager = parts.get(managerName);
  if (!manager?.observed) return plans;
  const sources = new Set(configSourcesInUse(manager.desired, manager.observed).keys());
  const fromNodes: ConfigOnlyReplace[] = [];
  for (const [engine, part] of parts) {
    if (engine === managerName || sources.size === 0) continue;
    const { replaces, rest } = configOnlyReplacesOf(part.plan.actions, engine, sources);
    if (replaces.length === 0) continue;
    fromNodes.push(...replaces);
    plans.set(engine, { ...part.plan, actions: rest, summary: summarizeActions(rest) });
  }
  // Planned again (pure, on what was observed) with its engine's name, so even its own
  // config-only network's change is said in the spec's per-engine terms.
  plans.set(
    managerName,
    planForEngine(manager.desired, manager.observed, manager.options, {
      ...planInput,
      engine: managerName,
      configOnlyReplaces: fromNodes,
    }),
  );
  return plans;
}

/**
 * A swarm node other than the manager, as planning and verifying on it see it: its own observed
 * state with the cluster networks as the manager lists them (src/core/swarm-fleet.ts,
 * nodeObserved). Everything else goes to the node's own engine.
 */
export class SwarmNodePort implements DockerPort {
  constructor(
    private readonly inner: DockerPort,
    private readonly manager: DockerPort,
    private readonly desired: DesiredState,
  ) {}

  get host(): string {
    return this.inner.host;
  }

  engineInfo(): Promise<EngineInfo> {
    return this.inner.engineInfo();
  }

  async observe(options?: ObserveOptions): Promise<ObservedState> {
    const [own, cluster] = await Promise.all([this.inner.observe(options), clusterNetworksOf(this.manager)]);
    return nodeObserved(own, cluster, this.desired);
  }

  createNetwork(request: NetworkCreateRequest): Promise<string> {
    if (isClusterNetwork({ driver: request.driver, ...(request.scope ? { scope: request.scope } : {}) })) {
      // Never planned here (the manager creates cluster networks); a guard, not a user's mistake.
      return Promise.reject(
        new NetformError(`network ${request.name} is the swarm's: it is created on the manager`),
      );
    }
    return this.inner.createNetwork(request);
  }

  removeNetwork(networkId: string): Promise<void> {
    return this.inner.removeNetwork(networkId);
  }

  async connect(networkId: string, containerId: string, settings: EndpointSettings): Promise<void> {
    // A cluster network named rather than identified (made or replaced by the manager in this
    // run: src/apply/swarm-node-replace.ts): its ID as the manager lists it now, so the node never
    // resolves the name to the network the manager just removed.
    const named = Object.values(this.desired.networks).some(
      (network) => network.name === networkId && isClusterNetwork(network),
    );
    const id = named
      ? ((await clusterNetworksOf(this.manager)).find((network) => network.name === networkId)?.id ??
        networkId)
      : networkId;
    return this.inner.connect(id, containerId, settings);
  }

  disconnect(networkId: string, containerId: string, options?: { force?: boolean }): Promise<void> {
    return this.inner.disconnect(networkId, containerId, options);
  }

  /** The node's own endpoints on the network (the ingress network's removal waits on them). */
  networkEndpoints(networkId: string): Promise<NetworkEndpoint[] | undefined> {
    return this.inner.networkEndpoints ? this.inner.networkEndpoints(networkId) : Promise.resolve(undefined);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  stats(): EngineCallStats {
    return this.inner.stats?.() ?? { total: 0, byRoute: {} };
  }
}
