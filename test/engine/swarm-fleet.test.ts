import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { runCli } from '../support/cli.js';
import {
  dockerOn,
  dockerOnOk,
  inspectOn,
  requireSwarm,
  SWARM,
  SWARM_TEST_TIMEOUT_MS,
  SwarmScope,
  waitFor,
} from '../support/swarm.js';
import type { ServiceInspect } from '../support/inspect.js';

/*
 * examples/swarm-services on the real two-node swarm of scripts/swarm.sh (docs/swarm.md, "Several
 * engines on a swarm"): one spec naming both nodes as engines, planned, applied, verified and
 * destroyed by the built CLI. The overlay is made once, through the manager; the service's
 * networks are set in one update; a container on the worker reaches one on the manager by alias.
 * Everything is checked with the docker CLI against the node concerned. Names are
 * nft-<run>-swf-…; no subnet of the swarm's test range is taken: the overlay's comes from the
 * swarm's own pool (10.213.252.0/22).
 */

interface NetworkInspect {
  Id: string;
  Driver: string;
  Scope: string;
  Attachable: boolean;
  Labels: Record<string, string>;
}

interface TaskLine {
  ID: string;
  DesiredState: string;
  CurrentState: string;
}

const EXAMPLE = fileURLToPath(new URL('../../examples/swarm-services/netform.yaml', import.meta.url));
// The swarm's waits are longer than the engine project's 120 s (test/support/swarm.ts).
vi.setConfig({ testTimeout: SWARM_TEST_TIMEOUT_MS, hookTimeout: SWARM_TEST_TIMEOUT_MS });

const scope = new SwarmScope(inject('runId'), 'f');
const dir = mkdtempSync(join(tmpdir(), 'netform-swarm-fleet-'));
const project = scope.name('p');
const names = {
  network: scope.name('ov'),
  db: scope.name('db'),
  toolbox: scope.name('toolbox'),
  web: scope.name('web'),
};

/** The example with this run's names and the test swarm's engines; its subnet left to the swarm's pool. */
function specFromExample(): string {
  const text = readFileSync(EXAMPLE, 'utf8');
  const replaced = text
    .replace('project: swarm', `project: ${project}`)
    .replace('unix:///run/netform-engines/sw1/docker.sock', SWARM.manager.host)
    .replace('unix:///run/netform-engines/sw2/docker.sock', SWARM.worker.host)
    .replace(/^ {4}subnet: 10\.0\.9\.0\/24\n/m, '')
    .replaceAll('my_overlay_net', names.network)
    .replace(/^ {2}db:/m, `  ${names.db}:`)
    .replace(/^ {2}toolbox:/m, `  ${names.toolbox}:`)
    .replace(/^ {2}web:/m, `  ${names.web}:`);
  // Every substitution took: the test runs the example, not a spec of its own.
  for (const part of [project, SWARM.manager.host, SWARM.worker.host, names.db, names.toolbox, names.web]) {
    expect(replaced).toContain(part);
  }
  expect(replaced).not.toContain('10.0.9.0');
  return replaced;
}

const cli = (args: string[]): ReturnType<typeof runCli> => runCli(args, { cwd: dir, timeoutMs: 180_000 });

async function tasksOf(service: string): Promise<TaskLine[]> {
  const out = await dockerOnOk(SWARM.manager, [
    'service',
    'ps',
    service,
    '--no-trunc',
    '--format',
    '{{json .}}',
  ]);
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TaskLine);
}

beforeAll(async () => {
  await requireSwarm();
  writeFileSync(join(dir, 'netform.yaml'), specFromExample());
  await scope.runContainer(SWARM.manager, 'db');
  await scope.runContainer(SWARM.worker, 'toolbox');
  // The service exists before the spec attaches it (netform never creates services).
  await scope.createService(names.web, [
    '--replicas',
    '2',
    '--update-parallelism',
    '2',
    '--update-monitor',
    '1s',
  ]);
  await waitFor('both replicas of the service to run', async () => {
    const running = (await tasksOf(names.web)).filter(
      (t) => t.DesiredState === 'Running' && t.CurrentState.startsWith('Running'),
    );
    return running.length === 2 ? running : undefined;
  });
}, 180_000);

afterAll(async () => {
  await scope.cleanup();
  rmSync(dir, { recursive: true, force: true });
}, 180_000);

