import { performance } from 'node:perf_hooks';
import { EngineApi, labelFilter, runLimited } from '../engine-api.js';
import { diffOps, type Op } from '../ops.js';
import type { Peer, PhaseJob, PhaseRun } from '../peer.js';
import { BENCH_LABEL } from '../scenario.js';

/** Sends one write to the engine. Networks by their (exact, prefixed) names; containers too. */
export function sendOp(api: EngineApi, op: Op): Promise<unknown> {
  switch (op.kind) {
    case 'create':
      return api.call('POST', '/networks/create', {
        Name: op.network.name,
        Driver: 'bridge',
        CheckDuplicate: true,
        IPAM: { Driver: 'default', Config: [{ Subnet: op.network.subnet }] },
        Labels: op.network.labels,
      });
    case 'remove':
      return api.call('DELETE', `/networks/${op.network}`);
    case 'connect':
      return api.call('POST', `/networks/${op.network}/connect`, {
        Container: op.container,
        EndpointConfig: { Aliases: op.aliases },
      });
    case 'disconnect':
      return api.call('POST', `/networks/${op.network}/disconnect`, {
        Container: op.container,
        Force: false,
      });
  }
}

/**
 * Applies the minimal writes from `from` to `to`, stage by stage: `concurrency` requests in flight,
 * or, given a concurrency per kind of write, each kind of a stage with its own limit (the kinds of
 * one stage run side by side, as netform's apply runs them).
 */
export async function applyOps(
  api: EngineApi,
  stages: Op[][],
  concurrency: number | Record<Op['kind'], number>,
): Promise<void> {
  for (const stage of stages) {
    if (typeof concurrency === 'number') {
      await runLimited(
        stage.map((op) => () => sendOp(api, op)),
        concurrency,
      );
      continue;
    }
    const kinds = [...new Set(stage.map((op) => op.kind))];
    await Promise.all(
      kinds.map((kind) =>
        runLimited(
          stage.filter((op) => op.kind === kind).map((op) => () => sendOp(api, op)),
          concurrency[kind],
        ),
      ),
    );
  }
}

/**
 * The reads a no-op needs and nothing more: the network list, the container list, and an inspect
 * of each container on a network of the run (the lists do not carry aliases).
 */
async function noopReads(api: EngineApi, job: PhaseJob, concurrency: number): Promise<void> {
  const label = `${BENCH_LABEL}=${job.scenario.run}`;
  await api.call('GET', `/networks?filters=${labelFilter(label)}`);
  const containers = await api.call<{ Id: string; NetworkSettings: { Networks: Record<string, unknown> } }[]>(
    'GET',
    `/containers/json?all=1&filters=${labelFilter(label)}`,
  );
  const onOurs = containers.filter((c) =>
    Object.keys(c.NetworkSettings.Networks).some((n) => n.startsWith(job.scenario.prefix)),
  );
  await runLimited(
    onOurs.map((c) => () => api.call('GET', `/containers/${c.Id}/json`)),
    concurrency,
  );
}

/**
 * The floor: exactly the minimal Engine API calls over the unix socket, with node's http and a
 * keep-alive agent (one connection per request in flight), `concurrency` at a time. It knows the
 * states, so it observes nothing before writing: no tool can send less.
 */
export function rawApiPeer(concurrency: number): Peer {
  return floorPeer(
    concurrency === 1 ? 'raw-1' : `raw-${concurrency}`,
    concurrency === 1 ? 'API floor, 1 at a time' : `API floor, ${concurrency} at a time`,
    () => concurrency,
  );
}

/**
 * The floor at each kind of write's best concurrency, as the sweep (bench/sweep.ts) measured it on
 * this engine in this run; its no-op reads go 8 at a time, as raw-8's. `best()` is asked at each
 * phase, so the peer can be made before the sweep has run.
 */
export function rawBestPeer(best: () => Record<Op['kind'], number> | undefined): Peer {
  return floorPeer('raw-best', 'API floor, best concurrency per write', () => {
    const found = best();
    if (!found) throw new Error('the concurrency sweep has not run');
    return found;
  });
}

function floorPeer(
  id: string,
  title: string,
  concurrencyOf: () => number | Record<Op['kind'], number>,
): Peer {
  return {
    id,
    title,
    floor: true,
    unavailable: () => Promise.resolve(undefined),
    async run(job: PhaseJob): Promise<PhaseRun> {
      const concurrency = concurrencyOf();
      const sockets =
        typeof concurrency === 'number' ? concurrency : Object.values(concurrency).reduce((a, b) => a + b, 0);
      const api = new EngineApi(job.socketPath, job.apiVersion, sockets);
      const started = performance.now();
      try {
        if (job.phase === 'noop')
          await noopReads(api, job, typeof concurrency === 'number' ? concurrency : 8);
        else await applyOps(api, diffOps(job.from, job.to), concurrency);
        return { wallMs: performance.now() - started };
      } catch (error) {
        return {
          wallMs: performance.now() - started,
          error: error instanceof Error ? error.message : String(error),
        };
      } finally {
        api.close();
      }
    },
  };
}
