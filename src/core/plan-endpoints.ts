import type { DesiredAttachment, DesiredIpamPool, DesiredState, EndpointSettings } from '../model/desired.js';
import { PREDEFINED_NETWORKS } from '../model/desired.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { ObservedContainer, ObservedNetwork, ObservedState } from '../model/observed.js';
import type {
  EndpointAction,
  EndpointRecord,
  PlanNote,
  ReplaceEndpoint,
  ReplaceNetworkAction,
} from '../model/plan.js';
import { containsAddress, parseAddress, parseCidr, type Address, type Cidr } from './cidr.js';
import type { NetworkDecision, ReplaceDecision } from './decide-networks.js';
import { diffEndpoint } from './diff-endpoint.js';
import {
  comparableDesiredEndpoint,
  compareText,
  daemonGatewayValue,
  endpointOn,
  type EndpointIndex,
  entryOn,
  normalizeObservedEndpoint,
} from './normalize-observed.js';
import { pendingContainer, refusedEntry, replacementAddressConflict } from './plan-diagnostics.js';
import { describeOrigin } from './selectors.js';
import { coversPair, type TargetScope } from './targets.js';

/** The endpoint settings a spec attachment asks for. */
function settingsOfAttachment(attachment: DesiredAttachment): EndpointSettings {
  return comparableDesiredEndpoint(attachment);
}

/** What an observed endpoint has, in the same form as the spec's settings. */
function currentSettings(
  container: ObservedContainer,
  network: ObservedNetwork,
  wanted?: EndpointSettings,
): EndpointSettings | undefined {
  const endpoint = endpointOn(container, network);
  if (!endpoint) return undefined;
  return normalizeObservedEndpoint(endpoint, container, wanted);
}

/** Every endpoint of a network being removed, with what it has. */
export function recordEndpoints(endpoints: EndpointIndex, network: ObservedNetwork): EndpointRecord[] {
  return endpoints.on(network).map(({ container, endpoint }) => ({
    container: container.name,
    containerId: container.id,
    containerState: container.state,
    settings: normalizeObservedEndpoint(endpoint, container),
  }));
}

/**
 * planReplacementEndpoints: every endpoint of a network being replaced, running or stopped,
 * declared or not. `after` is the spec's settings for a listed container's declared attachment,
 * the current settings for a container the spec does not list (unless the network is exclusive),
 * and null when the spec drops the attachment.
 */
export function planReplacementEndpoints(
  desired: DesiredState,
  endpoints: EndpointIndex,
  decision: ReplaceDecision,
): ReplaceEndpoint[] {
  const network = decision.observed;
  return endpoints.on(network).map(({ container, endpoint }) => {
    const listed = desired.containers[container.name];
    const attachment = listed?.attachments[decision.name];
    const wanted = attachment ? settingsOfAttachment(attachment) : undefined;
    const before = normalizeObservedEndpoint(endpoint, container, wanted);
    const after = listed ? (wanted ?? null) : decision.desired.exclusive ? null : before;
    return {
      container: container.name,
      containerId: container.id,
      containerState: container.state,
      before,
      after,
    };
  });
}

/**
 * planAttachmentChanges: connect, disconnect and reconnect for the containers the spec lists
 * (on the networks it declares) and for unlisted containers on exclusive networks. Attachments to
 * a network being created or replaced are connected without a network id (it does not exist yet);
 * endpoints of a replaced network are carried by the replace itself.
 */
