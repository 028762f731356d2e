import { overlaps, parseCidr, type Cidr } from '../core/cidr.js';
import {
  INTERFACE_NAME_OPTION,
  MANAGED_LABEL,
  PROJECT_LABEL,
  type DesiredNetwork,
  type DesiredState,
} from '../model/desired.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { ObservedNetwork, ObservedState } from '../model/observed.js';
import type { Plan } from '../model/plan.js';
import { CODES } from './codes.js';
import { diagnosticAt } from './diagnose.js';

/** Engine 20.10: the oldest engine netform supports (PRODUCT.md §5). */
export const MIN_ENGINE_API_VERSION = '1.41';
const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';
const GATEWAY_MODE_OPTIONS = [
  'com.docker.network.bridge.gateway_mode_ipv4',
  'com.docker.network.bridge.gateway_mode_ipv6',
] as const;
/**
 * The API of the first engine that honours each bridge gateway mode (taken from the reference:
 * nat and routed came with Engine 27.0, nat-unprotected with moby#48597 and isolated with
 * moby#49262, both in 28.0; 28.5 was seen refusing unknown modes, 20.10 and 26.1 storing any).
 */
const GATEWAY_MODE_API: Readonly<Record<string, { api: string; engine: string }>> = {
  nat: { api: '1.46', engine: '27' },
  routed: { api: '1.46', engine: '27' },
  'nat-unprotected': { api: '1.48', engine: '28' },
  isolated: { api: '1.48', engine: '28' },
};

/**
 * The checks `validate` runs against a live engine: declared subnets overlapping existing
 * networks, bridge names already in use, overlay without swarm, external networks that do not
 * exist, and the engine's API version. Pure: the caller observes the engine. Existing networks
 * that are the declared network itself (same name) or are managed by this same project are not
 * conflicts: apply replaces or removes those.
 */
export function checkAgainstEngine(
  spec: DesiredState,
  observed: ObservedState,
  scope: EngineCheckScope = {},
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const { engine } = observed;
  if (compareApiVersions(engine.engineApiVersion, MIN_ENGINE_API_VERSION) < 0) {
    diagnostics.push(
      diagnosticAt(CODES.engineApiTooOld, [], undefined, {
        message: `the engine speaks API ${engine.engineApiVersion} (Docker ${engine.version}); netform needs API ${MIN_ENGINE_API_VERSION} (Docker Engine 20.10) or newer`,
        hint: 'upgrade the Docker engine',
      }),
    );
  }
  const others = observed.networks.filter((n) => !isOwnedBy(n, spec.project));
  const existingNames = new Set(observed.networks.map((n) => n.name));

  for (const network of Object.values(spec.networks)) {
    if (scope.networks && !scope.networks.has(network.name)) continue;
    const path = ['networks', network.name];
    if (network.external) {
      if (!existingNames.has(network.name)) {
        diagnostics.push(
          diagnosticAt(CODES.engineExternalMissing, path, network.source, {
            message: `external network ${network.name} does not exist on the engine`,
            hint: `create it first (docker network create ${network.name}), or drop external: true to let netform create it`,
          }),
        );
      }
      continue;
    }
    if (network.driver === 'overlay' && !engine.swarmControl) {
      diagnostics.push(
        diagnosticAt(CODES.engineNotSwarmManager, path, network.source, {
          message: `overlay network ${network.name} needs a swarm manager, but this engine's swarm state is ${engine.swarmState}`,
          hint: 'run docker swarm init on this engine (or point --host at a manager), or use another driver',
        }),
      );
    }
    const candidates = others.filter((n) => n.name !== network.name);
    checkSubnets(network, candidates, path, diagnostics);
    checkBridgeName(network, candidates, path, diagnostics);
    checkIngress(network, candidates, path, diagnostics);
    checkNetworkFields(network, engine.apiVersion, path, diagnostics);
  }
  checkEndpointFields(spec, engine.apiVersion, diagnostics, scope.attachments);
  return diagnostics;
}

