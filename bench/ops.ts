import { labelsMatch, type BenchNetwork, type BenchState } from './scenario.js';

/** One engine write. The raw floor sends exactly these; the docker CLI script runs one command per op. */
export type Op =
  | { kind: 'create'; network: BenchNetwork }
  | { kind: 'remove'; network: string }
  | { kind: 'connect'; network: string; container: string; aliases: string[] }
  | { kind: 'disconnect'; network: string; container: string };

/**
 * The minimal writes from one state to another, in dependency stages: every op of a stage may run
 * concurrently, and a stage starts only when the one before it has finished (networks exist
 * before anything connects to them; endpoints leave before they are connected again with other
 * aliases and before their network is removed).
 */
export function diffOps(from: BenchState, to: BenchState): Op[][] {
  const creates: Op[] = [];
  const disconnects: Op[] = [];
  const lasts: Op[] = [];
  const replaced = new Set<string>();
  for (const [name, network] of to.networks) {
    const before = from.networks.get(name);
    if (before && sameNetwork(before, network)) continue;
    if (before) replaced.add(name);
    creates.push({ kind: 'create', network });
  }
  const removedNetworks = [...from.networks.keys()].filter(
    (name) => !to.networks.has(name) || replaced.has(name),
  );

  const containers = new Set([...from.attachments.keys(), ...to.attachments.keys()]);
  for (const container of [...containers].sort()) {
    const had = from.attachments.get(container) ?? new Map<string, string[]>();
    const wants = to.attachments.get(container) ?? new Map<string, string[]>();
    for (const [network, aliases] of had) {
      const next = wants.get(network);
      if (!next || replaced.has(network) || !sameList(aliases, next)) {
        disconnects.push({ kind: 'disconnect', network, container });
      }
    }
    for (const [network, aliases] of wants) {
      const prev = had.get(network);
      if (!prev || replaced.has(network) || !sameList(prev, aliases)) {
        lasts.push({ kind: 'connect', network, container, aliases });
      }
    }
  }
  // Creates and disconnects are independent; a replaced network must be gone before it is created
  // again; connects need their network, and a network is removed once its endpoints have left.
  const removes = removedNetworks.map((network): Op => ({ kind: 'remove', network }));
  const isReplaced = (op: Op): boolean =>
    op.kind !== 'connect' && op.kind !== 'disconnect' && replaced.has(opNetwork(op));
  const stages = [
    [...creates.filter((op) => !isReplaced(op)), ...disconnects],
    removes.filter(isReplaced),
    creates.filter(isReplaced),
    [...lasts, ...removes.filter((op) => !isReplaced(op))],
  ];
  return stages.filter((stage) => stage.length > 0);
}

export function countOps(stages: Op[][]): Record<Op['kind'], number> {
  const counts = { create: 0, remove: 0, connect: 0, disconnect: 0 };
  for (const op of stages.flat()) counts[op.kind]++;
  return counts;
}

function opNetwork(op: Op): string {
  return op.kind === 'create' ? op.network.name : op.network;
}

/** Same subnet and ownership labels: the checker's rule. */
function sameNetwork(have: BenchNetwork, want: BenchNetwork): boolean {
  return have.subnet === want.subnet && labelsMatch(have.labels, want.labels);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
