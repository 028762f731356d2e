import { closest } from 'fastest-levenshtein';
import type { DesiredState } from '../model/desired.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { ObservedState } from '../model/observed.js';
import { isManagedBy } from './ownership.js';
import { unknownTarget } from './plan-diagnostics.js';

/**
 * What `--target` limits a plan to. `all` when no target is given. A network target covers the
 * network and every endpoint on it; a container target covers the container's attachments and
 * the creation of networks they need; a service target (docs/swarm.md) covers the service's one
 * update and the creation of networks it needs.
 */
export interface TargetScope {
  all: boolean;
  networks: ReadonlySet<string>;
  containers: ReadonlySet<string>;
  services: ReadonlySet<string>;
}

/**
 * Resolves target names exactly against the spec's networks, containers and services and the
 * project's networks. A name the spec places on other engines only (`namesOnOtherEngines`)
 * covers nothing on this one and is not an error.
 */
export function resolveTargets(
  targets: readonly string[] | undefined,
  desired: DesiredState,
  observed: ObservedState,
): { scope: TargetScope; diagnostics: Diagnostic[] } {
  if (!targets || targets.length === 0) {
    return {
      scope: { all: true, networks: new Set(), containers: new Set(), services: new Set() },
      diagnostics: [],
    };
  }
  const networkNames = new Set(Object.keys(desired.networks));
  for (const network of observed.networks) {
    if (isManagedBy(network, desired.project)) networkNames.add(network.name);
  }
  const containerNames = new Set(Object.keys(desired.containers));
  const serviceNames = new Set(Object.keys(desired.services ?? {}));
  // With engines:, a name of the spec that this engine's part leaves out targets nothing here.
  const elsewhere = new Set(desired.namesOnOtherEngines ?? []);
  const networks = new Set<string>();
  const containers = new Set<string>();
  const services = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  for (const target of targets) {
    const isNetwork = networkNames.has(target);
    const isContainer = containerNames.has(target);
    const isService = serviceNames.has(target);
    if (isNetwork) networks.add(target);
    if (isContainer) containers.add(target);
    if (isService) services.add(target);
    if (!isNetwork && !isContainer && !isService && !elsewhere.has(target)) {
      const known = [...networkNames, ...containerNames, ...serviceNames, ...elsewhere];
      diagnostics.push(unknownTarget(target, known.length > 0 ? closest(target, known) : undefined));
    }
  }
  return { scope: { all: false, networks, containers, services }, diagnostics };
}

export function coversPair(scope: TargetScope, container: string, network: string): boolean {
  return scope.all || scope.containers.has(container) || scope.networks.has(network);
}
