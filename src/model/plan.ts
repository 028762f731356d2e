import type { DesiredNetwork, DesiredState, EndpointSettings } from './desired.js';
import type { Diagnostic } from './diagnostic.js';

/** Bumped whenever the JSON shape of a plan changes incompatibly (schemas/plan.schema.json). */
export const PLAN_FORMAT_VERSION = 1;

/** One field that differs: `path` in the spec's own names (`ipam.config[0].ip_range`, `labels.chapter`). */
export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** An endpoint to disconnect, with what it had, so the plan can show it and a rollback restore it. */
export interface EndpointRecord {
  container: string;
  containerId: string;
  /** `running`, `created`, `exited`... at plan time. */
  containerState: string;
  settings: EndpointSettings;
}

/** An endpoint of a network being replaced. */
export interface ReplaceEndpoint {
  container: string;
  containerId: string;
  containerState: string;
  /** What it has now; used to restore it if the replacement fails. */
  before: EndpointSettings;
  /** What to reconnect it with; null when the spec drops this attachment (it is not reconnected). */
  after: EndpointSettings | null;
}

/** A Swarm service on a network being replaced: taken off, then put back (two rolling updates). */
export interface ReplaceService {
  service: string;
  serviceId: string;
  /** `Version.Index` at plan time: the update that takes it off is sent with it. */
  version: number;
  /** The stack that owns the service (`com.docker.stack.namespace`), if any. */
  stack?: string;
  /** Its attachment to the network now; restored on the old network by a rollback. */
  before: ServiceNetworkState;
  /** What it is put back on the new network with; null when the spec drops the attachment. */
  after: ServiceNetworkState | null;
  /** Its other networks at plan time: the update that takes it off leaves it on these. */
  others: ServiceNetworkState[];
  /** Tasks running at plan time: each update restarts them all. */
  tasksRestarting?: number;
}

/**
 * A config-only network replaced inside the replace of the swarm network made from it
 * (docs/swarm.md): the engine refuses to remove a config-only network while a swarm network made
 * from it is in use, so the swarm network is removed first, each changed config-only network
 * replaced on its node, and the swarm network made again.
 */
export interface ConfigOnlyReplace {
  /** The engine it is on, as the spec's `engines:` names it; absent: the plan's own engine. */
  engine?: string;
  network: string;
  networkId: string;
  /** As it is, in creatable form with all its labels: a rollback creates it again. */
  before: DesiredNetwork;
  /** As the spec wants it on that engine; the executor adds netform's ownership labels. */
  after: DesiredNetwork;
  /** The fields that force it (old -> new). Never empty. */
  forcedBy: FieldChange[];
}

export interface CreateNetworkAction {
  kind: 'create';
  network: string;
  /** The network to create; the executor adds netform's ownership labels. */
  after: DesiredNetwork;
  reason: string;
}

export interface RemoveNetworkAction {
  kind: 'remove';
  network: string;
  networkId: string;
  before: DesiredNetwork;
  /** Endpoints disconnected before the removal. */
  disconnect: EndpointRecord[];
  reason: string;
}

export interface ReplaceNetworkAction {
  kind: 'replace';
  network: string;
  networkId: string;
  /**
   * The network as it is, in creatable form with all its labels (netform's included), so a
   * failed replacement can create it again exactly.
   */
  before: DesiredNetwork;
  /** The network as the spec wants it; the executor adds netform's ownership labels. */
  after: DesiredNetwork;
  /** The fields that force the replacement (old -> new). Never empty. */
  forcedBy: FieldChange[];
  /** Every endpoint on the network, declared or not, running or stopped. */
  endpoints: ReplaceEndpoint[];
  /**
   * Swarm services on the network (on a manager; docs/swarm.md): each is taken off it before the
   * removal and put back on the new network after the create, one `service update` each way.
   * Absent when no service is on it.
   */
  services?: ReplaceService[];
  /**
   * For a swarm network made from config-only networks: the config-only networks replaced
   * between the removal of the old swarm network and the create of the new one, each on its
   * engine. Absent when none changed.
   */
  configOnly?: ConfigOnlyReplace[];
  /** True when an unmanaged network is replaced because of `--adopt`. */
  adopt: boolean;
  reason: string;
}

export interface ConnectAction {
  kind: 'connect';
  container: string;
  containerId: string;
  network: string;
  /** Absent when the network is created (or replaced) by this same plan. */
  networkId?: string;
  after: EndpointSettings;
  reason: string;
}

export interface DisconnectAction {
  kind: 'disconnect';
  container: string;
  containerId: string;
  network: string;
  networkId: string;
  before: EndpointSettings;
  reason: string;
}

export interface ReconnectAction {
  kind: 'reconnect';
  container: string;
  containerId: string;
  network: string;
  networkId: string;
  before: EndpointSettings;
  after: EndpointSettings;
  /** The endpoint fields that differ (aliases, ipv4_address...). Never empty. */
  changes: FieldChange[];
  reason: string;
}

