import { MANAGED_LABEL, PROJECT_LABEL } from '../src/model/desired.js';

/** Label on everything the benchmark creates; its value is the run id. */
export const BENCH_LABEL = 'io.netform.bench';

/**
 * The benchmark's own view of the engine's state, as small as the job needs: which networks exist
 * (name, subnet, labels) and which container sits on which of them with which aliases. Every peer
 * is asked to take the engine from one BenchState to another; the checker reads the engine back
 * into this shape.
 */
export interface BenchState {
  /** Keyed by network name. */
  networks: Map<string, BenchNetwork>;
  /** container name -> network name -> aliases (sorted). Containers with no attachment are absent. */
  attachments: Map<string, Map<string, string[]>>;
}

export interface BenchNetwork {
  name: string;
  /** A /27 from 10.213.128.0/17, the benchmark's range. */
  subnet: string;
  labels: Record<string, string>;
}

export interface ScenarioSize {
  networks: number;
  containers: number;
  /** Attachments per container. */
  attachments: number;
}

/**
 * One run's resources and the two desired states the phases move between. Names are
 * `nfb-<run>-n007` and `nfb-<run>-c012`; netform's project is `nfb-<run>`.
 */
export interface Scenario {
  run: string;
  prefix: string;
  project: string;
  size: ScenarioSize;
  containers: string[];
  initial: BenchState;
  delta: BenchState;
  /** What the delta changes, for the report. */
  deltaSummary: { added: number; removed: number; moved: number; attachments: number };
}

export const EMPTY_STATE: BenchState = { networks: new Map(), attachments: new Map() };

/** /27s: 1,024 of them in 10.213.128.0/17, enough for the 1,000-network plan. */
const SUBNET_BITS = 27;
export const MAX_SUBNETS = 2 ** (SUBNET_BITS - 17);
const DELTA_NETWORKS = 5;

export function benchSubnet(index: number): string {
  if (index < 0 || index >= MAX_SUBNETS)
    throw new Error(`no bench subnet ${index}: the range holds ${MAX_SUBNETS}`);
  const offset = index * 2 ** (32 - SUBNET_BITS);
  return `10.213.${128 + Math.floor(offset / 256)}.${offset % 256}/${SUBNET_BITS}`;
}

const pad = (n: number): string => String(n).padStart(3, '0');

/**
 * The labels every peer writes on every network: the run's bench label and netform's two
 * ownership labels, so that a state converged by any peer is a no-op for netform's plan and the
 * checker can hold every peer to the same result.
 */
export function networkLabels(run: string, project: string): Record<string, string> {
  return { [BENCH_LABEL]: run, [MANAGED_LABEL]: 'true', [PROJECT_LABEL]: project };
}

/** `part` sets apart a second scenario of the same run (the plan-only one): `nfb-<run>-<part>n000`. */
/**
 * The labels a network must carry to count as done: netform's two ownership labels. The bench
 * label is on every network the other peers create, but not on netform's: netform refuses user
 * labels under `io.netform.` (NF047), and its own `io.netform.project=nfb-<run>` marks the run.
 */
export function labelsMatch(have: Record<string, string>, want: Record<string, string>): boolean {
  return [MANAGED_LABEL, PROJECT_LABEL].every((key) => have[key] === want[key]);
}

export function buildScenario(run: string, size: ScenarioSize, part = ''): Scenario {
  const { networks: n, containers: m, attachments: k } = size;
  if (k > n) throw new Error(`${k} attachments per container need at least ${k} networks`);
  if (n + DELTA_NETWORKS > MAX_SUBNETS) throw new Error(`at most ${MAX_SUBNETS - DELTA_NETWORKS} networks`);
  const prefix = `nfb-${run}-`;
  const project = `nfb-${run}`;
  const labels = networkLabels(run, project);
  const netName = (i: number): string => `${prefix}${part}n${pad(i)}`;
  const alias = (c: number, i: number): string => `c${pad(c)}-n${pad(i)}`;
  const network = (i: number): BenchNetwork => ({ name: netName(i), subnet: benchSubnet(i), labels });

  const containers = Array.from({ length: m }, (_, c) => `${prefix}${part}c${pad(c)}`);
  // Container c sits on k consecutive networks starting at c*k: every network gets the same share.
  const initialPlacement = containers.map((_, c) => Array.from({ length: k }, (_, t) => (c * k + t) % n));

  const initial: BenchState = { networks: new Map(), attachments: new Map() };
  for (let i = 0; i < n; i++) initial.networks.set(netName(i), network(i));
  initialPlacement.forEach((nets, c) => {
    initial.attachments.set(containers[c]!, new Map(nets.map((i) => [netName(i), [alias(c, i)]])));
  });

  // The delta: remove 5 networks spread over the range and add 5 new ones; every attachment on a
  // removed network moves to its replacement, then more attachments move between surviving
  // networks until 10% of all attachments have moved (more when the removed ones alone exceed it).
  const removed = Array.from({ length: Math.min(DELTA_NETWORKS, n) }, (_, r) =>
    Math.floor((r * n) / DELTA_NETWORKS),
  );
  const added = removed.map((_, r) => n + r);
  const placement = initialPlacement.map((nets) => [...nets]);
  let moved = 0;
  placement.forEach((nets) => {
    nets.forEach((i, t) => {
      const r = removed.indexOf(i);
      if (r >= 0) {
        nets[t] = added[r]!;
        moved++;
      }
    });
  });
  const total = m * k;
  const target = Math.ceil(total / 10);
  // Walk the attachments with a stride so the extra moves spread over containers and networks.
  const stride = Math.max(1, Math.floor(total / Math.max(1, target - moved)));
  for (let a = 0; a < total && moved < target; a += stride) {
    const nets = placement[Math.floor(a / k)]!;
    const t = a % k;
    const from = nets[t]!;
    if (from >= n || removed.includes(from)) continue;
    for (let step = Math.floor(n / 2); step < n + Math.floor(n / 2); step++) {
      const to = (from + step) % n;
      if (to !== from && !removed.includes(to) && !nets.includes(to)) {
        nets[t] = to;
        moved++;
        break;
      }
    }
  }
  const delta: BenchState = { networks: new Map(), attachments: new Map() };
  for (let i = 0; i < n + added.length; i++) {
    if (!removed.includes(i)) delta.networks.set(netName(i), network(i));
  }
  placement.forEach((nets, c) => {
    delta.attachments.set(containers[c]!, new Map(nets.map((i) => [netName(i), [alias(c, i)]])));
  });
  return {
    run,
    prefix,
    project,
    size,
    containers,
    initial,
    delta,
    deltaSummary: { added: added.length, removed: removed.length, moved, attachments: total },
  };
}

export function attachmentCount(state: BenchState): number {
  let count = 0;
  for (const nets of state.attachments.values()) count += nets.size;
  return count;
}
