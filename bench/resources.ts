import { TEST_IMAGE } from '../test/support/engine.js';
import { labelFilter, runLimited, type EngineApi } from './engine-api.js';
import { BENCH_LABEL } from './scenario.js';
import { PROJECT_LABEL } from '../src/model/desired.js';

/**
 * Creates the scenario's containers from the test image, on the default bridge (a container on
 * `none` cannot join other networks), each with the run's label. `start: false` leaves them
 * created, which is how the 1,000-network plan keeps a thousand containers without a thousand
 * runtime shims.
 */
export async function createContainers(
  api: EngineApi,
  run: string,
  names: readonly string[],
  options: { start: boolean },
): Promise<void> {
  await runLimited(
    names.map((name) => async () => {
      const created = await api.call<{ Id: string }>(
        'POST',
        `/containers/create?name=${encodeURIComponent(name)}`,
        {
          Image: TEST_IMAGE,
          Cmd: ['/bin/sleep', '86400'],
          Labels: { [BENCH_LABEL]: run },
          HostConfig: { NetworkMode: 'bridge' },
        },
      );
      if (options.start) await api.call('POST', `/containers/${created.Id}/start`);
    }),
    8,
  );
}

/**
 * Removes everything of one run: its containers (by label), then its networks (by the run's exact
 * name prefix, its label, netform's project label `nfb-<run>`, or a lock lease netform left for
 * that project when a run was interrupted: label `io.netform.lock=nfb-<run>`). Nothing else is touched. Never throws: it runs on the way out.
 */
export async function removeRun(api: EngineApi, run: string, prefix: string): Promise<string[]> {
  const project = `nfb-${run}`;
  const problems: string[] = [];
  const label = `${BENCH_LABEL}=${run}`;
  const containers = await api
    .call<{ Id: string; Labels: Record<string, string> }[]>(
      'GET',
      `/containers/json?all=1&filters=${labelFilter(label)}`,
    )
    .catch((error: Error) => (problems.push(error.message), []));
  await runLimited(
    containers
      .filter((c) => c.Labels[BENCH_LABEL] === run)
      .map((c) => () => api.call('DELETE', `/containers/${c.Id}?force=true`)),
    8,
  ).catch((error: Error) => problems.push(error.message));
  const networks = await api
    .call<{ Id: string; Name: string; Labels: Record<string, string> | null }[]>('GET', '/networks')
    .catch((error: Error) => (problems.push(error.message), []));
  const ours = networks.filter(
    (n) =>
      n.Name.startsWith(prefix) ||
      n.Labels?.[BENCH_LABEL] === run ||
      n.Labels?.[PROJECT_LABEL] === project ||
      n.Labels?.['io.netform.lock'] === project,
  );
  await runLimited(
    ours.map((n) => () => api.call('DELETE', `/networks/${n.Id}`)),
    4,
  ).catch((error: Error) => problems.push(error.message));
  return problems;
}