/** One network of a service, as it is or as the update leaves it. */
export interface ServiceNetworkState {
  /** The network's Docker name; for a network the manager does not list, its ID. */
  network: string;
  /**
   * The network's ID when it exists at plan time. Absent for a network this same plan creates or
   * replaces: the executor resolves it by name after creating it.
   */
  networkId?: string;
  /** Sorted, de-duplicated. */
  aliases: string[];
  driverOpts: Record<string, string>;
}

/** What one update does to one of the service's networks. */
export type ServiceNetworkChange =
  | { kind: 'add'; network: string; after: ServiceNetworkState }
  | { kind: 'remove'; network: string; before: ServiceNetworkState }
  | {
      kind: 'change';
      network: string;
      before: ServiceNetworkState;
      after: ServiceNetworkState;
      /** `aliases`, `driver_opts`: never empty. */
      changes: FieldChange[];
    };

/**
 * `~ update service`: every network change of one service, sent as one
 * `POST /services/{id}/update?version=N` with the full list `after`.
 */
export interface ServiceUpdateAction {
  kind: 'service-update';
  service: string;
  serviceId: string;
  /** `Version.Index` at plan time; the update is sent with it and refused if the service moved on. */
  version: number;
  /** The stack that owns the service (`com.docker.stack.namespace`), if any. */
  stack?: string;
  /** Every network of the service now, in network-name order. */
  before: ServiceNetworkState[];
  /** Every network the update leaves it on (networks the spec does not declare included). */
  after: ServiceNetworkState[];
  /** Per network: added, removed or changed. Never empty. */
  changes: ServiceNetworkChange[];
  /**
   * The update replaces every task of the service (a rolling update): the number of tasks running
   * at plan time, when the manager reported it.
   */
  tasksRestarting?: number;
  /** The service's networks are in the deprecated `Spec.Networks`; the update moves them. */
  legacyNetworks: boolean;
  reason: string;
}

export type NetworkAction = CreateNetworkAction | RemoveNetworkAction | ReplaceNetworkAction;
export type EndpointAction = ConnectAction | DisconnectAction | ReconnectAction;
/** The closed set of things apply can do. Terraform's symbols: + - -/+ ~ */
export type Action = NetworkAction | EndpointAction | ServiceUpdateAction;
export type ActionKind = Action['kind'];

export interface PlanSummary {
  create: number;
  replace: number;
  remove: number;
  connect: number;
  disconnect: number;
  reconnect: number;
  /** Service updates (docs/swarm.md); present only when the plan has some. */
  'service-update'?: number;
}

/** Something the plan wants the reader to know that is not an action (an unmanaged network used as is...). */
export interface PlanNote {
  network?: string;
  container?: string;
  message: string;
}

/**
 * The one plan object: the text renderer, `--json`, `--out` and apply all read this. Deterministic
 * for a given spec and observed state (no timestamps, stable order), so it can be golden-tested.
 */
export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  project: string;
  /** In execution order: creates, replaces, endpoint actions, removes. */
  actions: Action[];
  /** Errors block apply; warnings (pending containers...) do not. */
  diagnostics: Diagnostic[];
  notes: PlanNote[];
  summary: PlanSummary;
}

/**
 * What a plan was asked for beyond the spec (`--target`, `--adopt`, `--strict`): the scope a
 * plan is made in, verified in, and checked for staleness in. A saved plan records it whole, so
 * later options that narrow a plan (the engines of a several-engine spec) are added here.
 */
export interface PlanOptions {
  /** Limit the plan to these networks or containers and what they depend on. */
  targets?: string[];
  /** Unmanaged networks to take over (replace with a managed one) when they differ. */
  adopt?: string[];
  /** Pending (missing) containers are errors instead of warnings. */
  strict?: boolean;
}

/** A plan saved with `plan --out`, for `apply PLANFILE`. */
export interface PlanFile {
  format: 'netform-plan';
  formatVersion: typeof PLAN_FORMAT_VERSION;
  netformVersion: string;
  createdAt: string;
  /** The engine the plan was made against (host URL and daemon id/version). */
  engine: { host: string; version: string; apiVersion: string };
  /** sha256 of the merged, normalised spec. */
  specHash: string;
  /** sha256 of the normalised observed state the plan was computed from; apply refuses a stale one. */
  stateFingerprint: string;
  plan: Plan;
  /**
   * The desired state the plan was made from (source positions left out): applying the file
   * recomputes `stateFingerprint` and verifies against it. `specHash` is its hash.
   */
  spec: DesiredState;
  /** The options the plan was made with: applying the file verifies in this same scope. */
  options: PlanOptions;
  /** sha256 over the file's other fields, to reject a tampered or truncated file. */
  checksum: string;
}
