import type { DesiredState } from '../model/desired.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { ObservedState } from '../model/observed.js';
import { CODES } from '../spec/codes.js';
import { diagnosticAt } from '../spec/diagnose.js';
import { compareApiVersions, NETWORK_API_GATES } from '../model/api-versions.js';
import { forCompose } from './wording.js';

/** The table's row for enable_ipv4: false (src/model/api-versions.ts), which Compose sends as is. */
const IPV4_GATE = NETWORK_API_GATES.find((gate) => gate.key === 'enable_ipv4')!;

/** The labels Compose writes on the networks it creates. */
export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_NETWORK_LABEL = 'com.docker.compose.network';

/**
 * The engine checks of a Compose file beyond the spec's (which `checkAgainstEngine` ran and
 * passes in `found`, here put in the file's terms). An existing network with a name Compose
 * would create (Compose v2.40's resolveOrCreateNetwork): without this key's
 * com.docker.compose.network label Compose refuses it; with it but another project's label
 * Compose uses it (or recreates it when its configuration hash differs). IPv6-only networks
 * need API 1.48.
 */
export function composeEngineChecks(
  spec: DesiredState,
  observed: ObservedState,
  found: Diagnostic[],
): Diagnostic[] {
  const origin = spec.compose;
  if (!origin) return found;
  const out = found.flatMap((d) => forCompose(d, origin, { dockerNames: true, includes: false }) ?? []);
  const byName = new Map(observed.networks.map((n) => [n.name, n]));
  for (const network of Object.values(spec.networks)) {
    if (network.external) continue;
    const key = origin.networkKeys[network.name] ?? network.name;
    const path = ['networks', key];
    const existing = byName.get(network.name);
    if (existing) {
      const project = existing.labels[COMPOSE_PROJECT_LABEL];
      const label = existing.labels[COMPOSE_NETWORK_LABEL];
      const theirs = existing.ipam.config.map((p) => p.subnet).join(', ') || 'none';
      if (label !== key) {
        out.push(
          diagnosticAt(CODES.composeNetworkLabelMismatch, path, network.source, {
            message: `network ${network.name} exists ${project === undefined ? 'but was not created by Compose' : `with ${COMPOSE_NETWORK_LABEL}=${label ?? '(none)'}`}; Compose finds no ${COMPOSE_NETWORK_LABEL}=${key} on it and refuses to use it`,
            hint: `declare it with external: true and name: ${network.name} to use it as it is, or remove it (docker network rm ${network.name})`,
          }),
        );
      } else if (project !== origin.project) {
        out.push(
          diagnosticAt(CODES.composeNetworkNotOwned, path, network.source, {
            severity: 'warning',
            message: `network ${network.name} belongs to Compose project ${project ?? '(none)'}, not ${origin.project}: Compose uses it as it is (subnets: ${theirs}), or removes and recreates it when its configuration differs`,
            hint: `declare it with external: true and name: ${network.name}, or give this network another name`,
          }),
        );
      }
    }
    if (
      origin.ipv4Disabled.includes(network.name) &&
      compareApiVersions(observed.engine.apiVersion, IPV4_GATE.minimum) < 0
    ) {
      out.push(
        diagnosticAt(CODES.composeIpv4Disabled, [...path, 'enable_ipv4'], network.source, {
          message: `enable_ipv4: false needs Engine API ${IPV4_GATE.minimum} (${IPV4_GATE.release}); this engine speaks API ${observed.engine.apiVersion}, ignores it and gives ${network.name} IPv4 as well`,
          hint: 'upgrade the engine, or drop enable_ipv4: false',
        }),
      );
    }
  }
  return out;
}