describe('examples/swarm-services on the two-node swarm', () => {
  it('plans, applies, verifies and destroys across both nodes, the overlay and the service through the manager', async () => {
    // Plan: the overlay once (on the manager), the containers on their own engines, one update.
    const planned = await cli(['plan']);
    expect(planned.stderr).toBe('');
    expect(planned.code).toBe(0);
    const plan = planned.stdout;
    expect(plan).toContain(`+ create network ${names.network}`);
    expect(plan).toContain(`~ update service ${names.web} (2 tasks restart, one rolling update)`);
    expect(plan).toContain(`connect ${names.db} to ${names.network}`);
    expect(plan).toContain(`connect ${names.toolbox} to ${names.network}`);
    expect(plan.match(/\+ create network/g)).toHaveLength(1);

    const tasksBefore = (await tasksOf(names.web)).filter((t) => t.DesiredState === 'Running');
    const applied = await cli(['apply', '--auto-approve']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    // The manager first (it makes the overlay), then the worker (its container joins it).
    expect(applied.stderr).toMatch(
      /engine manager: \[3\/3\] done update service[^]*engine worker: \[1\/1\] done connect/,
    );

    // The overlay exists once, made through the manager, carrying the project's labels.
    const network = await inspectOn<NetworkInspect>(SWARM.manager, 'network', names.network);
    expect(network).toMatchObject({ Driver: 'overlay', Scope: 'swarm', Attachable: true });
    expect(network.Labels).toMatchObject({ 'io.netform.managed': 'true', 'io.netform.project': project });

    // The service: on the overlay with its alias, in one update (the spec before it had no networks).
    const service = await inspectOn<ServiceInspect>(SWARM.manager, 'service', names.web);
    expect(service.Spec.TaskTemplate.Networks).toEqual([{ Target: network.Id, Aliases: ['www'] }]);
    expect(service.PreviousSpec).toBeDefined();
    expect(service.PreviousSpec?.TaskTemplate.Networks).toBeUndefined();

    // Each container on its own node, on the overlay; the worker's reaches the manager's by alias.
    const onDb = await dockerOnOk(SWARM.manager, [
      'inspect',
      names.db,
      '--format',
      `{{json (index .NetworkSettings.Networks "${names.network}").Aliases}}`,
    ]);
    expect(JSON.parse(onDb) as string[]).toContain('database');
    const ping = await dockerOn(SWARM.worker, ['exec', names.toolbox, 'ping', '-c1', '-W2', 'database']);
    expect(ping.stdout).toContain('1 packets received');

    // What the update cost: every task of the service replaced once.
    const tasksAfter = await waitFor('the rollout to replace the tasks', async () => {
      const all = await tasksOf(names.web);
      const running = all.filter((t) => t.DesiredState === 'Running' && t.CurrentState.startsWith('Running'));
      const fresh = running.filter((t) => !tasksBefore.some((b) => b.ID === t.ID));
      return fresh.length === 2 ? all : undefined;
    });
    const restarted = tasksBefore.filter(
      (t) => tasksAfter.find((x) => x.ID === t.ID)?.DesiredState === 'Shutdown',
    );
    expect(restarted).toHaveLength(tasksBefore.length);
    // Once the new tasks run, the service's alias resolves on the overlay from the worker (its
    // virtual IP).
    const vip = (
      await inspectOn<ServiceInspect>(SWARM.manager, 'service', names.web)
    ).Endpoint?.VirtualIPs?.find((v) => v.NetworkID === network.Id)?.Addr.split('/')[0];
    expect(vip).toBeDefined();
    await waitFor(`www to resolve to ${vip} on the worker`, async () => {
      const lookup = await dockerOn(SWARM.worker, ['exec', names.toolbox, 'nslookup', 'www']);
      return lookup.stdout.includes(`Address: ${vip}`) ? true : undefined;
    });
    console.info(
      `[measured] netform apply of examples/swarm-services: one update of ${names.web} (2 replicas, 1 network added): ` +
        `${restarted.length} of ${tasksBefore.length} tasks restarted`,
    );

    // Nothing left to do: the worker listing the overlay (or not) is not drift.
    const again = await cli(['plan', '--detailed-exitcode']);
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain('No changes');
    expect(again.code).toBe(0);

    // Destroy: the service taken off, the containers disconnected on both nodes, the overlay
    // removed once, through the manager.
    const destroyed = await cli(['destroy', '--auto-approve']);
    expect(destroyed.code, destroyed.stdout + destroyed.stderr).toBe(0);
    expect((await dockerOn(SWARM.manager, ['network', 'inspect', names.network])).code).not.toBe(0);
    const after = await inspectOn<ServiceInspect>(SWARM.manager, 'service', names.web);
    expect(after.Spec.TaskTemplate.Networks ?? []).toEqual([]);
    for (const [node, container] of [
      [SWARM.manager, names.db],
      [SWARM.worker, names.toolbox],
    ] as const) {
      const networks = await dockerOnOk(node, [
        'inspect',
        container,
        '--format',
        '{{json .NetworkSettings.Networks}}',
      ]);
      expect(Object.keys(JSON.parse(networks) as object)).not.toContain(names.network);
    }
    await waitFor('the worker to let go of the overlay', async () => {
      const listed = await dockerOnOk(SWARM.worker, ['network', 'ls', '--format', '{{.Name}}']);
      return listed.split('\n').includes(names.network) ? undefined : true;
    });
  }, 400_000);
});