export function planAttachmentChanges(
  desired: DesiredState,
  observed: ObservedState,
  endpoints: EndpointIndex,
  decisions: ReadonlyMap<string, NetworkDecision>,
  scope: TargetScope,
  strict: boolean,
): { actions: EndpointAction[]; diagnostics: Diagnostic[]; notes: PlanNote[] } {
  const actions: EndpointAction[] = [];
  const diagnostics: Diagnostic[] = [];
  const notes: PlanNote[] = [];
  const containersByName = new Map(observed.containers.map((c) => [c.name, c]));
  const predefined = new Map(
    observed.networks.filter((n) => PREDEFINED_NETWORKS.includes(n.name)).map((n) => [n.name, n]),
  );

  for (const name of Object.keys(desired.containers).sort(compareText)) {
    const spec = desired.containers[name];
    if (!spec) continue;
    const container = containersByName.get(name);
    if (!container) {
      const concerned = scope.all || Object.keys(spec.attachments).some((n) => coversPair(scope, name, n));
      if (concerned || scope.containers.has(name))
        diagnostics.push(pendingContainer(name, strict, spec.source));
      continue;
    }
    // Only the networks it is listed for or sits on can need an action for this container.
    const relevant = [
      ...Object.keys(spec.attachments),
      ...Object.values(container.endpoints).map((endpoint) => endpoint.networkName),
    ];
    const inScope = [...new Set(relevant)]
      .filter((network) => decisions.has(network) || predefined.has(network))
      .filter((network) => coversPair(scope, name, network))
      .sort(compareText);
    for (const networkName of inScope) {
      const attachment = spec.attachments[networkName];
      const wanted = attachment ? settingsOfAttachment(attachment) : undefined;
      const decision = decisions.get(networkName);
      const status = decision?.status ?? (predefined.has(networkName) ? 'keep' : undefined);
      const network = decision?.observed ?? predefined.get(networkName);
      if (status === undefined || status === 'missing' || status === 'remove') continue;
      const base = { container: name, containerId: container.id, network: networkName };
      if (status === 'create' || (status === 'replace' && network && !endpointOn(container, network))) {
        if (wanted) {
          const why = status === 'create' ? 'created' : 'replaced';
          actions.push({
            kind: 'connect',
            ...base,
            after: wanted,
            reason: `${describeOrigin(attachment?.origin)} for ${networkName} in the spec; the network is ${why} by this plan`,
          });
        }
        continue;
      }
      if (status === 'replace' || !network) continue;
      const current = currentSettings(container, network, wanted);
      const found = current ? undefined : entryOn(container, network);
      // An entry that is not an attachment (entryOn: a refused connect's, or a stale one).
      const entry =
        found !== undefined && found.kind !== 'attached'
          ? { endpoint: found.endpoint, kind: found.kind }
          : undefined;
      if (entry) {
        const note = {
          network: networkName,
          container: name,
          message: entryNote(name, networkName, entry.kind),
        };
        if (wanted) {
          notes.push({ ...note, message: `${note.message}; the connect below replaces the entry` });
        } else if (entry.kind === 'stale' && decision?.desired) {
          // The engine removes a stopped container's entry by the network's name.
          actions.push({
            kind: 'disconnect',
            ...base,
            networkId: network.id,
            before: normalizeObservedEndpoint(entry.endpoint, container),
            reason: `its entry names a network that no longer exists, and the spec does not list ${networkName} for ${name}`,
          });
          continue;
        } else if (entry.kind === 'refused') {
          diagnostics.push(refusedEntry(name, networkName, true, spec.source));
          continue;
        }
      }
      if (wanted && !current) {
        actions.push({
          kind: 'connect',
          ...base,
          networkId: network.id,
          after: wanted,
          reason: entry
            ? `${describeOrigin(attachment?.origin)} for ${networkName} in the spec and not connected (${entryNote(name, networkName, entry.kind)})`
            : `${describeOrigin(attachment?.origin)} for ${networkName} in the spec and not connected`,
        });
      } else if (!wanted && current && decision?.desired) {
        actions.push({
          kind: 'disconnect',
          ...base,
          networkId: network.id,
          before: current,
          reason: spec.origin?.selectors.length
            ? `connected, but ${describeOrigin(spec.origin)} without ${networkName}`
            : `connected, but the spec does not list ${networkName} for ${name}`,
        });
      } else if (wanted && current) {
        const changes = diffEndpoint(current, wanted);
        if (changes.length > 0) {
          actions.push({
            kind: 'reconnect',
            ...base,
            networkId: network.id,
            before: current,
            after: wanted,
            changes,
            reason: `${changes.map((c) => c.path).join(', ')} differ from the spec`,
          });
        }
      }
    }
  }

  for (const decision of decisions.values()) {
    const network = decision.observed;
    if (!decision.desired?.exclusive || !network) continue;
    if (decision.status !== 'keep' && decision.status !== 'blocked') continue;
    if (!scope.all && !scope.networks.has(decision.name)) continue;
    for (const { container, endpoint } of endpoints.on(network)) {
      if (container.name in desired.containers) continue;
      actions.push({
        kind: 'disconnect',
        container: container.name,
        containerId: container.id,
        network: decision.name,
        networkId: network.id,
        before: normalizeObservedEndpoint(endpoint, container),
        reason: `${decision.name} is exclusive and the spec does not list ${container.name}`,
      });
    }
  }
  diagnostics.push(...unlistedRefusedEntries(desired, observed, decisions, scope));
  return { actions, diagnostics, notes };
}

