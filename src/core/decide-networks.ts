import type { DesiredNetwork, DesiredState } from '../model/desired.js';
import { MANAGED_LABEL, PREDEFINED_NETWORKS, PROJECT_LABEL } from '../model/desired.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { ObservedNetwork, ObservedState } from '../model/observed.js';
import type { FieldChange, PlanNote } from '../model/plan.js';
import { diffNetwork } from './diff-network.js';
import { comparableDesiredNetwork, compareText, normalizeObservedNetwork } from './normalize-observed.js';
import { ownershipOf } from './ownership.js';
import {
  adoptNothing,
  duplicateNetworkName,
  externalNetworkMissing,
  networkOfOtherProject,
  unmanagedNetworkDiffers,
} from './plan-diagnostics.js';

interface DecisionBase {
  name: string;
  diagnostics: Diagnostic[];
  notes: PlanNote[];
}

/** Declared and absent: the plan creates it. */
export interface CreateDecision extends DecisionBase {
  status: 'create';
  desired: DesiredNetwork;
  observed?: undefined;
}

/**
 * Exists, netform may change it (managed by this project, or adopted), and an immutable field
 * differs: the plan replaces it.
 */
export interface ReplaceDecision extends DecisionBase {
  status: 'replace';
  desired: DesiredNetwork;
  observed: ObservedNetwork;
  /** Immutable fields that differ (old -> new); the forcedBy of the replace. Never empty. */
  changes: FieldChange[];
  /** True when an unmanaged network is taken over because of `--adopt`. */
  adopt: boolean;
}

/**
 * Used as it is: no difference, external, predefined, an unmanaged match. `observed` is absent
 * only for a declared predefined network the engine does not have (`host` on a Windows engine).
 */
export interface KeepDecision extends DecisionBase {
  status: 'keep';
  desired: DesiredNetwork;
  observed: ObservedNetwork | undefined;
}

/** Exists but netform may not change it although it differs (an error in `diagnostics` says why). */
export interface BlockedDecision extends DecisionBase {
  status: 'blocked';
  desired: DesiredNetwork;
  observed: ObservedNetwork;
}

/** An external network that does not exist (an error in `diagnostics` says so). */
export interface MissingDecision extends DecisionBase {
  status: 'missing';
  desired: DesiredNetwork;
  observed?: undefined;
}

/** Managed by this project and no longer declared: the plan removes it. */
export interface RemoveDecision extends DecisionBase {
  status: 'remove';
  desired?: undefined;
  observed: ObservedNetwork;
}

/** What happens to one network; each status carries exactly what it needs. */
export type NetworkDecision =
  CreateDecision | ReplaceDecision | KeepDecision | BlockedDecision | MissingDecision | RemoveDecision;
export type NetworkStatus = NetworkDecision['status'];

/** Networks by exact name (Docker's own name filter matches substrings: never used). */
function indexNetworksByName(observed: ObservedState): Map<string, ObservedNetwork[]> {
  const byName = new Map<string, ObservedNetwork[]>();
  for (const network of observed.networks) {
    const list = byName.get(network.name) ?? [];
    list.push(network);
    byName.set(network.name, list);
  }
  return byName;
}

/** The fields in which the engine's network differs from the spec's, daemon defaults excluded. */
function diffDesiredNetwork(desired: DesiredNetwork, observed: ObservedNetwork): FieldChange[] {
  return diffNetwork(normalizeObservedNetwork(observed, desired), comparableDesiredNetwork(desired));
}

/** Classifies every declared network and every managed network of the project (sorted by name). */
export function decideNetworks(
  desired: DesiredState,
  observed: ObservedState,
  adopt: ReadonlySet<string>,
): { decisions: NetworkDecision[]; diagnostics: Diagnostic[] } {
  const byName = indexNetworksByName(observed);
  const decisions: NetworkDecision[] = [];
  const diagnostics: Diagnostic[] = [];
  const adoptUsed = new Set<string>();

  for (const name of Object.keys(desired.networks).sort(compareText)) {
    const spec = desired.networks[name] as DesiredNetwork;
    const found = byName.get(name) ?? [];
    if (found.length > 1) {
      diagnostics.push(
        duplicateNetworkName(
          name,
          found.map((n) => n.id),
        ),
      );
      decisions.push({ ...empty(name), status: 'blocked', desired: spec, observed: found[0]! });
      continue;
    }
    const decision = decideDeclared(name, spec, found[0], desired.project, adopt);
    if (decision.status === 'replace' && decision.adopt) adoptUsed.add(name);
    decisions.push(decision);
  }

  for (const [name, found] of [...byName.entries()].sort(([a], [b]) => compareText(a, b))) {
    if (name in desired.networks) continue;
    for (const network of found) {
      const owner = ownershipOf(network);
      if (owner.kind === 'managed' && owner.project === desired.project) {
        decisions.push({ ...empty(name), status: 'remove', observed: network });
      }
    }
  }

  for (const name of [...adopt].sort(compareText)) {
    if (adoptUsed.has(name)) continue;
    const current = byName.get(name)?.[0];
    const why = !(name in desired.networks)
      ? 'the spec declares no such network'
      : !current
        ? 'no network of that name exists'
        : `network ${name} is not an unmanaged network netform could take over`;
    diagnostics.push(adoptNothing(name, why));
  }
  return { decisions, diagnostics };
}

function empty(name: string): DecisionBase {
  return { name, diagnostics: [], notes: [] };
}

/** The decision for one declared network found (at most) once on the engine. */
function decideDeclared(
  name: string,
  spec: DesiredNetwork,
  current: ObservedNetwork | undefined,
  project: string,
  adopt: ReadonlySet<string>,
): NetworkDecision {
  const base = empty(name);
  if (!current) {
    if (spec.external) {
      base.diagnostics.push(externalNetworkMissing(name, spec.source));
      return { ...base, status: 'missing', desired: spec };
    }
    if (PREDEFINED_NETWORKS.includes(name))
      return { ...base, status: 'keep', desired: spec, observed: undefined };
    return { ...base, status: 'create', desired: spec };
  }
  const keep: KeepDecision = { ...base, status: 'keep', desired: spec, observed: current };
  if (spec.external) return keep;
  const owner = ownershipOf(current);
  if (owner.kind === 'predefined') return keep;
  if (owner.kind === 'managed' && owner.project !== project) {
    base.diagnostics.push(networkOfOtherProject(name, owner.project, project, spec.source));
    return { ...base, status: 'blocked', desired: spec, observed: current };
  }
  const changes = diffDesiredNetwork(spec, current);
  const replace = (forcedBy: FieldChange[], adopted: boolean): ReplaceDecision => ({
    ...base,
    status: 'replace',
    desired: spec,
    observed: current,
    changes: forcedBy,
    adopt: adopted,
  });
  if (owner.kind === 'managed') return changes.length > 0 ? replace(changes, false) : keep;
  // Exists without netform's labels: not netform's unless adopted.
  if (adopt.has(name)) {
    return replace(
      changes.length > 0
        ? changes
        : [
            { path: `labels.${MANAGED_LABEL}`, before: null, after: 'true' },
            { path: `labels.${PROJECT_LABEL}`, before: null, after: project },
          ],
      true,
    );
  }
  if (changes.length === 0) {
    base.notes.push({
      network: name,
      message: `network ${name} exists without netform's labels and matches the spec: used as it is (never changed or removed)`,
    });
    return keep;
  }
  base.diagnostics.push(unmanagedNetworkDiffers(name, changes, spec.source));
  return { ...base, status: 'blocked', desired: spec, observed: current };
}
