import type { DesiredState } from '../model/desired.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { ObservedState } from '../model/observed.js';
import type { Action } from '../model/plan.js';
import { privateNetworkMode } from './plan-diagnostics.js';

/** Network modes whose containers Docker cannot connect to any other network. */
const PRIVATE_MODES: readonly string[] = ['host', 'none'];

/**
 * Connects of a container that runs with `--network host` or `--network none`: Docker refuses
 * them ("container sharing network namespace with another container or host cannot be connected
 * to any other network"; "... one of the networks in private (none) mode"), so the plan says so
 * instead of apply failing halfway. The mode shows as the container's only endpoint.
 */
export function privateNetworkModeProblems(
  desired: DesiredState,
  observed: ObservedState,
  actions: readonly Action[],
): Diagnostic[] {
  const containers = new Map(observed.containers.map((container) => [container.id, container]));
  const problems: Diagnostic[] = [];
  for (const action of actions) {
    if (action.kind !== 'connect') continue;
    const container = containers.get(action.containerId);
    const mode = Object.values(container?.endpoints ?? {})
      .map((endpoint) => endpoint.networkName)
      .find((name) => PRIVATE_MODES.includes(name));
    if (mode === undefined || mode === action.network) continue;
    problems.push(
      privateNetworkMode(
        action.container,
        action.network,
        mode,
        desired.containers[action.container]?.attachments[action.network]?.source,
      ),
    );
  }
  return problems;
}
