import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { stringify } from 'yaml';
import { run, RUN_LABEL, TEST_IMAGE } from '../support/engine.js';
import type { ContainerInspect } from '../support/inspect.js';
import { eventually, watchSubnet, WatchProcess } from './watch-harness.js';

/**
 * An engine of its own, in its own network namespace (scripts/engines.sh), because this test
 * stops its dockerd. NETFORM_RESTART_ENGINE names it (default `watchrs`) and
 * NETFORM_RESTART_ENGINE_VERSION picks 20.10 (the default: the host's own dockerd), 26.1 or 28.5.
 * An engine this test started is removed at the end; one that already ran is left running.
 */
const ENGINE = process.env.NETFORM_RESTART_ENGINE ?? 'watchrs';
const VERSION = process.env.NETFORM_RESTART_ENGINE_VERSION ?? '20.10';
const ENGINES_SH = fileURLToPath(new URL('../../scripts/engines.sh', import.meta.url));
const BUSYBOX_IMAGE = fileURLToPath(new URL('../../scripts/busybox-image.mjs', import.meta.url));
const RUN_DIR = `/run/netform-engines/${ENGINE}`;
const HOST = `unix://${RUN_DIR}/docker.sock`;
const env = { ...process.env, DOCKER_HOST: HOST };

const runId = inject('runId');
const prefix = `nft-${runId}-rs-`;
const label = `${RUN_LABEL}=${runId}`;
const subnet = watchSubnet(6);
const project = `${prefix}p`;
const net = `${prefix}net`;
const app = `${prefix}app`;
let dir: string;
let startedHere = false;
let watch: WatchProcess | undefined;

/** The docker CLI against the restart engine. */
async function docker(args: string[]): Promise<string> {
  const result = await run('docker', args, { env });
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

async function engineUp(): Promise<void> {
  const up = await run('bash', [ENGINES_SH, 'up', ENGINE, VERSION], { timeoutMs: 300_000 });
  if (up.code !== 0) throw new Error(`engines.sh up ${ENGINE} ${VERSION} failed:\n${up.stderr}`);
}

async function attachedWithAlias(): Promise<boolean> {
  const inspect = JSON.parse(await docker(['container', 'inspect', app])) as ContainerInspect[];
  return inspect[0]?.NetworkSettings.Networks[net]?.Aliases?.includes('svc') ?? false;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netform-watch-restart-'));
  startedHere = (await run('docker', ['version'], { env, timeoutMs: 10_000 })).code !== 0;
  await engineUp();
  const image = await run(process.execPath, [BUSYBOX_IMAGE, TEST_IMAGE], { env });
  if (image.code !== 0) throw new Error(`cannot build ${TEST_IMAGE} on ${ENGINE}: ${image.stderr}`);
  // Restarted with the engine; stops at once when the engine stops (busybox sleep ignores SIGTERM).
  await docker([
    'run',
    '-d',
    '--name',
    app,
    '--label',
    label,
    '--restart',
    'always',
    '--stop-timeout',
    '1',
    TEST_IMAGE,
  ]);
  await writeFile(
    join(dir, 'netform.yaml'),
    stringify({
      version: 1,
      project,
      networks: { [net]: { subnet: subnet.v4 } },
      containers: { [app]: { networks: { [net]: { aliases: ['svc'] } } } },
    }),
  );
}, 300_000);

afterAll(async () => {
  watch?.kill();
  if (startedHere) {
    await run('bash', [ENGINES_SH, 'down', ENGINE], { timeoutMs: 120_000 });
  } else {
    await run('docker', ['rm', '-f', app], { env });
    await run('docker', ['network', 'rm', net], { env });
    const leases = await run(
      'docker',
      ['network', 'ls', '-q', '--filter', `label=io.netform.lock=${project}`],
      { env },
    );
    const ids = leases.stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await run('docker', ['network', 'rm', ...ids], { env });
  }
  await rm(dir, { recursive: true, force: true });
}, 180_000);

describe('netform watch and an engine that restarts', () => {
  it('notices the engine stop, follows it again when it is back, and repairs drift from its events', async () => {
    watch = await WatchProcess.start(['--interval', '1h', '--debounce', '200ms'], { cwd: dir, env });
    onTestFailed(() => {
      console.error(`netform watch logs:\n${watch?.logs.map((l) => JSON.stringify(l)).join('\n')}`);
    });
    // Ready means a reconcile completed, whatever its result; a failed first one is retried with
    // backoff (and its error is in the logs printed below if this gives up).
    await watch.waitReady();
    await eventually('the first reconcile to attach the container with its alias', attachedWithAlias);

    // Stop the engine's dockerd (as a host reboot or an upgrade would) and wait until it is gone.
    const pid = Number(readFileSync(join(RUN_DIR, 'dockerd.pid'), 'utf8'));
    process.kill(pid, 'SIGTERM');
    await eventually('dockerd to exit', () => Promise.resolve(!isRunning(pid)), 120_000);
    await eventually('/readyz to say the engine does not answer', async () => {
      const ready = await watch!.get('/readyz');
      return ready.status === 503 && ready.text.includes('does not answer');
    });
    expect(await watch.metric('netform_engine_up', { engine: HOST })).toBe(0);
    expect(await watch.get('/healthz')).toEqual({ status: 200, text: 'ok\n' });

    // The same engine comes back (its data kept): netform follows it without a restart of its own.
    await engineUp();
    await eventually(
      'the engine to be followed again',
      async () => (await watch!.metric('netform_engine_up', { engine: HOST })) === 1,
    );
    await watch.waitReady();
    const following = watch.logs.filter((l) => l.msg === 'engine answers; following its events');
    expect(following.length).toBeGreaterThanOrEqual(2);

    // Drift after the restart is repaired, and only the resubscribed events can have asked for
    // it: the interval is an hour.
    const changed = async () =>
      (await watch!.metric('netform_reconcile_total', { project, result: 'changed' })) ?? 0;
    const before = await changed();
    await docker(['network', 'disconnect', net, app]);
    await eventually(
      'the drift to be repaired',
      async () => (await changed()) > before && (await attachedWithAlias()),
    );
    expect(await watch.stop()).toBe(0);
  });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
