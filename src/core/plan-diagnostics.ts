import type { Diagnostic, SourcePosition } from '../model/diagnostic.js';
import type { ObservedSwarmNode } from '../model/observed.js';
import type { FieldChange } from '../model/plan.js';
import { describeChange } from './describe.js';

/**
 * Diagnostics raised while planning. Codes NF2xx belong to the plan step and are stable: a code
 * is never reused for another problem.
 */
export const PLAN_CODES = {
  externalMissing: 'NF201',
  unmanagedDiffers: 'NF202',
  otherProject: 'NF203',
  pendingContainer: 'NF204',
  unknownTarget: 'NF205',
  adoptNothing: 'NF206',
  duplicateNetworkName: 'NF207',
  replacementAddressConflict: 'NF208',
  addressInUse: 'NF209',
  privateNetworkMode: 'NF210',
  subnetStillHeld: 'NF211',
  refusedEntry: 'NF212',
  cannotStart: 'NF213',
  ingressInUse: 'NF214',
  ingressNodesUnreached: 'NF215',
  // Selectors (docs/plan.md, "Selectors"): NF220-NF229.
  selectorConflict: 'NF220',
} as const;

const at = (position: SourcePosition | undefined): { position?: SourcePosition } =>
  position ? { position } : {};

export function externalNetworkMissing(name: string, position?: SourcePosition): Diagnostic {
  return {
    severity: 'error',
    code: PLAN_CODES.externalMissing,
    path: `networks.${name}`,
    message: `external network ${name} does not exist on the engine`,
    hint: `create it first (netform never creates an external network), or drop \`external: true\` to let netform manage it`,
    ...at(position),
  };
}

export function unmanagedNetworkDiffers(
  name: string,
  changes: FieldChange[],
  position?: SourcePosition,
): Diagnostic {
  return {
    severity: 'error',
    code: PLAN_CODES.unmanagedDiffers,
    path: `networks.${name}`,
    message:
      `network ${name} exists without netform's labels and differs from the spec: ` +
      changes.map(describeChange).join('; '),
    hint: `change the spec to match it, or run with --adopt ${name} to replace it with a network netform manages`,
    ...at(position),
  };
}

export function networkOfOtherProject(
  name: string,
  owner: string,
  project: string,
  position?: SourcePosition,
): Diagnostic {
  return {
    severity: 'error',
    code: PLAN_CODES.otherProject,
    path: `networks.${name}`,
    message: `network ${name} belongs to netform project ${owner}, not ${project}; netform will not change it`,
    hint: `rename the network in this spec, or remove it from project ${owner}'s spec first`,
    ...at(position),
  };
}

export function pendingContainer(name: string, strict: boolean, position?: SourcePosition): Diagnostic {
  return {
    severity: strict ? 'error' : 'warning',
    code: PLAN_CODES.pendingContainer,
    path: `containers.${name}`,
    message: `container ${name} does not exist (pending): its attachments are not planned`,
    hint: strict
      ? 'create the container first, or run without --strict to plan the rest'
      : 'a later apply connects it once it exists; --strict makes this an error',
    ...at(position),
  };
}

export function unknownTarget(name: string, suggestion?: string): Diagnostic {
  return {
    severity: 'error',
    code: PLAN_CODES.unknownTarget,
    path: '',
    message: `--target ${name} names no network, container or service of this spec or project`,
    ...(suggestion !== undefined && { hint: `did you mean ${suggestion}?` }),
  };
}

export function adoptNothing(name: string, why: string): Diagnostic {
  return {
    severity: 'warning',
    code: PLAN_CODES.adoptNothing,
    path: `networks.${name}`,
    message: `--adopt ${name}: ${why}, so there is nothing to adopt`,
  };
}

export function duplicateNetworkName(name: string, ids: string[]): Diagnostic {
  return {
    severity: 'error',
    code: PLAN_CODES.duplicateNetworkName,
    path: `networks.${name}`,
    message: `the engine has ${ids.length} networks named ${name} (${ids.map((id) => id.slice(0, 12)).join(', ')})`,
    hint: 'remove all but one with `docker network rm <id>`: netform cannot tell which one the spec means',
  };
}

/**
 * A replace would reconnect an endpoint with a static address the new network cannot give it:
 * outside its subnets, its gateway, an aux address, or another endpoint's address. The engine
 * refuses the connect of a running container, and for a stopped or never-started one accepts it
 * but then refuses to start the container.
 */
export function replacementAddressConflict(
  network: string,
  container: string,
  listed: boolean,
  address: string,
  why: string,
  position?: SourcePosition,
): Diagnostic {
  return {
    severity: 'error',
    code: PLAN_CODES.replacementAddressConflict,
    path: `networks.${network}`,
    message:
      `replacing ${network} would reconnect ${container} with static address ${address}, ${why}: ` +
      'the engine would refuse to connect or start it',
    hint: listed
      ? `give ${container} another address on ${network} in the spec`
      : `list ${container} under containers: with another address on ${network} (or none), or disconnect it first: docker network disconnect ${network} ${container}`,
    ...at(position),
  };
}

