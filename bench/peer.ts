import type { BenchState, Scenario } from './scenario.js';

/**
 * The four timed phases, each a move between two desired states:
 * cold (none -> initial), noop (initial, already converged), delta (initial -> delta),
 * destroy (delta -> none).
 */
export type PhaseName = 'cold' | 'noop' | 'delta' | 'destroy';
export const PHASES: readonly PhaseName[] = ['cold', 'noop', 'delta', 'destroy'];

/** Everything a peer needs to do one phase. */
export interface PhaseJob {
  phase: PhaseName;
  scenario: Scenario;
  from: BenchState;
  to: BenchState;
  /** Where the peer's requests go: the counting proxy's socket (or the engine's, with --no-proxy). */
  socketPath: string;
  apiVersion: string;
  /** A scratch directory for the peer's generated files. */
  workDir: string;
}

/** One timed run of one phase. */
export interface PhaseRun {
  wallMs: number;
  /** Peak RSS of the peer's process, when it runs as a child. */
  maxRssKb?: number;
  cpuMs?: number;
  /** The peer ran but failed (nonzero exit, engine error): the engine message or the output's tail. */
  error?: string;
  /** The peer cannot do this phase at all (a netform command not built yet...): not timed. */
  unsupported?: string;
}

/** A tool (or a floor) the benchmark compares. */
export interface Peer {
  id: string;
  /** For the table's header. */
  title: string;
  /** True for the raw Engine API floors: ratios are taken to the best of these. */
  floor: boolean;
  /** Returns why the peer cannot run on this machine (printed as a notice), or undefined. */
  unavailable(): Promise<string | undefined>;
  run(job: PhaseJob): Promise<PhaseRun>;
}
