import { defaultScopeOf, shortIdOf } from '../../../src/core/normalize-observed.js';
import { parseCidr } from '../../../src/core/cidr.js';
import {
  MANAGED_LABEL,
  PROJECT_LABEL,
  type DesiredNetwork,
  type EndpointSettings,
} from '../../../src/model/desired.js';
import type { ObservedContainer, ObservedNetwork, ObservedState } from '../../../src/model/observed.js';
import type { Plan } from '../../../src/model/plan.js';

/**
 * A model engine for tests: the state the engine would be in after executing `plan`, with the
 * daemon's own additions an engine makes (a gateway when none is given, pools from its default
 * pools, an IPv6 /64 for an IPv6 network without one (Engine 27+), Engine 28's option records,
 * the short-id alias, random-looking MACs). Pure; never touches an engine.
 */
export function simulateApply(observed: ObservedState, plan: Plan): ObservedState {
  const state: ObservedState = structuredClone(observed);
  let counter = 0;
  const newId = (name: string): string =>
    `sim${(counter++).toString().padStart(4, '0')}${name}`.padEnd(64, '0');
  const byName = (name: string): ObservedNetwork | undefined => state.networks.find((n) => n.name === name);
  const containerById = (id: string): ObservedContainer => {
    const found = state.containers.find((c) => c.id === id);
    if (!found) throw new Error(`simulateApply: no container ${id}`);
    return found;
  };
  const detach = (container: ObservedContainer, networkId: string): void => {
    for (const [key, endpoint] of Object.entries(container.endpoints)) {
      if (endpoint.networkId === networkId) delete container.endpoints[key];
    }
  };
  const attach = (
    container: ObservedContainer,
    network: ObservedNetwork,
    settings: EndpointSettings,
  ): void => {
    container.endpoints[network.name] = {
      networkId: network.id,
      networkName: network.name,
      aliases: [...settings.aliases, shortIdOf(container.id)],
      aliasesKnown: true,
      configuredLinkLocalIps: [...settings.linkLocalIps],
      driverOpts: { ...settings.driverOpts },
      ...(settings.ipv4Address !== undefined && {
        configuredIPv4: settings.ipv4Address,
        ipv4Address: settings.ipv4Address,
      }),
      ...(settings.ipv6Address !== undefined && { configuredIPv6: settings.ipv6Address }),
      macAddress: settings.macAddress ?? `9e:00:00:00:00:${(counter++ % 256).toString(16).padStart(2, '0')}`,
      ...(settings.gwPriority !== undefined && { gwPriority: settings.gwPriority }),
    };
  };
  const create = (network: DesiredNetwork, project: string): ObservedNetwork => {
    const pools = network.ipam.config.map((pool) => {
      const block = parseCidr(pool.subnet);
      const gateway = pool.gateway ?? (block ? firstHost(pool.subnet) : undefined);
      return { ...pool, auxAddresses: { ...pool.auxAddresses }, ...(gateway !== undefined && { gateway }) };
    });
    const families = new Set(pools.map((p) => parseCidr(p.subnet)?.family));
    if (!families.has(4) && network.enableIPv4)
      pools.push({ subnet: '172.31.0.0/16', gateway: '172.31.0.1', auxAddresses: {} });
    if (network.enableIPv6 && !families.has(6))
      pools.push({ subnet: 'fd99:1:2:3::/64', gateway: 'fd99:1:2:3::1', auxAddresses: {} });
    const created: ObservedNetwork = {
      id: newId(network.name),
      name: network.name,
      driver: network.driver,
      scope: network.scope ?? defaultScopeOf(network.driver),
      attachable: network.attachable,
      internal: network.internal,
      ingress: network.ingress,
      configOnly: false,
      enableIPv6: network.enableIPv6,
      enableIPv4: network.enableIPv4,
      ipam: { driver: network.ipam.driver, options: { ...network.ipam.options }, config: pools },
      options: {
        'com.docker.network.enable_ipv4': String(network.enableIPv4),
        'com.docker.network.enable_ipv6': String(network.enableIPv6),
        ...network.driverOpts,
      },
      labels: { ...network.labels, [MANAGED_LABEL]: 'true', [PROJECT_LABEL]: project },
    };
    state.networks.push(created);
    return created;
  };

  for (const action of plan.actions) {
    switch (action.kind) {
      case 'create':
        create(action.after, plan.project);
        break;
      case 'replace': {
        for (const endpoint of action.endpoints)
          detach(containerById(endpoint.containerId), action.networkId);
        state.networks = state.networks.filter((n) => n.id !== action.networkId);
        const created = create(action.after, plan.project);
        for (const endpoint of action.endpoints) {
          if (endpoint.after) attach(containerById(endpoint.containerId), created, endpoint.after);
        }
        break;
      }
      case 'remove':
        for (const container of state.containers) detach(container, action.networkId);
        state.networks = state.networks.filter((n) => n.id !== action.networkId);
        break;
      case 'disconnect':
        detach(containerById(action.containerId), action.networkId);
        break;
      case 'connect': {
        const network = action.networkId
          ? state.networks.find((n) => n.id === action.networkId)
          : byName(action.network);
        if (!network) throw new Error(`simulateApply: no network ${action.network} to connect to`);
        attach(containerById(action.containerId), network, action.after);
        break;
      }
      case 'reconnect': {
        const container = containerById(action.containerId);
        detach(container, action.networkId);
        const network = state.networks.find((n) => n.id === action.networkId);
        if (!network) throw new Error(`simulateApply: no network ${action.network}`);
        attach(container, network, action.after);
        break;
      }
    }
  }
  return state;
}

function firstHost(subnet: string): string | undefined {
  const block = parseCidr(subnet);
  if (!block) return undefined;
  const value = block.first + 1n;
  if (block.family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join('.');
  }
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return groups.join(':');
}
