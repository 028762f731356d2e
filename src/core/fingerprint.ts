import type { DesiredState } from '../model/desired.js';
import type { ObservedState } from '../model/observed.js';
import { canonicalJson, sha256 } from './canonical-json.js';
import {
  comparableDesiredEndpoint,
  compareText,
  indexEndpoints,
  normalizeObservedEndpoint,
  normalizeObservedNetwork,
} from './normalize-observed.js';
import { isManagedBy } from './ownership.js';
import { expandSelectors } from './selectors.js';

/** sha256 of the canonical desired state, source positions left out (a comment line moves them). */
export function hashSpec(desired: DesiredState): string {
  return sha256(canonicalJson(withoutSourcePositions(desired)));
}

/** The desired state without source positions: what it means, not where it was written. */
export function withoutSourcePositions(desired: DesiredState): DesiredState {
  const networks: DesiredState['networks'] = {};
  for (const [name, { source: _source, ...network }] of Object.entries(desired.networks))
    networks[name] = network;
  const containers: DesiredState['containers'] = {};
  for (const [name, { source: _source, ...container }] of Object.entries(desired.containers)) {
    const attachments: (typeof container)['attachments'] = {};
    for (const [network, { source: _s, ...attachment }] of Object.entries(container.attachments)) {
      attachments[network] = attachment;
    }
    containers[name] = { ...container, attachments };
  }
  const out: DesiredState = { project: desired.project, networks, containers };
  if (desired.selectors) {
    const selectors: NonNullable<DesiredState['selectors']> = {};
    for (const [name, { source: _source, ...selector }] of Object.entries(desired.selectors)) {
      const attachments: (typeof selector)['attachments'] = {};
      for (const [network, { source: _s, ...attachment }] of Object.entries(selector.attachments)) {
        attachments[network] = attachment;
      }
      selectors[name] = { ...selector, attachments };
    }
    out.selectors = selectors;
  }
  if (desired.services) {
    const services: NonNullable<DesiredState['services']> = {};
    for (const [name, { source: _source, ...service }] of Object.entries(desired.services)) {
      const attachments: (typeof service)['attachments'] = {};
      for (const [network, { source: _s, ...attachment }] of Object.entries(service.attachments)) {
        attachments[network] = attachment;
      }
      services[name] = { ...service, attachments };
    }
    out.services = services;
  }
  if (desired.engines) {
    // A plan file across engines connects to them as its spec says (docs/plan.md, "Plan files").
    const engines: NonNullable<DesiredState['engines']> = {};
    for (const [name, { source: _source, ...engine }] of Object.entries(desired.engines)) {
      engines[name] = engine;
    }
    out.engines = engines;
  }
  return out;
}

/**
 * sha256 of the part of the engine the plan depends on, normalised exactly as the diff
 * normalises it (normalize-observed.ts): the declared networks and this project's managed ones
 * (id and comparable settings), the endpoints on them and the listed containers' endpoints
 * (container id and configured settings), selector-matched containers included. A change that is not drift (a new MAC, an assigned
 * address, an engine upgrade that reports more defaults, a container restarting) keeps the
 * fingerprint; a network or endpoint that came, went or changed alters it.
 */
export function fingerprintState(spec: DesiredState, observed: ObservedState): string {
  // The containers selector rules match count as listed (a new match makes a saved plan stale).
  const { desired } = expandSelectors(spec, observed);
  const relevant = observed.networks
    .filter((n) => n.name in desired.networks || isManagedBy(n, desired.project))
    .sort((a, b) => compareText(a.name, b.name) || compareText(a.id, b.id));
  const endpoints = indexEndpoints(observed);
  const networks = relevant.map((network) => {
    const spec = desired.networks[network.name];
    return {
      name: network.name,
      id: network.id,
      settings: spec?.external ? null : normalizeObservedNetwork(network, spec),
      labels: network.labels,
      endpoints: endpoints.on(network).map(({ container, endpoint }) => {
        const wanted = desired.containers[container.name]?.attachments[network.name];
        const comparable = wanted ? comparableDesiredEndpoint(wanted) : undefined;
        return {
          container: container.name,
          id: container.id,
          settings: normalizeObservedEndpoint(endpoint, container, comparable, network),
        };
      }),
    };
  });
  const listed = observed.containers
    .filter((c) => c.name in desired.containers)
    .map((c) => ({ name: c.name, id: c.id }))
    .sort((a, b) => compareText(a.name, b.name));
  // Services (docs/swarm.md): a listed service's version moves on every write to it (the engine's
  // own too), so its ID and networks are what a saved plan depends on.
  const services = (observed.services ?? [])
    .filter((s) => s.name in (desired.services ?? {}))
    .map((s) => ({
      name: s.name,
      id: s.id,
      networks: s.networks.map((n) => ({ id: n.networkId, aliases: n.aliases, driverOpts: n.driverOpts })),
    }))
    .sort((a, b) => compareText(a.name, b.name));
  return sha256(
    canonicalJson(
      services.length > 0 ? { networks, containers: listed, services } : { networks, containers: listed },
    ),
  );
}