/**
 * Limits the checks to what a plan will create: without it, every declared network and
 * attachment is checked (validate). A plan passes only the networks it creates or replaces and
 * the attachments it connects, since an existing network's subnet or an existing endpoint is
 * not sent to the engine again.
 */
export interface EngineCheckScope {
  networks?: ReadonlySet<string>;
  /** `attachmentKey(container, network)` of each attachment the plan connects. */
  attachments?: ReadonlySet<string>;
}

export const attachmentKey = (container: string, network: string): string => `${container}\u0000${network}`;

/**
 * `plan` with the engine checks of what it would send: what the engine will certainly refuse
 * (a subnet overlapping another network, a bridge name in use, overlay without swarm, endpoint
 * fields the API would ignore) becomes an error before anything runs, not a failure half-way
 * through an apply. External networks are the plan's own check (NF201), so NF074 is left out.
 */
export function withEngineChecks(plan: Plan, spec: DesiredState, observed: ObservedState): Plan {
  const networks = new Set<string>();
  const attachments = new Set<string>();
  for (const action of plan.actions) {
    if (action.kind === 'create') networks.add(action.network);
    if (action.kind === 'replace') {
      networks.add(action.network);
      for (const endpoint of action.endpoints)
        attachments.add(attachmentKey(endpoint.container, action.network));
    }
    if (action.kind === 'connect' || action.kind === 'reconnect') {
      attachments.add(attachmentKey(action.container, action.network));
    }
  }
  const found = checkAgainstEngine(spec, observed, { networks, attachments }).filter(
    (d) => d.code !== CODES.engineExternalMissing.code,
  );
  return found.length === 0 ? plan : { ...plan, diagnostics: [...found, ...plan.diagnostics] };
}

/**
 * Endpoint settings the negotiated API cannot carry: older engines accept the field and ignore it
 * (a MAC on connect before API 1.54), so apply would report success and never converge.
 */
function checkEndpointFields(
  spec: DesiredState,
  apiVersion: string,
  out: Diagnostic[],
  only: ReadonlySet<string> | undefined,
): void {
  for (const container of Object.values(spec.containers)) {
    for (const attachment of Object.values(container.attachments)) {
      if (only && !only.has(attachmentKey(container.name, attachment.network))) continue;
      const path = ['containers', container.name, 'networks', attachment.network];
      const unsupported: [string, string, string][] = [];
      if (attachment.macAddress !== undefined && compareApiVersions(apiVersion, '1.54') < 0) {
        unsupported.push(['mac_address', attachment.macAddress, '1.54 (Docker 29)']);
      }
      if ((attachment.gwPriority ?? 0) !== 0 && compareApiVersions(apiVersion, '1.48') < 0) {
        unsupported.push(['gw_priority', String(attachment.gwPriority), '1.48 (Docker 28)']);
      }
      const interfaceName = attachment.driverOpts[INTERFACE_NAME_OPTION];
      if (interfaceName !== undefined && compareApiVersions(apiVersion, '1.48') < 0) {
        unsupported.push(['interface_name', interfaceName, '1.48 (Docker 28)']);
      }
      for (const [field, value, needs] of unsupported) {
        out.push(
          diagnosticAt(CODES.engineEndpointFieldUnsupported, [...path, field], attachment.source, {
            message: `${field} ${value} of container ${container.name} on ${attachment.network} needs Engine API ${needs}; this engine speaks API ${apiVersion} and would ignore it`,
            hint: `remove ${field} from the spec, or upgrade the engine`,
          }),
        );
      }
    }
  }
}

/**
 * Network keys the negotiated API cannot carry: engines before it accept them and ignore them
 * (seen on 20.10 and 26.1: `EnableIPv4: false` gets an IPv4 pool all the same; a gateway mode,
 * even a misspelt one, is stored and has no effect), so the network would never be what the spec
 * says. One row per key: the key, its value, the API that honours it.
 */
