import { run } from '../test/support/engine.js';
import { BENCH_LABEL, labelsMatch, type BenchState, type Scenario } from './scenario.js';
import { PROJECT_LABEL } from '../src/model/desired.js';

/** What differs between the engine and the state a phase should have left, by kind. */
export interface CheckResult {
  ok: boolean;
  counts: Partial<Record<ProblemKind, number>>;
  /** The first few problems, for the report. */
  examples: string[];
  /** The engine as read, for the harness to repair from. */
  observed: BenchState;
}

export type ProblemKind =
  | 'missing network'
  | 'extra network'
  | 'wrong subnet'
  | 'wrong labels'
  | 'missing attachment'
  | 'extra attachment'
  | 'wrong aliases';

interface NetworkInspect {
  Id: string;
  Name: string;
  IPAM: { Config: { Subnet?: string }[] | null };
  Labels: Record<string, string> | null;
}

interface ContainerInspect {
  Id: string;
  Name: string;
  NetworkSettings: { Networks: Record<string, { Aliases: string[] | null }> | null };
}

async function dockerCli(dockerHost: string, args: string[]): Promise<string> {
  const result = await run('docker', args, { env: { ...process.env, DOCKER_HOST: dockerHost } });
  if (result.code !== 0)
    throw new Error(`docker ${args.slice(0, 3).join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/**
 * The independent read: the docker CLI, straight to the engine (not through the counting proxy),
 * inspecting every network of the run (by name prefix and by label) and every container of the
 * scenario. Aliases are read from the container, which is where Docker keeps them.
 */
export async function readEngine(scenario: Scenario, dockerHost: string): Promise<BenchState> {
  const listed = await dockerCli(dockerHost, [
    'network',
    'ls',
    '--no-trunc',
    '--format',
    '{{.ID}} {{.Name}}',
  ]);
  const labelled = await dockerCli(dockerHost, [
    'network',
    'ls',
    '-q',
    '--no-trunc',
    '--filter',
    `label=${BENCH_LABEL}=${scenario.run}`,
  ]);
  const projected = await dockerCli(dockerHost, [
    'network',
    'ls',
    '-q',
    '--no-trunc',
    '--filter',
    `label=${PROJECT_LABEL}=${scenario.project}`,
  ]);
  const ids = new Set([...labelled.split('\n'), ...projected.split('\n')].filter(Boolean));
  for (const line of listed.split('\n')) {
    const [id, name] = line.split(' ');
    if (id && name?.startsWith(scenario.prefix)) ids.add(id);
  }
  const state: BenchState = { networks: new Map(), attachments: new Map() };
  if (ids.size > 0) {
    const networks = JSON.parse(
      await dockerCli(dockerHost, ['network', 'inspect', ...ids]),
    ) as NetworkInspect[];
    for (const network of networks) {
      const subnets = (network.IPAM.Config ?? []).map((pool) => pool.Subnet ?? '').join(',');
      state.networks.set(network.Name, { name: network.Name, subnet: subnets, labels: network.Labels ?? {} });
    }
  }
  const containers = JSON.parse(
    await dockerCli(dockerHost, ['container', 'inspect', ...scenario.containers]),
  ) as ContainerInspect[];
  for (const container of containers) {
    const name = container.Name.replace(/^\//, '');
    const own = new Set([name, container.Id.slice(0, 12)]);
    const attachments = new Map<string, string[]>();
    for (const [network, endpoint] of Object.entries(container.NetworkSettings.Networks ?? {})) {
      if (!state.networks.has(network) && !network.startsWith(scenario.prefix)) continue;
      attachments.set(network, [...new Set((endpoint.Aliases ?? []).filter((a) => !own.has(a)))].sort());
    }
    if (attachments.size > 0) state.attachments.set(name, attachments);
  }
  return state;
}

/** Compares the engine with `expected`, aliases included. */
export async function checkEngine(
  scenario: Scenario,
  expected: BenchState,
  dockerHost: string,
): Promise<CheckResult> {
  const observed = await readEngine(scenario, dockerHost);
  const counts: Partial<Record<ProblemKind, number>> = {};
  const examples: string[] = [];
  const problem = (kind: ProblemKind, detail: string): void => {
    counts[kind] = (counts[kind] ?? 0) + 1;
    if (examples.length < 8) examples.push(`${kind}: ${detail}`);
  };
  for (const [name, want] of expected.networks) {
    const got = observed.networks.get(name);
    if (!got) {
      problem('missing network', name);
      continue;
    }
    if (got.subnet !== want.subnet)
      problem('wrong subnet', `${name} has ${got.subnet}, wants ${want.subnet}`);
    if (!labelsMatch(got.labels, want.labels))
      problem('wrong labels', `${name} lacks netform's ownership labels`);
  }
  for (const name of observed.networks.keys()) {
    if (!expected.networks.has(name)) problem('extra network', name);
  }
  for (const container of scenario.containers) {
    const want = expected.attachments.get(container) ?? new Map<string, string[]>();
    const got = observed.attachments.get(container) ?? new Map<string, string[]>();
    for (const [network, aliases] of want) {
      const have = got.get(network);
      if (!have) problem('missing attachment', `${container} on ${network}`);
      else if (have.join(',') !== aliases.join(','))
        problem(
          'wrong aliases',
          `${container} on ${network}: [${have.join(', ')}], wants [${aliases.join(', ')}]`,
        );
    }
    for (const network of got.keys()) {
      if (!want.has(network)) problem('extra attachment', `${container} on ${network}`);
    }
  }
  return { ok: examples.length === 0, counts, examples, observed };
}
