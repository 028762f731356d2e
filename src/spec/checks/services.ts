import type { ContainerSpec, ServiceSpec } from '../../model/spec.generated.js';
import { CODES } from '../codes.js';
import { attachmentsOf, CONFIG_FROM_DRIVERS, configFromOf } from '../normalize.js';
import { reportUndeclared } from './containers.js';
import { NAME_PATTERN, type NetworkFacts, type Sink } from './context.js';

/*
 * Offline checks of Swarm services and swarm-scoped networks (docs/swarm.md). Whether the engines
 * form a swarm, and whether an external network is usable by a service, needs the engines: those
 * checks run online.
 */

/** Endpoint keys a container takes and a service does not: Swarm gives each task its own. */
const REFUSED_ON_SERVICES = [
  'ipv4_address',
  'ipv6_address',
  'link_local_ips',
  'mac_address',
  'priority',
] as const;
const ALIAS_PATTERN = /^[a-zA-Z0-9_]([a-zA-Z0-9_.-]*[a-zA-Z0-9_])?$/;

/** True for networks every node of a swarm sees: overlay, or any driver with scope: swarm. */
export function isSwarmNetwork(network: NetworkFacts): boolean {
  return network.driver === 'overlay' || network.spec.scope === 'swarm';
}

/** Service names, the networks they refer to, and what a service's endpoint may carry. */
export function checkServices(
  services: Record<string, ServiceSpec | null> | undefined,
  networks: readonly NetworkFacts[],
  sink: Sink,
): void {
  const byKey = new Map(networks.map((n) => [n.key, n]));
  const byDockerName = new Map(networks.map((n) => [n.dockerName, n]));
  for (const [name, service] of Object.entries(services ?? {})) {
    const path = ['services', name];
    if (!NAME_PATTERN.test(name)) {
      sink.atKey(CODES.invalidName, path, {
        message: `service name ${JSON.stringify(name)} is not valid`,
        hint: 'use the name as `docker service ls` shows it: letters, digits, and _ . - (not first)',
      });
    }
    for (const { network: key, endpoint, segment } of attachmentsOf(service?.networks)) {
      const where = [...path, 'networks', segment];
      const network = byKey.get(key);
      if (!network) {
        reportUndeclared(key, where, byKey, byDockerName, sink);
        continue;
      }
      // An external network's driver and scope are not in the spec; the engine checks tell.
      if (!network.external && !isSwarmNetwork(network)) {
        sink.atKey(CODES.serviceOnLocalNetwork, where, {
          message: `service ${name} cannot use network ${key}: a ${network.driver} network without scope: swarm exists on one engine only, and a service's tasks run on any node`,
          hint: `make ${key} an overlay network (driver: overlay), or a macvlan/ipvlan network with scope: swarm`,
        });
      }
      for (const field of REFUSED_ON_SERVICES) {
        if (endpoint[field] === undefined) continue;
        sink.atKey(CODES.serviceEndpointSetting, [...where, field], {
          message:
            field === 'priority'
              ? `priority cannot be set for a service: a service's network attachment has no gateway priority`
              : `${field} cannot be set for a service: Swarm gives each of its tasks an address of its own`,
          hint: 'services take aliases and driver_opts only; give a fixed address to a container instead',
        });
      }
      (endpoint.aliases ?? []).forEach((alias, index) => {
        if (!ALIAS_PATTERN.test(alias)) {
          sink.atValue(CODES.invalidAlias, [...where, 'aliases', index], {
            message: `alias ${JSON.stringify(alias)} is not a valid DNS name`,
            hint: 'use letters, digits, and _ . - (not first or last)',
          });
        }
      });
    }
  }
}

/** `config_from` and `scope: swarm` on declared networks. */
export function checkSwarmNetworks(networks: readonly NetworkFacts[], sink: Sink): void {
  const dockerNames = new Map(networks.map((n) => [n.dockerName, n]));
  for (const network of networks) {
    if (network.external) continue;
    const { spec } = network;
    if (spec.config_from !== undefined && spec.scope !== 'swarm') {
      sink.atKey(CODES.configFromWithoutSwarmScope, [...network.path, 'config_from'], {
        message: `config_from is given on network ${network.key}, which has no scope: swarm`,
        hint: 'add scope: swarm (a network made from per-node config-only networks is a swarm network), or remove config_from',
      });
      continue;
    }
    if (spec.config_from !== undefined && !CONFIG_FROM_DRIVERS.includes(network.driver)) {
      sink.atKey(CODES.configFromDriver, [...network.path, 'config_from'], {
        message: `config_from is given on the ${network.driver} network ${network.key}; only macvlan and ipvlan networks are made from config-only networks`,
        hint:
          network.driver === 'overlay'
            ? 'remove config_from: an overlay network spans the swarm by itself'
            : 'set driver: macvlan or ipvlan, or remove config_from',
      });
      continue;
    }
    const configFrom = configFromOf(network.dockerName, spec);
    if (configFrom === undefined) continue;
    const path = spec.config_from !== undefined ? [...network.path, 'config_from'] : network.path;
    if (!NAME_PATTERN.test(configFrom)) {
      sink.atValue(CODES.invalidName, path, {
        message: `config-only network name ${JSON.stringify(configFrom)} is not valid`,
        hint: 'use letters, digits, and _ . - (not first)',
      });
    }
    const other = dockerNames.get(configFrom);
    if (other) {
      sink.atKey(CODES.duplicateDockerName, path, {
        message: `the config-only network of ${network.key} would be named ${configFrom}, the Docker name of network ${other.key}`,
        hint: `give ${network.key} another config_from`,
      });
    }
  }
}

/** A container joins an overlay or swarm-scoped network only when it is attachable. */
export function checkContainersOnSwarmNetworks(
  containers: Record<string, ContainerSpec | null> | undefined,
  networks: readonly NetworkFacts[],
  sink: Sink,
): void {
  const byKey = new Map(networks.map((n) => [n.key, n]));
  for (const [name, container] of Object.entries(containers ?? {})) {
    for (const { network: key, segment } of attachmentsOf(container?.networks)) {
      const network = byKey.get(key);
      if (!network || network.external || !isSwarmNetwork(network) || network.spec.attachable === true)
        continue;
      sink.atKey(CODES.containerOnUnattachableSwarmNetwork, ['containers', name, 'networks', segment], {
        message: `container ${name} cannot join network ${key}: a standalone container joins a swarm network only when it is attachable`,
        hint: `add attachable: true to networks.${key} (services use it either way)`,
      });
    }
  }
}