function checkNetworkFields(
  network: DesiredNetwork,
  apiVersion: string,
  path: string[],
  out: Diagnostic[],
): void {
  const unsupported: [string[], string, string][] = [];
  if (!network.enableIPv4 && compareApiVersions(apiVersion, '1.48') < 0) {
    unsupported.push([['enable_ipv4'], 'false', '1.48 (Docker 28)']);
  }
  for (const option of GATEWAY_MODE_OPTIONS) {
    const mode = network.driverOpts[option];
    const needs = mode === undefined ? undefined : GATEWAY_MODE_API[mode];
    if (mode !== undefined && needs !== undefined && compareApiVersions(apiVersion, needs.api) < 0) {
      unsupported.push([['driver_opts', option], mode, `${needs.api} (Docker ${needs.engine})`]);
    }
  }
  for (const [field, value, needs] of unsupported) {
    const key = field.join('.');
    out.push(
      diagnosticAt(CODES.engineNetworkFieldUnsupported, [...path, ...field], network.source, {
        message: `${key} ${value} of network ${network.name} needs Engine API ${needs}; this engine speaks API ${apiVersion} and would ignore it`,
        hint: `remove ${key} from the spec, or upgrade the engine`,
      }),
    );
  }
}

/**
 * A swarm has one ingress network: the engine refuses a second ("ingress network already
 * exists"), so declaring one beside another that is not this spec's is an error before anything
 * runs.
 */
function checkIngress(
  network: DesiredNetwork,
  existing: ObservedNetwork[],
  path: string[],
  out: Diagnostic[],
): void {
  if (!network.ingress) return;
  const other = existing.find((n) => n.ingress);
  if (!other) return;
  out.push(
    diagnosticAt(CODES.engineIngressExists, [...path, 'ingress'], network.source, {
      message: `the swarm already has the ingress network ${other.name}; a swarm has only one`,
      hint: `declare the existing one instead (name: ${other.name}), or remove it first (docker network rm ${other.name}) while no service publishes ports`,
    }),
  );
}

function checkSubnets(
  network: DesiredNetwork,
  existing: ObservedNetwork[],
  path: string[],
  out: Diagnostic[],
): void {
  for (const pool of network.ipam.config) {
    const declared = parseCidr(pool.subnet);
    if (!declared) continue;
    for (const other of existing) {
      const clash = other.ipam.config
        .map((p) => parseCidr(p.subnet))
        .find((cidr): cidr is Cidr => cidr !== undefined && overlaps(cidr, declared));
      if (!clash) continue;
      out.push(
        diagnosticAt(CODES.engineSubnetOverlap, path, network.source, {
          message: `subnet ${declared.text} of network ${network.name} overlaps subnet ${clash.text} of the existing network ${other.name}`,
          hint: 'choose a subnet that no existing network uses (docker network inspect shows theirs)',
        }),
      );
    }
  }
}

function checkBridgeName(
  network: DesiredNetwork,
  existing: ObservedNetwork[],
  path: string[],
  out: Diagnostic[],
): void {
  const bridge = network.driverOpts[BRIDGE_NAME_OPTION];
  if (bridge === undefined) return;
  const user = existing.find((n) => n.options[BRIDGE_NAME_OPTION] === bridge);
  if (!user) return;
  out.push(
    diagnosticAt(CODES.engineBridgeNameUsed, [...path, 'driver_opts', BRIDGE_NAME_OPTION], network.source, {
      message: `bridge name ${bridge} is already used by the existing network ${user.name}`,
      hint: 'choose another bridge name',
    }),
  );
}

function isOwnedBy(network: ObservedNetwork, project: string): boolean {
  return network.labels[MANAGED_LABEL] === 'true' && network.labels[PROJECT_LABEL] === project;
}

/** Compares `major.minor` API versions numerically (1.9 < 1.41). */
export function compareApiVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am !== bm ? am - bm : an - bn;
}