/** Why a container's entry for a network is not an attachment (entryOn's `refused` and `stale`). */
function entryNote(container: string, network: string, kind: 'refused' | 'stale'): string {
  return kind === 'refused'
    ? `${container} keeps an entry for ${network} without an endpoint, left by a connect the engine refused: it is not on ${network}`
    : `${container}'s entry for ${network} names a network that no longer exists (${network} was removed and created again): ${container} could not start`;
}

/**
 * Entries a refused connect left on running containers the spec does not list, on the networks
 * this plan covers: not attachments, so nothing is planned for them (unlisted containers are
 * left alone), but the container cannot restart while the entry stays.
 */
function unlistedRefusedEntries(
  desired: DesiredState,
  observed: ObservedState,
  decisions: ReadonlyMap<string, NetworkDecision>,
  scope: TargetScope,
): Diagnostic[] {
  const problems: Diagnostic[] = [];
  for (const container of observed.containers) {
    if (container.name in desired.containers) continue;
    for (const networkName of Object.keys(container.endpoints).sort(compareText)) {
      const network = decisions.get(networkName)?.observed;
      if (!network || !coversPair(scope, container.name, networkName)) continue;
      if (entryOn(container, network)?.kind === 'refused') {
        problems.push(
          refusedEntry(container.name, networkName, false, desired.networks[networkName]?.source),
        );
      }
    }
  }
  return problems;
}

/**
 * Static addresses a replace would reconnect that the new network cannot give (an endpoint of a
 * container the spec does not list keeps its own settings, which the spec's new network may not
 * hold): outside its subnets, its gateway (when the daemon picks it: the first address of the ip_range, else the subnet's first host), an
 * aux address, or an address another endpoint takes. One error per address, since apply would
 * fail or leave a container that cannot start.
 */
export function replacementAddressProblems(
  desired: DesiredState,
  replace: ReplaceNetworkAction,
): Diagnostic[] {
  const pools = replace.after.ipam.config.flatMap((pool) => {
    const block = parseCidr(pool.subnet);
    return block ? [{ pool, block }] : [];
  });
  const subnets = pools.map(({ pool }) => pool.subnet);
  const taken = new Map<string, string>();
  const problems: Diagnostic[] = [];
  // Listed containers first: when two endpoints want one address, the spec's claim stands.
  const listedFirst = [...replace.endpoints].sort(
    (a, b) => Number(b.container in desired.containers) - Number(a.container in desired.containers),
  );
  for (const endpoint of listedFirst) {
    if (endpoint.after === null) continue;
    for (const text of [endpoint.after.ipv4Address, endpoint.after.ipv6Address]) {
      const address = text === undefined ? undefined : parseAddress(text);
      if (!address) continue;
      const why = addressConflict(address, pools, subnets, taken.get(address.text));
      taken.set(address.text, taken.get(address.text) ?? endpoint.container);
      if (why === undefined) continue;
      problems.push(
        replacementAddressConflict(
          replace.network,
          endpoint.container,
          endpoint.container in desired.containers,
          address.text,
          why,
          desired.networks[replace.network]?.source,
        ),
      );
    }
  }
  return problems;
}

/** Why the new network cannot give `address` to an endpoint, or undefined when it can. */
function addressConflict(
  address: Address,
  pools: { pool: DesiredIpamPool; block: Cidr }[],
  subnets: string[],
  takenBy: string | undefined,
): string | undefined {
  const home = pools.find(({ block }) => containsAddress(block, address));
  if (!home) {
    return subnets.length > 0
      ? `outside the new subnets (${subnets.join(', ')})`
      : 'but the new network has no subnet for it (the spec declares none, and an address the daemon picks cannot be static)';
  }
  const gateway = home.pool.gateway === undefined ? undefined : parseAddress(home.pool.gateway);
  if ((gateway?.value ?? daemonGatewayValue(home.pool)) === address.value) {
    return `the new network's gateway`;
  }
  const aux = Object.entries(home.pool.auxAddresses).find(([, value]) => value === address.text);
  if (aux) return `reserved on the new network as aux address ${aux[0]}`;
  if (takenBy !== undefined) return `which ${takenBy} gets too`;
  return undefined;
}
