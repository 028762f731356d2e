import type { PhaseName } from './peer.js';
import type { CallCounts } from './proxy.js';
import type { ProblemKind } from './check.js';
import type { ScenarioSize } from './scenario.js';
import type { SweepResult } from './sweep.js';

/** One timed run of one phase by one peer, with the checker's verdict. */
export interface PhaseSample {
  repeat: number;
  wallMs: number;
  maxRssKb?: number;
  cpuMs?: number;
  /** API calls the peer made, through the counting proxy. */
  calls?: CallCounts;
  /** Did the engine match the desired state afterwards (aliases included)? */
  checkOk: boolean;
  problems: Partial<Record<ProblemKind, number>>;
  examples: string[];
  error?: string;
  /** The 1-minute load average when the phase started: other engineers' tests share the engine. */
  loadavg: number;
}

export interface PeerPhaseResult {
  samples: PhaseSample[];
  unsupported?: string;
  /** Median wall time over the samples that ran without error. */
  medianMs?: number;
  /** Median to the faster of the two raw floors for this phase. */
  ratio?: number;
  medianCalls?: number;
  maxRssKb?: number;
  /** Every sample left the engine exactly as desired. */
  complete: boolean;
}

/** A repeated measurement of one command, outside the phases. */
export interface CommandFigure {
  command: string;
  samplesMs: number[];
  medianMs: number;
  maxRssKb?: number;
  calls?: number;
  note?: string;
}

export interface BenchResults {
  format: 'netform-bench';
  formatVersion: 1;
  run: string;
  startedAt: string;
  finishedAt?: string;
  sizeName: string;
  size: ScenarioSize;
  repeats: number;
  proxy: boolean;
  host: { cpus: number; memoryMb: number; node: string; engine: string; apiVersion: string };
  netform: { version?: string; commit: string; built: boolean };
  delta: { added: number; removed: number; moved: number; attachments: number };
  /** Writes per phase (the floor's op counts). */
  ops: Record<PhaseName, Record<string, number>>;
  peers: { id: string; title: string; floor: boolean; unavailable?: string }[];
  phases: Record<PhaseName, Record<string, PeerPhaseResult>>;
  startup: CommandFigure[];
  /** The start-up goals' verdicts (bench/startup.ts), ratios to `node -e ''` of the same run. */
  startupGoals?: { goal: string; figure: string; met: boolean | undefined }[];
  planOnly: {
    networks: number;
    attachments: number;
    onEngine: boolean;
    figures: CommandFigure[];
    /** CPU time of netform's pure plan, in-process. */
    purePlan?: {
      cases: { name: string; cpuMs: number[]; medianCpuMs: number; actions: number }[];
      note?: string;
    };
  };
  /** The raw floor's concurrency sweep (bench/sweep.ts): the raw-best floor's limits. */
  sweep?: SweepResult;
  /**
   * The apply lock's engine-side cost: the requests netform's lock sends (a config-only network
   * created, listed by name, removed), timed on their own; beside them the same with a bridge
   * network, what a lease that makes a bridge would cost.
   */
  lock?: { configOnlyMs: number[]; bridgeMs: number[] };
  /** One profiled, untimed no-op plan of the quickstart-size spec (the bundle): where start-up goes. */
  startupProfile?: { wallMs: number; summary: string };
  /** One profiled, untimed netform run per phase (the tsc-built CLI): where the time goes. */
  profiles?: { phase: PhaseName; wallMs: number; summary: string }[];
  /** `bench:scale`'s figures from this run (bench/subbench.ts). */
  scale?: ScaleFigures;
  /** `bench:fleet`'s figures from this run. */
  fleet?: FleetFigures;
  /** `bench:watch`'s figures from this run. */
  watch?: WatchFigures;
  notes: string[];
}

/** What bench/scale.ts writes: netform's no-op plan at scale beside the raw reads it needs. */
export interface ScaleFigures {
  size: ScenarioSize;
  repeats: number;
  ratio: number;
  netformPlan: {
    medianMs: number;
    medianCpuMs?: number;
    maxRssKb?: number;
    medianCalls?: number;
    loadavg: { min: number; max: number };
  };
  rawReads: { medianMs: number; medianCalls?: number };
  profileSummary?: string;
}

interface FleetMeasured {
  cold: number;
  noop: number;
  destroy: number;
  /** Share of the machine's cores busy during the cold applies (median, 0–1). */
  coldBusy?: number;
}

/** What bench/fleet.ts writes: netform across 1, 2, 4 … engines against each engine alone. */
export interface FleetFigures {
  engine: string;
  size: { networks: number; containers: number; attachments: number; repeats: number };
  load: string;
  cores: number;
  alone: Record<string, FleetMeasured>;
  together: Record<string, FleetMeasured & { slowestAlone: { cold: number; noop: number; destroy: number } }>;
  profile?: string;
}

/** What bench/watch.ts writes: `netform watch`'s repair latency and idle CPU. */
export interface WatchFigures {
  engine: string;
  debounce: string;
  runs: number;
  repairMs: { median: number; p95: number; min?: number; max?: number };
  idle: { seconds: number; cpuSeconds: number; cpuPercent: number };
  load: string;
}
