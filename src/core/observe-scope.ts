import type { DesiredState } from '../model/desired.js';
import type { ObserveOptions } from '../model/port.js';

/**
 * What a plan for `desired` needs observed in detail: the declared networks (their endpoints,
 * declared or not, for replace and `exclusive`), the networks the project manages (a removal
 * disconnects their endpoints) and the declared containers. Other containers' inspects are
 * skipped: the container list carries everything but aliases, and no plan reads those.
 */
export function observeScope(desired: DesiredState): ObserveOptions {
  return {
    networks: Object.keys(desired.networks),
    containers: Object.keys(desired.containers),
    project: desired.project,
    // Services are read too for a declared ingress network: those that publish ports through it
    // block its replace (docs/swarm.md, "The ingress network").
    ...(desired.services !== undefined ||
    Object.values(desired.networks).some((network) => network.ingress && !network.external)
      ? { services: true }
      : {}),
  };
}
