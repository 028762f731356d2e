import type { DesiredState } from '../model/desired.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { ObservedContainer, ObservedState } from '../model/observed.js';
import type { Action } from '../model/plan.js';
import { privateNetworkMode } from './plan-diagnostics.js';

/** Network modes whose containers Docker cannot connect to any other network. */
const PRIVATE_MODES: readonly string[] = ['host', 'none'];

/**
 * The network mode that keeps `container` off every other network: `host` or `none` (seen as its
 * only endpoint), or `container:<id>` (it shares another container's network stack and shows no
 * endpoint; shown with the short id). Undefined for a container Docker can connect.
 */
export function privateNetworkModeOf(container: ObservedContainer): string | undefined {
  const shared = container.networkMode?.match(/^container:([0-9a-f]{12})[0-9a-f]*$/);
  if (shared) return `container:${shared[1]}`;
  if (container.networkMode !== undefined) return container.networkMode;
  return Object.values(container.endpoints)
    .map((endpoint) => endpoint.networkName)
    .find((name) => PRIVATE_MODES.includes(name));
}

/**
 * Connects of a container that runs with `--network host`, `--network none` or
 * `--network container:X`: Docker refuses them ("container sharing network namespace with another
 * container or host cannot be connected to any other network"; "... one of the networks in
 * private (none) mode"), so the plan says so instead of apply failing halfway.
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
    const mode = container && privateNetworkModeOf(container);
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
