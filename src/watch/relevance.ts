import { isManagedBy } from '../core/ownership.js';
import type { DesiredState } from '../model/desired.js';
import type { ObservedState } from '../model/observed.js';
import type { EngineEvent, EventOptions } from '../model/port.js';

/**
 * The engine events that can change a project's networks or attachments (docs/watch.md,
 * "Events"). Anything else (a container's die, exec, health status ...) cannot, and is not asked
 * for.
 */
export const WATCHED_ACTIONS: EventOptions['actions'] = {
  network: ['create', 'destroy', 'connect', 'disconnect'],
  container: ['create', 'start', 'rename', 'destroy'],
  service: ['update'],
};

/**
 * What a project's events are recognised by: names and IDs of its networks, its containers'
 * names, the names of the services it lists.
 */
export interface ProjectScope {
  networks: ReadonlySet<string>;
  containers: ReadonlySet<string>;
  services: ReadonlySet<string>;
}

/**
 * The declared networks and containers, and the networks the project manages on the engine as
 * last observed (a plan removes or replaces those, so events about them matter too).
 */
export function projectScope(desired: DesiredState, observed?: ObservedState): ProjectScope {
  const networks = new Set(Object.keys(desired.networks));
  for (const network of observed?.networks ?? []) {
    if (networks.has(network.name) || isManagedBy(network, desired.project)) {
      networks.add(network.name);
      networks.add(network.id);
    }
  }
  return {
    networks,
    containers: new Set(Object.keys(desired.containers)),
    services: new Set(Object.keys(desired.services ?? {})),
  };
}

/**
 * Whether `event` concerns the project: a network event about one of its networks (by name, or
 * by ID for one observed), a container event about a declared container (under its name, or its
 * old name for a rename), an update of a service the spec lists (under `services:`; the engine
 * sends service events only where it is a swarm manager). A lock lease's create and remove are never one: the
 * lease is not a network of the project.
 */
export function concernsProject(event: EngineEvent, scope: ProjectScope): boolean {
  switch (event.type) {
    case 'network':
      return scope.networks.has(event.attributes.name ?? '') || scope.networks.has(event.id);
    case 'container': {
      const oldName = event.attributes.oldName?.replace(/^\//, '');
      return (
        scope.containers.has(event.attributes.name ?? '') ||
        (oldName !== undefined && scope.containers.has(oldName))
      );
    }
    case 'service':
      return scope.services.has(event.attributes.name ?? '');
  }
}
