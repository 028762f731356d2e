import { composeEngineChecks } from '../compose/online.js';
import { overlaps, parseCidr, type Cidr } from '../core/cidr.js';
import { isManagedBy } from '../core/ownership.js';
import { expandSelectors } from '../core/selectors.js';
import {
  compareApiVersions,
  endpointGates,
  NETWORK_API_GATES,
  OLDEST_API_VERSION,
  unsupportedKeys,
  type UnsupportedKey,
} from '../model/api-versions.js';
import type { DesiredNetwork, DesiredState, EndpointSettings } from '../model/desired.js';
import type { Diagnostic, SourcePosition } from '../model/diagnostic.js';
import type { ObservedNetwork, ObservedState } from '../model/observed.js';
import type { Plan } from '../model/plan.js';
import { CODES } from './codes.js';
import { diagnosticAt } from './diagnose.js';

/** Engine 20.10: the oldest engine netform supports (docs/architecture.md). */
export const MIN_ENGINE_API_VERSION = OLDEST_API_VERSION;
const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';

/**
 * The checks `validate` runs against a live engine: declared subnets overlapping existing
 * networks, bridge names already in use, overlay without swarm, external networks that do not
 * exist, the engine's API version, and services (missing ones, external networks they cannot
 * use; docs/swarm.md). Pure: the caller observes the engine. Existing networks
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
  // A Compose project's networks are matched by name alone (below): Compose reuses or recreates
  // exactly the networks of the names it would create (docs/compose.md).
  const others = spec.compose
    ? observed.networks
    : observed.networks.filter((n) => !isManagedBy(n, spec.project));
  const existingNames = new Set(observed.networks.map((n) => n.name));

  for (const network of Object.values(spec.networks)) {
    if (scope.networks && !scope.networks.has(network.name)) continue;
    const path = ['networks', network.specKey ?? network.name];
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
    reportUnsupported(
      unsupportedKeys(NETWORK_API_GATES, network, engine.apiVersion),
      `of network ${network.name}`,
      path,
      network.source,
      engine.apiVersion,
      diagnostics,
    );
    const candidates = others.filter((n) => n.name !== network.name);
    checkSubnets(network, candidates, path, diagnostics);
    checkBridgeName(network, candidates, path, diagnostics);
    checkIngress(network, candidates, path, diagnostics);
  }
  checkEndpointFields(spec, engine.apiVersion, diagnostics, scope.attachments);
  checkServices(spec, observed, diagnostics, scope.serviceAttachments);
  return spec.compose ? composeEngineChecks(spec, observed, diagnostics) : diagnostics;
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
  /** `attachmentKey(service, network)` of each network a service update puts a service on. */
  serviceAttachments?: ReadonlySet<string>;
}

export const attachmentKey = (container: string, network: string): string => `${container}\u0000${network}`;

/**
 * `plan` with the engine checks of what it would send: what the engine will certainly refuse
 * (a subnet overlapping another network, a bridge name in use, overlay without swarm, endpoint
 * fields the API would ignore, a service put on a network of the local scope) becomes an error
 * before anything runs, not a failure half-way through an apply. External networks and missing
 * services are the plan's own checks (NF201, NF230), so NF074 and NF082 are left out.
 */
