import { parseArgs } from 'node:util';
import type { ScenarioSize } from './scenario.js';
import type { SubBenchName } from './subbench.js';

export interface BenchOptions {
  sizeName: string;
  size: ScenarioSize;
  repeats: number;
  /** Peer ids to run, in order. */
  peers: string[];
  /** Send every peer through the counting proxy (the default), or straight to the engine. */
  proxy: boolean;
  /**
   * Networks for the plan-only figures. `engine`: built on the engine (networks plus created
   * containers with 3 attachments each) and planned by netform; otherwise only the pure plan and
   * a CLI plan of that spec against an engine without it.
   */
  planNetworks: number;
  planOnEngine: boolean;
  /** Write netform's CPU profiles (node --cpu-prof) for every timed netform phase. */
  profile: boolean;
  /**
   * After the timed repeats, run netform's four phases once more, untimed and profiled (the
   * tsc-built CLI, so functions keep their names); the report summarises each profile as where
   * the time of a missed goal goes.
   */
  profileCycle: boolean;
  /** Passes of the concurrency sweep for the raw-best floor (bench/sweep.ts). */
  sweepPasses: number;
  /** Also run the start-up and plan-only figures (skipped with --no-extras). */
  extras: boolean;
  /** The other bench commands run from this one for their goals (bench/subbench.ts). */
  subBenches: SubBenchName[];
  /** More arguments for each of them (`--scale-args='--repeats 3'`), after the run's own. */
  subBenchArgs: Record<SubBenchName, string[]>;
  engineSocket: string;
}

export const SIZES: Record<string, { size: ScenarioSize; planNetworks: number; planOnEngine: boolean }> = {
  // Runs in about five minutes on two cores with Ansible, under three without.
  default: {
    size: { networks: 20, containers: 40, attachments: 3 },
    planNetworks: 1000,
    planOnEngine: false,
  },
  // What the known figures were measured on.
  medium: { size: { networks: 40, containers: 80, attachments: 3 }, planNetworks: 1000, planOnEngine: false },
  // The 1,000-network plan on the engine is bench:scale's, run from every `npm run bench`.
  large: {
    size: { networks: 200, containers: 300, attachments: 3 },
    planNetworks: 1000,
    planOnEngine: false,
  },
};

export const ALL_PEERS = ['raw-1', 'raw-8', 'raw-best', 'cli', 'ansible', 'netform'];

export const USAGE = `usage: npm run bench -- [options]
  --size default|medium|large   scenario size (default: 20 networks, 40 containers, 3 attachments each;
                                medium: 40/80/3; large: 200/300/3)
  --networks N --containers M --attachments K    override the size
  --repeats R                   runs of each phase per peer (default 3); medians are reported;
                                0 runs only the start-up and plan-only figures
  --peers a,b,...               among ${ALL_PEERS.join(', ')} (default: all)
  --plan-networks N             networks for the plan-only figures (default 1000)
  --plan-on-engine              also build the plan-only scenario on the engine here (bench:scale does it anyway)
  --no-extras                   skip the start-up and plan-only figures, and the other bench commands below
  --no-scale                    skip bench:scale (no-op plan at 1,000 networks + 1,000 containers x 3, profiled)
  --no-fleet                    skip bench:fleet (4 engines against the slowest alone, profiled; starts 4 dockerds)
  --no-watch                    skip bench:watch (watch's repair latency and idle CPU)
  --scale-args='ARGS' (and --fleet-args=, --watch-args=)
                                more arguments for that command (see npm run bench:NAME -- --help)
  --no-proxy                    talk to the engine directly (no API call counts)
  --profile                     write netform CPU profiles of every timed run to bench/results/tmp/<run>/profiles
  --no-profile-cycle            skip the one profiled, untimed netform cycle after the repeats
                                (its summaries are the report's "where netform's time goes")
  --sweep-passes N              passes of the concurrency sweep for the raw-best floor (default 2)
`;

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string', default: 'default' },
      networks: { type: 'string' },
      containers: { type: 'string' },
      attachments: { type: 'string' },
      repeats: { type: 'string', default: '3' },
      peers: { type: 'string' },
      'plan-networks': { type: 'string' },
      'plan-on-engine': { type: 'boolean' },
      'no-extras': { type: 'boolean', default: false },
      'no-scale': { type: 'boolean', default: false },
      'no-fleet': { type: 'boolean', default: false },
      'no-watch': { type: 'boolean', default: false },
      'scale-args': { type: 'string', default: '' },
      'fleet-args': { type: 'string', default: '' },
      'watch-args': { type: 'string', default: '' },
      'no-proxy': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'no-profile-cycle': { type: 'boolean', default: false },
      'sweep-passes': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const preset = SIZES[values.size];
  if (!preset) throw new Error(`unknown size ${values.size}: one of ${Object.keys(SIZES).join(', ')}`);
  const int = (text: string | undefined, fallback: number, name: string, min = 1): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name} wants an integer of at least ${min}, not ${text}`);
    return n;
  };
  const peers = values.peers ? values.peers.split(',').map((p) => p.trim()) : ALL_PEERS;
  const unknown = peers.filter((p) => !ALL_PEERS.includes(p));
  if (unknown.length > 0)
    throw new Error(`unknown peer ${unknown.join(', ')}: among ${ALL_PEERS.join(', ')}`);
  const custom = values.networks ?? values.containers ?? values.attachments;
  const engineHost = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  if (!engineHost.startsWith('unix://'))
    throw new Error(`the benchmark needs a local engine socket, not ${engineHost}`);
  return {
    sizeName: custom ? 'custom' : values.size,
    size: {
      networks: int(values.networks, preset.size.networks, 'networks'),
      containers: int(values.containers, preset.size.containers, 'containers'),
      attachments: int(values.attachments, preset.size.attachments, 'attachments'),
    },
    repeats: int(values.repeats, 3, 'repeats', 0),
    peers,
    proxy: !values['no-proxy'],
    planNetworks: int(values['plan-networks'], preset.planNetworks, 'plan-networks'),
    planOnEngine: values['plan-on-engine'] ?? preset.planOnEngine,
    profile: values.profile,
    profileCycle: !values['no-profile-cycle'],
    sweepPasses: int(values['sweep-passes'], 2, 'sweep-passes'),
    extras: !values['no-extras'],
    subBenches: values['no-extras']
      ? []
      : (['scale', 'fleet', 'watch'] as const).filter((name) => !values[`no-${name}`]),
    subBenchArgs: {
      scale: words(values['scale-args']),
      fleet: words(values['fleet-args']),
      watch: words(values['watch-args']),
    },
    engineSocket: engineHost.slice('unix://'.length),
  };
}

const words = (text: string): string[] => text.split(/\s+/).filter(Boolean);
