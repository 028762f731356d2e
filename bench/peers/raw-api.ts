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

/** Applies the minimal writes from `from` to `to`, stage by stage, `concurrency` requests in flight. */
export async function applyOps(api: EngineApi, stages: Op[][], concurrency: number): Promise<void> {
  for (const stage of stages) {
    await runLimited(
      stage.map((op) => () => sendOp(api, op)),
      concurrency,
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
 * keep-alive agent, `concurrency` at a time. It knows the states, so it observes nothing before
 * writing: no tool can send less.
 */
export function rawApiPeer(concurrency: number): Peer {
  return {
    id: concurrency === 1 ? 'raw-1' : `raw-${concurrency}`,
    title: concurrency === 1 ? 'API floor, 1 at a time' : `API floor, ${concurrency} at a time`,
    floor: true,
    unavailable: () => Promise.resolve(undefined),
    async run(job: PhaseJob): Promise<PhaseRun> {
      const api = new EngineApi(job.socketPath, job.apiVersion, concurrency);
      const started = performance.now();
      try {
        if (job.phase === 'noop') await noopReads(api, job, concurrency);
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