export function withEngineChecks(plan: Plan, spec: DesiredState, observed: ObservedState): Plan {
  const networks = new Set<string>();
  const attachments = new Set<string>();
  const serviceAttachments = new Set<string>();
  for (const action of plan.actions) {
    if (action.kind === 'service-update') {
      for (const change of action.changes) {
        if (change.kind !== 'remove') serviceAttachments.add(attachmentKey(action.service, change.network));
      }
    }
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
  // Selector-matched containers are checked as the listed ones the plan treats them as.
  const { desired } = expandSelectors(spec, observed);
  const found = checkAgainstEngine(desired, observed, { networks, attachments, serviceAttachments }).filter(
    (d) => d.code !== CODES.engineExternalMissing.code && d.code !== CODES.engineServiceMissing.code,
  );
  return found.length === 0 ? plan : { ...plan, diagnostics: [...found, ...plan.diagnostics] };
}

/**
 * Endpoint settings the negotiated API cannot carry: older engines accept the field and ignore it
 * (a MAC on connect before API 1.54), so apply would report success and never converge. The keys
 * and versions are the table in src/model/api-versions.ts, by how the endpoint reaches the
 * engine: netform connects it; Compose creates the container with it (docs/compose.md).
 */
function checkEndpointFields(
  spec: DesiredState,
  apiVersion: string,
  out: Diagnostic[],
  only: ReadonlySet<string> | undefined,
): void {
  const compose = spec.compose;
  for (const { owner, container, attachment, path } of endpointEntries(spec, only)) {
    const delivery = !compose
      ? 'connect'
      : compose.primaryNetworks[container ?? ''] === attachment.network
        ? 'primary'
        : 'create';
    const network = compose?.networkKeys[attachment.network] ?? attachment.network;
    reportUnsupported(
      unsupportedKeys(endpointGates(delivery), attachment, apiVersion),
      `of ${owner} on ${network}`,
      path,
      attachment.source,
      apiVersion,
      out,
      compose !== undefined,
    );
  }
}

/**
 * The endpoints checkEndpointFields looks at: each container's attachments (with `only`, those a
 * plan connects, selector-matched containers included), and without `only` (validate) each
 * selector rule's own, which apply to containers present and future.
 */
function endpointEntries(
  spec: DesiredState,
  only: ReadonlySet<string> | undefined,
): {
  owner: string;
  /** The container's name; absent for a selector's own entry. */
  container?: string;
  attachment: EndpointSettings & { network: string; source?: SourcePosition };
  path: string[];
}[] {
  const entries = [];
  for (const container of Object.values(spec.containers)) {
    for (const attachment of Object.values(container.attachments)) {
      if (only && !only.has(attachmentKey(container.name, attachment.network))) continue;
      const rule = attachment.origin?.listed === false ? attachment.origin.selectors[0] : undefined;
      entries.push({
        owner:
          rule === undefined
            ? `${spec.compose ? 'service' : 'container'} ${container.name}`
            : `container ${container.name} (selectors.${rule})`,
        container: container.name,
        attachment,
        path:
          rule === undefined
            ? ['containers', container.name, 'networks', attachment.network]
            : ['selectors', rule, 'networks', attachment.network],
      });
    }
  }
  if (only) return entries;
  for (const selector of Object.values(spec.selectors ?? {})) {
    for (const attachment of Object.values(selector.attachments)) {
      entries.push({
        owner: `selector ${selector.name}`,
        attachment,
        path: ['selectors', selector.name, 'networks', attachment.network],
      });
    }
  }
  return entries;
}

function reportUnsupported(
  found: UnsupportedKey[],
  where: string,
  path: string[],
  source: SourcePosition | undefined,
  apiVersion: string,
  out: Diagnostic[],
  compose = false,
): void {
  for (const unsupported of found) {
    const { value, minimum, release } = unsupported;
    const key = compose ? (unsupported.composeKey ?? unsupported.key) : unsupported.key;
    out.push(
      diagnosticAt(CODES.engineEndpointFieldUnsupported, [...path, ...unsupported.path], source, {
        message: `${key} ${value} ${where} needs Engine API ${minimum} (${release}); this engine speaks API ${apiVersion} and would ignore it`,
        hint: `remove ${key} from the ${compose ? 'Compose file' : 'spec'}, or upgrade the engine`,
      }),
    );
  }
}

/**
 * The spec's services against the engine (docs/swarm.md, "Checks against the engine"). A listed
 * service the manager does not report is pending: a warning, as in the plan (NF230), since a
 * later apply updates it once it exists; checked only where the services were read (a manager).
 * A service put on an external network that exists and is not of the swarm scope (a bridge, a
 * local macvlan, a config-only network) is an error: the engine refuses the update ("The network
 * … cannot be used with services. Only networks scoped to the swarm can be used", Engine 28.5).
 * Declared networks are the offline check's (NF140). With `only` (a plan), just the networks its
 * updates put services on.
 */
function checkServices(
  spec: DesiredState,
  observed: ObservedState,
  out: Diagnostic[],
  only: ReadonlySet<string> | undefined,
): void {
  const services = Object.values(spec.services ?? {});
  if (services.length === 0) return;
  const existing = observed.services && new Set(observed.services.map((s) => s.name));
  const byName = new Map(observed.networks.map((n) => [n.name, n]));
  for (const service of services) {
    if (existing && !only && !existing.has(service.name)) {
      out.push(
        diagnosticAt(CODES.engineServiceMissing, ['services', service.name], service.source, {
          severity: 'warning',
          message: `service ${service.name} does not exist on the swarm (pending): plan leaves its networks alone until it does`,
          hint: `create it first (docker service create --name ${service.name} …) or correct the name; \`plan --strict\` refuses a missing service`,
        }),
      );
    }
    for (const attachment of Object.values(service.attachments)) {
      if (only && !only.has(attachmentKey(service.name, attachment.network))) continue;
      const declared = spec.networks[attachment.network];
      if (declared?.external !== true) continue;
      const network = byName.get(attachment.network);
      if (!network || network.scope === 'swarm') continue;
      out.push(
        diagnosticAt(
          CODES.engineServiceLocalNetwork,
          ['services', service.name, 'networks', declared.specKey ?? attachment.network],
          attachment.source,
          {
            message: `service ${service.name} cannot use the external network ${network.name}: it is a ${network.configOnly ? 'config-only' : network.driver} network of scope ${network.scope}, and a service uses only networks of the swarm's scope`,
            hint: `put the service on an overlay network, or a macvlan/ipvlan network with scope: swarm, instead of ${network.name}`,
          },
        ),
      );
    }
  }
}

/**
 * A swarm has one ingress network: the engine refuses a second ("ingress network … is already
 * present", seen on 28.5.2), so declaring one beside another that is not this spec's is an error
 * before anything runs.
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
