import { afterAll, describe, expect, inject, it } from 'vitest';
import { SHARED_BLOCKS } from '../support/blocks.js';
import { containerNames, dockerOk, EngineScope, networkNames } from '../support/engine.js';
import { registerRun, sweepLeftovers, unusedRunId } from '../support/leftovers.js';

/*
 * The global setup's sweep of what killed test runs left (test/support/leftovers.ts), on
 * DOCKER_HOST's engine: a run that is not registered as alive loses its containers, networks,
 * lock leases and restore points; a live run's, and anything not named as a test run's, stay.
 * Made with the docker CLI (config-only networks: they take no subnet) and read back with the API.
 */

const live = inject('runId');
const deadRun = unusedRunId(live);
const otherLiveRun = unusedRunId(live);
const dead = new EngineScope(deadRun, SHARED_BLOCKS.leftovers);
const alive = new EngineScope(otherLiveRun, SHARED_BLOCKS.leftovers);
const notOurs = `keep-${deadRun}-leftovers`;
const unregister = registerRun(otherLiveRun);

afterAll(async () => {
  unregister();
  await dead.cleanup();
  await alive.cleanup();
  await dockerOk(['network', 'rm', notOurs]).catch(() => undefined);
  // The lookalike lease and restore point are named outside the scopes' prefixes.
  for (const name of await networkNames()) {
    if (name === `netform-lock-${dead.name('p')}` || name.startsWith(`netform-restore-${deadRun}`)) {
      await dockerOk(['network', 'rm', name]).catch(() => undefined);
    }
  }
});

describe('the sweep of what killed test runs left', () => {
  it("removes a dead run's containers, networks, lock lease and restore point; keeps a live run's and what is not a test run's", async () => {
    const project = dead.name('p');
    const deadContainer = await dead.createContainer('c', { start: false });
    const deadNetwork = await dead.createNetwork('n', ['--config-only']);
    const lease = `netform-lock-${project}`;
    await dockerOk(['network', 'create', '--config-only', '--label', `io.netform.lock=${project}`, lease]);
    const restorePoint = `netform-restore-${deadRun}`;
    await dockerOk([
      'network',
      'create',
      '--config-only',
      '--label',
      `io.netform.restore=${project}`,
      restorePoint,
    ]);
    const liveContainer = await alive.createContainer('c', { start: false });
    const liveNetwork = await alive.createNetwork('n', ['--config-only']);
    await dockerOk(['network', 'create', '--config-only', '--label', `io.netform.test=${deadRun}`, notOurs]);

    const engine = process.env.DOCKER_HOST ?? 'the local socket';
    const lines = await sweepLeftovers([{ name: engine, host: undefined }]);

    const networks = await networkNames();
    for (const gone of [deadNetwork, lease, restorePoint]) expect(networks).not.toContain(gone);
    expect(await containerNames(`io.netform.test=${deadRun}`)).not.toContain(deadContainer);
    expect(networks).toEqual(expect.arrayContaining([liveNetwork, notOurs]));
    expect(await containerNames(`io.netform.test=${otherLiveRun}`)).toEqual([liveContainer]);
    const said = lines.find((line) => line.startsWith(`${engine}: `)) ?? '';
    expect(said).toContain(deadContainer);
    for (const name of [deadNetwork, lease, restorePoint]) expect(said).toContain(name);
    expect(said).not.toContain(liveNetwork);
  });
});