/** A connect or reconnect asks for a static address another container on the network keeps. */
export function addressInUse(
  network: string,
  container: string,
  address: string,
  holder: string,
  holderState: string,
  holderSpec: 'unlisted' | 'static' | 'dynamic',
  position?: SourcePosition,
): Diagnostic {
  const running = holderState === 'running';
  const has = running
    ? `which ${holder} (running) has`
    : `which ${holder} (${holderState}) is configured with and would no longer start with`;
  const free =
    holderSpec === 'static'
      ? `give ${holder} another address on ${network} in the spec`
      : holderSpec === 'dynamic'
        ? `give ${holder}, which got it dynamically, a static address on ${network} in the spec (reconnects run before connects, so that frees ${address})`
        : `disconnect ${holder} first (docker network disconnect ${network} ${holder}), or list it under containers: with another address`;
  return {
    severity: 'error',
    code: PLAN_CODES.addressInUse,
    path: `containers.${container}.networks.${network}`,
    message: `${container} asks for static address ${address} on ${network}, ${has}: the engine would refuse it (Address already in use)`,
    hint: `give ${container} another address, or ${free}`,
    ...at(position),
  };
}

/** A connect or reconnect asks for the address an existing network has as its gateway. */
export function addressIsGateway(
  network: string,
  container: string,
  address: string,
  position?: SourcePosition,
): Diagnostic {
  return {
    severity: 'error',
    code: PLAN_CODES.addressInUse,
    path: `containers.${container}.networks.${network}`,
    message: `${container} asks for static address ${address} on ${network}, which is the network's gateway: the engine would refuse it (Address already in use)`,
    hint: `give ${container} another address on ${network}`,
    ...at(position),
  };
}

/** A connect of a container in network mode host or none, which Docker refuses. */
export function privateNetworkMode(
  container: string,
  network: string,
  mode: string,
  position?: SourcePosition,
): Diagnostic {
  return {
    severity: 'error',
    code: PLAN_CODES.privateNetworkMode,
    path: `containers.${container}.networks.${network}`,
    message: `${container} runs with --network ${mode}, and Docker cannot connect such a container to ${network} (or any other network)`,
    hint: `recreate ${container} on a user-defined network (docker run --network ${network} ...), or leave ${network} out of its networks in the spec`,
    ...at(position),
  };
}

/** A create or replace needs a subnet that a network this plan removes or replaces later still holds. */
export function subnetStillHeld(
  network: string,
  subnet: string,
  holder: string,
  held: string,
  how: 'removes' | 'replaces',
  position?: SourcePosition,
): Diagnostic {
  const order = how === 'removes' ? 'removes networks last' : 'creates networks before it replaces any';
  return {
    severity: 'error',
    code: PLAN_CODES.subnetStillHeld,
    path: `networks.${network}`,
    message:
      `${network} needs subnet ${subnet}, which overlaps ${held} of ${holder}, a network this plan ${how}: ` +
      `apply ${order}, and the engine refuses overlapping pools`,
    hint: `apply in two steps: \`netform apply --target ${holder}\` first, then \`netform apply\`; or give ${network} another subnet`,
    ...at(position),
  };
}

/**
 * A running container keeps an entry for a network without an endpoint (a connect the engine
 * refused), and the spec does not put it on that network: nothing to plan (a disconnect is
 * refused), but the container cannot restart while the entry stays (docs/plan.md, "Entries
 * without an endpoint").
 */
export function refusedEntry(
  container: string,
  network: string,
  listed: boolean,
  position?: SourcePosition,
): Diagnostic {
  return {
    severity: 'warning',
    code: PLAN_CODES.refusedEntry,
    path: listed ? `containers.${container}` : `networks.${network}`,
    message:
      `${container} keeps an entry for ${network} without an endpoint, left by a connect the engine refused: ` +
      `it is not on ${network}, and cannot restart while the entry stays`,
    hint: `clear it: docker network connect ${network} ${container} && docker network disconnect ${network} ${container}`,
    ...at(position),
  };
}

/**
 * A listed container that is not running keeps the attachment the spec asks for, with a static
 * address a running container on the network has: nothing to change, but the container cannot
 * start. A warning: the engine matches the spec, and starting containers is not netform's job.
 */
export function cannotStart(
  network: string,
  container: string,
  state: string,
  address: string,
  holder: string,
  holderSpec: 'unlisted' | 'static' | 'dynamic',
  position?: SourcePosition,
): Diagnostic {
  const free =
    holderSpec === 'dynamic'
      ? `give ${holder}, which got it dynamically, a static address on ${network} in the spec (its reconnect frees ${address})`
      : holderSpec === 'static'
        ? `give ${container} or ${holder} another address on ${network} in the spec`
        : `give ${container} another address, or disconnect ${holder} (docker network disconnect ${network} ${holder})`;
  return {
    severity: 'warning',
    code: PLAN_CODES.cannotStart,
    path: `containers.${container}.networks.${network}`,
    message: `${container} (${state}) is configured with ${address} on ${network}, which ${holder} (running) has: ${container} cannot start (Address already in use)`,
    hint: free,
    ...at(position),
  };
}

