import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { sweepLeftovers, unusedRunId } from '../support/leftovers.js';
import {
  dockerOnOk,
  requireSwarm,
  SWARM,
  SWARM_TEST_TIMEOUT_MS,
  SwarmScope,
  waitFor,
} from '../support/swarm.js';

/*
 * The global setup's sweep of what a killed test run left on the two-node swarm
 * (test/support/leftovers.ts), as the swarm keeps it across a restart of its engines: a running
 * service on an overlay, a config-only network and a container on the worker. The sweep removes
 * the service through the manager, waits for its tasks to leave, then removes the overlay and the
 * worker's own networks. Read back with the docker CLI on each node. Subnet: the /27 7 of the
 * swarm's test index 7 (test/support/swarm.ts).
 */

vi.setConfig({ testTimeout: SWARM_TEST_TIMEOUT_MS, hookTimeout: SWARM_TEST_TIMEOUT_MS });

const live = inject('runId');
const deadRun = unusedRunId(live);
const dead = new SwarmScope(deadRun, 'l');

beforeAll(async () => {
  await requireSwarm();
});
afterAll(async () => {
  await dead.cleanup();
});

const names = async (args: string[], node = SWARM.manager): Promise<string[]> =>
  (await dockerOnOk(node, args)).split('\n').filter((name) => name.startsWith(dead.prefix));

describe('the sweep of what a killed test run left on the swarm', () => {
  it("removes its running service, then the overlay the tasks were on, and the worker's own networks and container", async () => {
    const overlay = dead.name('ov');
    await dockerOnOk(SWARM.manager, [
      'network',
      'create',
      '--driver',
      'overlay',
      '--attachable',
      '--subnet',
      `${dead.subnet(7).v4Prefix}.224/27`,
      '--label',
      dead.label,
      overlay,
    ]);
    const service = dead.name('web');
    await dead.createService(service, ['--replicas', '2', '--network', overlay]);
    // Both tasks running, so the overlay is in use until the sweep has waited for them to leave.
    await waitFor(`both tasks of ${service} running`, async () => {
      const states = await dockerOnOk(SWARM.manager, [
        'service',
        'ps',
        '--format',
        '{{.CurrentState}}',
        service,
      ]);
      return states.split('\n').filter((state) => state.startsWith('Running')).length === 2
        ? true
        : undefined;
    });
    const configOnly = dead.name('cfg');
    await dockerOnOk(SWARM.worker, ['network', 'create', '--config-only', '--label', dead.label, configOnly]);
    const container = dead.name('c');
    await dockerOnOk(SWARM.worker, [
      'create',
      '--name',
      container,
      '--label',
      dead.label,
      'netform-test/busybox:1',
    ]);

    const lines = await sweepLeftovers([
      { name: 'manager', host: SWARM.manager.host },
      { name: 'worker', host: SWARM.worker.host },
    ]);

    expect(await names(['service', 'ls', '--format', '{{.Name}}'])).toEqual([]);
    expect(await names(['network', 'ls', '--format', '{{.Name}}'])).toEqual([]);
    expect(await names(['network', 'ls', '--format', '{{.Name}}'], SWARM.worker)).toEqual([]);
    expect(await names(['ps', '-a', '--format', '{{.Names}}'], SWARM.worker)).toEqual([]);
    const manager = lines.find((line) => line.startsWith('manager: ')) ?? '';
    expect(manager).toContain(`services ${service}`);
    expect(manager).toContain(overlay);
    const worker = lines.find((line) => line.startsWith('worker: ')) ?? '';
    expect(worker).toContain(container);
    expect(worker).toContain(configOnly);
  });
});
