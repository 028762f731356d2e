import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, engineJson } from './engine.js';

/**
 * What a test run that was killed left on an engine (its process ended before its cleanup: a
 * session that stopped mid-run, a CI job cancelled, a crash) is removed by the next run's global
 * setup, so it cannot fail that run: the suite's subnets are fixed per test file, so a network a
 * dead run left on 10.213.247.0/27 makes the next run's plan on that subnet an overlap error
 * (seen in CI: a swarm whose engines kept a killed run's services and overlays across a restart).
 *
 * What is a test run's: a service, container or network named `nft-<run id>-` (every scope's
 * prefix), or a netform lock lease or restore point whose project is so named. Never anything else.
 * Which runs are alive: each run registers itself on this machine (RUNS_DIR: its process ID, that
 * process's start time and the boot) for as long as it runs; a run whose record is missing or
 * names a process that is gone is dead. Two runs on one engine at once are still not supported
 * (they would share the test subnets); a run on another machine against the same engine is taken
 * for dead (docs/engines.md, "Leftovers of a killed run").
 */
const RUNS_DIR = join(tmpdir(), 'netform-test-runs');
const RUN_NAME = /^nft-(r[0-9a-f]{6})-/;

/** The run id in a test resource's name (or a lease's or restore point's project), if it is one. */
export function runOfName(name: string | undefined): string | undefined {
  return name === undefined ? undefined : RUN_NAME.exec(name)?.[1];
}

/** A run id no run has (not `current`, not a live one): `r` and six hex digits, as the global setup makes them. */
export function unusedRunId(current: string): string {
  for (;;) {
    const id = `r${randomBytes(3).toString('hex')}`;
    if (id !== current && !liveRuns().has(id)) return id;
  }
}

interface RunRecord {
  pid: number;
  start: string;
  boot: string;
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/** A process's start time (field 22 of /proc/PID/stat), or undefined when it is gone. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The record that says `pid` (this process by default) is running now. */
export function recordOf(pid = process.pid): RunRecord {
  return { pid, start: processStart(pid) ?? 'unknown', boot: bootId() };
}

/** Whether the run that wrote `record` is still running: same boot, same process (not a reused ID). */
export function isAlive(record: RunRecord): boolean {
  return record.boot === bootId() && processStart(record.pid) === record.start;
}

/** Registers run `runId` as alive until the returned function is called (or the process ends). */
export function registerRun(runId: string, record: RunRecord = recordOf(), dir = RUNS_DIR): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, runId);
  writeFileSync(file, JSON.stringify(record));
  return () => rmSync(file, { force: true });
}

/** The runs registered and alive now; dead runs' records are removed on the way. */
export function liveRuns(dir = RUNS_DIR): Set<string> {
  const live = new Set<string>();
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return live;
  }
  for (const runId of entries) {
    const file = join(dir, runId);
    let record: RunRecord | undefined;
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
    } catch {
      // a record being written, or garbage: not alive
    }
    if (record !== undefined && isAlive(record)) live.add(runId);
    else rmSync(file, { force: true });
  }
  return live;
}

interface Listed {
  Name: string;
  Id: string;
  Scope?: string;
  Ingress?: boolean;
  Labels: Record<string, string> | null;
}

/** The dead run a network belongs to: by its name, or the project of its lease or restore point. */
function deadRunOfNetwork(network: Listed, live: Set<string>): string | undefined {
  const labels = network.Labels ?? {};
  const run =
    runOfName(network.Name) ??
    runOfName(labels['io.netform.lock']) ??
    runOfName(labels['io.netform.restore']) ??
    runOfName(labels['io.netform.project']);
  return run !== undefined && !live.has(run) ? run : undefined;
}

/** One engine to sweep: its DOCKER_HOST (undefined: the environment's) and a name to print. */
export interface SweptEngine {
  name: string;
  host: string | undefined;
}

