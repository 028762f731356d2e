import type {
  ObservedService,
  ObservedServiceNetwork,
  ObservedSwarmNode,
  ObservedTask,
  SwarmRole,
} from '../model/observed.js';
import type { ApiNetworkAttachmentConfig, ApiNode, ApiService, ApiSwarmInfo, ApiTask } from './swarm-api.js';

/*
 * Pure conversion of the Engine API's Swarm JSON to the observed model (docs/swarm.md), like
 * convert.ts for networks and containers: values as the engine reports them, null-ish maps and
 * lists made empty, aliases sorted.
 */

/** The label `docker stack deploy` puts on every service (and network) of a stack. */
export const STACK_LABEL = 'com.docker.stack.namespace';

export function swarmRoleFrom(info: ApiSwarmInfo): SwarmRole {
  const swarm = info.Swarm ?? {};
  const clusterId = swarm.Cluster?.ID;
  return {
    localNodeState: swarm.LocalNodeState || 'inactive',
    nodeId: swarm.NodeID ?? '',
    ...(swarm.NodeAddr ? { nodeAddr: swarm.NodeAddr } : {}),
    controlAvailable: swarm.ControlAvailable === true,
    ...(clusterId ? { clusterId } : {}),
    remoteManagers: (swarm.RemoteManagers ?? [])
      .map((m) => ({ nodeId: m.NodeID ?? '', addr: m.Addr ?? '' }))
      .filter((m) => m.nodeId !== '')
      .sort((a, b) => compareText(a.nodeId, b.nodeId)),
  };
}

/** A node of the swarm; `selfId`: the node ID of the engine that listed it (GET /info). */
export function swarmNodeFrom(api: ApiNode, selfId: string): ObservedSwarmNode {
  const id = api.ID ?? '';
  return {
    id,
    hostname: api.Description?.Hostname ?? '',
    addr: api.Status?.Addr ?? '',
    role: api.Spec?.Role ?? '',
    state: api.Status?.State ?? '',
    self: id !== '' && id === selfId,
  };
}

/**
 * A service, its networks named from `networkNames` (ID -> name, from the manager's network
 * list). Networks come from `Spec.TaskTemplate.Networks`; only when that is empty from the
 * deprecated `Spec.Networks`, which old clients filled.
 */
export function serviceFrom(api: ApiService, networkNames: ReadonlyMap<string, string>): ObservedService {
  const spec = api.Spec ?? {};
  const current = spec.TaskTemplate?.Networks ?? [];
  const legacy = spec.Networks ?? [];
  const legacyNetworks = current.length === 0 && legacy.length > 0;
  const labels = stringMap(spec.Labels);
  const stack = labels[STACK_LABEL];
  const mode = spec.Mode ?? {};
  const status = api.ServiceStatus;
  const ingressPorts = (spec.EndpointSpec?.Ports ?? [])
    .filter((port) => (port.PublishMode ?? 'ingress') === 'ingress')
    .map((port) => `${port.PublishedPort ?? ''}:${port.TargetPort ?? ''}/${port.Protocol ?? 'tcp'}`);
  return {
    id: api.ID,
    name: spec.Name ?? '',
    version: api.Version?.Index ?? 0,
    labels,
    ...(stack ? { stack } : {}),
    mode: mode.Replicated
      ? 'replicated'
      : mode.Global
        ? 'global'
        : mode.ReplicatedJob
          ? 'replicated-job'
          : mode.GlobalJob
            ? 'global-job'
            : 'unknown',
    ...(typeof mode.Replicated?.Replicas === 'number' ? { replicas: mode.Replicated.Replicas } : {}),
    networks: (legacyNetworks ? legacy : current).map((n) => serviceNetworkFrom(n, networkNames)),
    legacyNetworks,
    ...(api.UpdateStatus?.State ? { updateState: api.UpdateStatus.State } : {}),
    ...(ingressPorts.length > 0 ? { ingressPorts } : {}),
    ...(typeof status?.RunningTasks === 'number' ? { runningTasks: status.RunningTasks } : {}),
    ...(typeof status?.DesiredTasks === 'number' ? { desiredTasks: status.DesiredTasks } : {}),
  };
}

function serviceNetworkFrom(
  api: ApiNetworkAttachmentConfig,
  networkNames: ReadonlyMap<string, string>,
): ObservedServiceNetwork {
  const networkId = api.Target ?? '';
  // Old clients could leave a name in Target; a name is also what the list maps to itself.
  const networkName = networkNames.get(networkId);
  return {
    networkId,
    ...(networkName !== undefined ? { networkName } : {}),
    aliases: [...new Set(api.Aliases ?? [])].sort(),
    driverOpts: stringMap(api.DriverOpts),
  };
}

export function taskFrom(api: ApiTask): ObservedTask {
  const addresses: Record<string, string[]> = {};
  const networkIds: string[] = [];
  for (const attachment of api.NetworksAttachments ?? []) {
    const name = attachment.Network?.Spec?.Name ?? attachment.Network?.ID;
    if (name) addresses[name] = [...(attachment.Addresses ?? [])];
    if (attachment.Network?.ID) networkIds.push(attachment.Network.ID);
  }
  const containerId = api.Status?.ContainerStatus?.ContainerID;
  return {
    id: api.ID,
    serviceId: api.ServiceID ?? '',
    nodeId: api.NodeID ?? '',
    ...(typeof api.Slot === 'number' && api.Slot > 0 ? { slot: api.Slot } : {}),
    desiredState: api.DesiredState ?? 'unknown',
    state: api.Status?.State ?? 'unknown',
    ...(api.Status?.Err ? { error: api.Status.Err } : {}),
    ...(containerId ? { containerId } : {}),
    ...(api.CreatedAt ? { createdAt: api.CreatedAt } : {}),
    addresses,
    networkIds,
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function stringMap(map: Record<string, unknown> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map ?? {})) out[key] = String(value);
  return out;
}