/** `file:line:column`, for naming a second place in a diagnostic's message. */
const where = (position: SourcePosition | undefined): string =>
  position ? ` (${position.file}:${position.line}:${position.column})` : '';

/**
 * Two entries of the spec (a container's own and a selector rule, or two rules) give one
 * container's attachment to one network different settings. Reported at the second entry.
 */
export function selectorConflict(
  container: string,
  network: string,
  first: { name: string; source?: SourcePosition },
  second: { name: string; source?: SourcePosition },
  differences: string[],
): Diagnostic {
  const rule = [first, second].find((entry) => entry.name.startsWith('selectors.'))?.name ?? second.name;
  return {
    severity: 'error',
    code: PLAN_CODES.selectorConflict,
    path: `${second.name}.networks.${network}`,
    message:
      `${first.name}${where(first.source)} and ${second.name}${where(second.source)} give ${container} ` +
      `different settings on ${network}: ${differences.join('; ')}`,
    hint: `give ${network} the same settings in both, leave it out of one of them, or narrow ${rule}.match so that it does not match ${container}`,
    ...at(second.source),
  };
}

/**
 * The plan replaces or removes the swarm's ingress network while services publish ports through
 * it: the engine refuses ("ingress network cannot be removed because service … depends on it",
 * seen on 28.5.2), so nothing runs.
 */
export function ingressInUse(
  network: string,
  removal: boolean,
  services: readonly { name: string; ports: readonly string[] }[],
  position?: SourcePosition,
): Diagnostic {
  const names = services.map((s) => `${s.name} (${s.ports.join(', ')})`).join(', ');
  return {
    severity: 'error',
    code: PLAN_CODES.ingressInUse,
    path: `networks.${network}`,
    message: `the plan ${removal ? 'removes' : 'replaces'} the swarm's ingress network ${network}, but services publish ports through it: ${names}; the engine refuses to remove an ingress network while a service depends on it`,
    hint: `remove their published ports (docker service update --publish-rm PORT SERVICE) or publish them in host mode (mode=host), then plan again`,
    ...at(position),
  };
}

/** A swarm node as a message names it: hostname, address, role and ID (shared hostnames differ by it). */
export function describeSwarmNode(node: ObservedSwarmNode): string {
  const state = node.state !== '' && node.state !== 'ready' ? `, ${node.state}` : '';
  return `${node.hostname || 'node'} (${node.addr || 'no address'}, ${node.role || 'node'}${state}, ID ${node.id.slice(0, 12)})`;
}

/**
 * The plan replaces or removes the swarm's ingress network while some nodes of the swarm are not
 * engines of this session (`missing`; undefined: the swarm's nodes were not read): netform's wait
 * for the tasks on it (src/apply/network-removal.ts) cannot look at those nodes, and removed while
 * a task is still stopping there, the ingress network stays listed on that node for good (docs/swarm.md,
 * "The ingress network"). `singleEngine`: the spec has no `engines:`.
 */
export function ingressNodesUnreached(
  network: string,
  removal: boolean,
  missing: readonly ObservedSwarmNode[] | undefined,
  singleEngine: boolean,
  position?: SourcePosition,
): Diagnostic {
  const what = `the plan ${removal ? 'removes' : 'replaces'} the swarm's ingress network ${network}`;
  const why =
    'netform removes it only once no task is left on it on every node, and it can look only at the nodes that ' +
    'are engines of this run: removed while a task is still stopping on another node, it stays listed there ' +
    'under its name, and no ingress network can be made until the swarm is formed anew (docs/swarm.md, "The ingress network")';
  const where = singleEngine
    ? "give the spec an `engines:` section with this manager and every other node of the swarm (each with its Docker engine's host: or context:)"
    : "list every node of the swarm under the spec's `engines:` (each with its Docker engine's host: or context:)";
  if (missing === undefined) {
    return {
      severity: 'error',
      code: PLAN_CODES.ingressNodesUnreached,
      path: `networks.${network}`,
      message: `${what}, but the swarm's nodes were not read, so netform cannot tell that it reaches each of them; ${why}`,
      hint: `${where}, then plan again`,
      ...at(position),
    };
  }
  const names = missing.map(describeSwarmNode);
  return {
    severity: 'error',
    code: PLAN_CODES.ingressNodesUnreached,
    path: `networks.${network}`,
    message:
      `${what}, but ${missing.length === 1 ? 'a node' : `${missing.length} nodes`} of the swarm ` +
      `${missing.length === 1 ? 'is' : 'are'} not among this run's engines: ${names.join(', ')}; ${why}`,
    hint: `${where}: add ${missing.length === 1 ? 'the engine of' : 'the engines of'} ${missing
      .map((node) => `${node.hostname || node.id.slice(0, 12)} at ${node.addr || 'its address'}`)
      .join(
        ', ',
      )}, then plan again; a node that is gone for good can be taken out of the swarm with \`docker node rm\` on a manager`,
    ...at(position),
  };
}
