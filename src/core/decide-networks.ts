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

/**
 * What happens to one network:
 * - `create`: declared, absent;
 * - `replace`: exists, netform may change it (managed by this project, or adopted), and an
 *   immutable field differs;
 * - `keep`: exists and is used as it is (no difference, external, predefined, unmanaged match);
 * - `blocked`: exists but netform may not change it although it differs (an error says why);
 * - `missing`: an external network that does not exist (an error says so);
 * - `remove`: managed by this project and no longer declared.
 */
export type NetworkStatus = 'create' | 'replace' | 'keep' | 'blocked' | 'missing' | 'remove';

export interface NetworkDecision {
  name: string;
  status: NetworkStatus;
  desired?: DesiredNetwork;
  observed?: ObservedNetwork;
  /** Immutable fields that differ (old -> new); the forcedBy of a replace. */
  changes: FieldChange[];
  adopt: boolean;
  diagnostics: Diagnostic[];
  notes: PlanNote[];
}

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
      decisions.push(blank(name, 'blocked', spec, found[0]));
      continue;
    }
    const current = found[0];
    const decision = blank(name, 'keep', spec, current);
    decisions.push(decision);
    if (!current) {
      if (spec.external) {
        decision.status = 'missing';
        decision.diagnostics.push(externalNetworkMissing(name, spec.source));
      } else if (!PREDEFINED_NETWORKS.includes(name)) decision.status = 'create';
      continue;
    }
    if (spec.external) continue;
    const owner = ownershipOf(current);
    if (owner.kind === 'predefined') continue;
    if (owner.kind === 'managed' && owner.project !== desired.project) {
      decision.status = 'blocked';
      decision.diagnostics.push(networkOfOtherProject(name, owner.project, desired.project, spec.source));
      continue;
    }
    decision.changes = diffDesiredNetwork(spec, current);
    if (owner.kind === 'managed') {
      if (decision.changes.length > 0) decision.status = 'replace';
      continue;
    }
    // Exists without netform's labels: not netform's unless adopted.
    if (adopt.has(name)) {
      adoptUsed.add(name);
      decision.status = 'replace';
      decision.adopt = true;
      if (decision.changes.length === 0) {
        decision.changes = [
          { path: `labels.${MANAGED_LABEL}`, before: null, after: 'true' },
          { path: `labels.${PROJECT_LABEL}`, before: null, after: desired.project },
        ];
      }
    } else if (decision.changes.length === 0) {
      decision.notes.push({
        network: name,
        message: `network ${name} exists without netform's labels and matches the spec: used as it is (never changed or removed)`,
      });
    } else {
      decision.status = 'blocked';
      decision.diagnostics.push(unmanagedNetworkDiffers(name, decision.changes, spec.source));
    }
  }

  for (const [name, found] of [...byName.entries()].sort(([a], [b]) => compareText(a, b))) {
    if (name in desired.networks) continue;
    for (const network of found) {
      const owner = ownershipOf(network);
      if (owner.kind === 'managed' && owner.project === desired.project) {
        decisions.push(blank(name, 'remove', undefined, network));
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

function blank(
  name: string,
  status: NetworkStatus,
  desired: DesiredNetwork | undefined,
  observed: ObservedNetwork | undefined,
): NetworkDecision {
  return {
    name,
    status,
    ...(desired && { desired }),
    ...(observed && { observed }),
    changes: [],
    adopt: false,
    diagnostics: [],
    notes: [],
  };
}
