import { MANAGED_LABEL, PREDEFINED_NETWORKS, PROJECT_LABEL } from '../model/desired.js';
import type { ObservedNetwork } from '../model/observed.js';

/** Labels under this prefix are netform's own and never count as the user's labels. */
export const NETFORM_LABEL_PREFIX = 'io.netform.';

/** Who a network belongs to, as far as netform is concerned. */
export type Ownership = { kind: 'predefined' } | { kind: 'managed'; project: string } | { kind: 'unmanaged' };

/** A network is netform's only when it carries both ownership labels (PRODUCT.md §2, Ownership). */
export function ownershipOf(network: ObservedNetwork): Ownership {
  if (PREDEFINED_NETWORKS.includes(network.name)) return { kind: 'predefined' };
  const project = network.labels[PROJECT_LABEL];
  if (network.labels[MANAGED_LABEL] === 'true' && project !== undefined && project !== '') {
    return { kind: 'managed', project };
  }
  return { kind: 'unmanaged' };
}

export function isManagedBy(network: ObservedNetwork, project: string): boolean {
  const owner = ownershipOf(network);
  return owner.kind === 'managed' && owner.project === project;
}

/** The user's labels: everything but netform's own `io.netform.*` labels. */
export function userLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (!key.startsWith(NETFORM_LABEL_PREFIX)) out[key] = value;
  }
  return out;
}