/**
 * Removes, from each engine that answers, what dead test runs left (see above): services first
 * (through the managers), then containers, then networks, retried for up to `waitSeconds` while
 * they are still in use (a service's tasks leave asynchronously; a config-only network is in use
 * until the swarm network made from it is gone) and until what was removed is no longer listed on
 * any engine. Returns a line per engine it removed something from. An engine that does not answer is left alone: the tests on it say so themselves.
 */
export async function sweepLeftovers(
  engines: SweptEngine[],
  live: Set<string> = liveRuns(),
  waitSeconds = 60,
): Promise<string[]> {
  const answering: SweptEngine[] = [];
  for (const engine of engines) {
    if ((await docker(['version', '--format', '{{.Server.Version}}'], engine.host)).code === 0) {
      answering.push(engine);
    }
  }
  const removed = new Map<string, string[]>();
  const note = (engine: SweptEngine, what: string): void => {
    removed.set(engine.name, [...(removed.get(engine.name) ?? []), what]);
  };
  const deadName = (name: string): boolean => {
    const run = runOfName(name);
    return run !== undefined && !live.has(run);
  };
  const managers = new Set<SweptEngine>();
  for (const engine of answering) {
    // A worker (or an engine outside a swarm) refuses the list: it has no services to remove.
    const services = await engineJson<{ Spec: { Name: string } }[]>('/services', engine.host).then(
      (list) => {
        managers.add(engine);
        return list;
      },
      () => [],
    );
    const dead = services.map((s) => s.Spec.Name).filter(deadName);
    if (dead.length > 0 && (await docker(['service', 'rm', ...dead], engine.host)).code === 0) {
      note(engine, `services ${dead.join(', ')}`);
    }
  }
  for (const engine of answering) {
    const containers = await engineJson<{ Names: string[] }[]>('/containers/json?all=1', engine.host);
    const dead = containers.map((c) => (c.Names[0] ?? '').replace(/^\//, '')).filter(deadName);
    if (dead.length > 0) {
      const result = await docker(['rm', '-f', ...dead], engine.host);
      note(
        engine,
        result.code === 0
          ? `containers ${dead.join(', ')}`
          : `containers ${dead.join(', ')} (not all removed: ${result.stderr.trim()})`,
      );
    }
  }
  const deadline = Date.now() + waitSeconds * 1000;
  const gone = new Set<string>();
  for (;;) {
    let left = 0;
    for (const engine of answering) {
      const networks = await engineJson<Listed[]>('/networks', engine.host);
      // A removed swarm network stays listed for a moment on the manager, and on a worker until
      // its tasks there are gone: its subnet is not free until it is no longer listed anywhere.
      left += networks.filter((n) => gone.has(n.Id)).length;
      // The ingress network is swarm-ingress.test.ts's to put back (restorePoolIngress); a swarm
      // network's copy on a worker goes when the manager removes it.
      const removable = networks.filter(
        (n) =>
          !gone.has(n.Id) &&
          deadRunOfNetwork(n, live) !== undefined &&
          n.Ingress !== true &&
          (n.Scope !== 'swarm' || managers.has(engine)),
      );
      const done: string[] = [];
      for (const network of removable) {
        // One at a time, to know which are gone: the others are retried while still in use.
        const result = await docker(['network', 'rm', network.Id], engine.host);
        if (result.code === 0 || /no such network|not found/i.test(result.stderr)) {
          gone.add(network.Id);
          if (result.code === 0) {
            done.push(network.Name);
            left += 1; // until it is no longer listed (above)
          }
        } else left += 1;
      }
      if (done.length > 0) note(engine, `networks ${done.join(', ')}`);
    }
    if (left === 0) break;
    if (Date.now() > deadline) {
      for (const engine of answering) {
        const still = (await engineJson<Listed[]>('/networks', engine.host)).filter(
          (n) => gone.has(n.Id) || (deadRunOfNetwork(n, live) !== undefined && n.Ingress !== true),
        );
        if (still.length > 0) {
          note(engine, `still there after ${waitSeconds} s: networks ${still.map((n) => n.Name).join(', ')}`);
        }
      }
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return [...removed].map(([name, what]) => `${name}: ${what.join('; ')}`);
}
