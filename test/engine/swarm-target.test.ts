import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { Action, Plan } from '../../src/model/plan.js';
import { runCli } from '../support/cli.js';
import type { ServiceInspect } from '../support/inspect.js';
import {
  dockerOn,
  dockerOnOk,
  inspectOn,
  requireSwarm,
  rolloutsSettled,
  SWARM,
  SWARM_TEST_TIMEOUT_MS,
  SwarmScope,
  waitFor,
} from '../support/swarm.js';

/*
 * `--target` with services (docs/plan.md, docs/swarm.md) on the real two-node swarm of
 * scripts/swarm.sh, through the built CLI's code, with a spec naming both nodes as engines: a
 * service target plans and applies that service's one update and the network it needs, and
 * leaves the other listed service as it is; a targeted network removal takes a service that is
 * not targeted off it, and nothing else. Every service and network is read back with the
 * manager's API (`docker service inspect`, `docker network inspect`). Names nft-<run>-swt-…;
 * subnets: the /27s 0-3 of the swarm's test index 7 (test/support/swarm.ts).
 */

// The swarm's waits are longer than the engine project's 120 s (test/support/swarm.ts).
vi.setConfig({ testTimeout: SWARM_TEST_TIMEOUT_MS, hookTimeout: SWARM_TEST_TIMEOUT_MS });

const scope = new SwarmScope(inject('runId'), 't');
const dir = mkdtempSync(join(tmpdir(), 'netform-swarm-target-'));
const project = scope.name('p');
const net = {
  shared: scope.name('shared'),
  old: scope.name('old'),
  webnet: scope.name('webnet'),
  apinet: scope.name('apinet'),
};
const web = scope.name('web');
const api = scope.name('api');
const subnet = (i: number): string => `${scope.subnet(7).v4Prefix}.${i * 32}/27`;

interface FleetPlanJson {
  engines: { engine: string; plan: Plan }[];
}

/** The spec: both nodes as engines, these networks (overlays) and services (`null`: none). */
function writeSpec(networks: (keyof typeof net)[], services: string[] | null): string {
  const lines = [
    'version: 1',
    `project: ${project}`,
    'engines:',
    `  manager: { host: ${SWARM.manager.host} }`,
    `  worker: { host: ${SWARM.worker.host} }`,
    'networks:',
    ...networks.map(
      (key) =>
        `  ${net[key]}: { driver: overlay, attachable: true, subnet: ${subnet(Object.keys(net).indexOf(key))} }`,
    ),
    ...(services === null ? [] : ['services:', ...services]),
  ];
  const file = join(dir, 'netform.yaml');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const cli = (args: string[]) => runCli(args, { cwd: dir });

/** `plan --format json` across the two engines: each engine's plan by name. */
async function planJson(args: string[]): Promise<Map<string, Plan>> {
  const result = await cli(['plan', '--format', 'json', ...args]);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  const parsed = JSON.parse(result.stdout) as FleetPlanJson;
  return new Map(parsed.engines.map((e) => [e.engine, e.plan]));
}

const describeAction = (a: Action): string =>
  a.kind === 'service-update'
    ? `update ${a.service}: ${a.changes.map((c) => `${c.kind} ${c.network}`).join(', ')}`
    : `${a.kind} ${a.network}${'container' in a ? ` ${a.container}` : ''}`;

/** A service as the manager's API reports it: its version and its networks with their aliases. */
async function serviceNow(name: string): Promise<{ version: number; networks: string[] }> {
  const inspected = await inspectOn<ServiceInspect>(SWARM.manager, 'service', name);
  const ids = new Map<string, string>();
  for (const n of await networksOnManager()) ids.set(n.id, n.name);
  return {
    version: inspected.Version.Index,
    networks: (inspected.Spec.TaskTemplate.Networks ?? [])
      .map((n) => `${ids.get(n.Target) ?? n.Target} [${(n.Aliases ?? []).join(',')}]`)
      .sort(),
  };
}

async function networksOnManager(): Promise<{ id: string; name: string }[]> {
  const out = await dockerOnOk(SWARM.manager, [
    'network',
    'ls',
    '--no-trunc',
    '--format',
    '{{.ID}} {{.Name}}',
  ]);
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id, name] = line.split(' ');
      return { id: id!, name: name! };
    });
}

const exists = async (name: string): Promise<boolean> =>
  (await dockerOn(SWARM.manager, ['network', 'inspect', name])).code === 0;

/** Waits until the service's one task runs and the manager has given it an address on `count` networks. */
async function settled(name: string, count: number): Promise<void> {
  await waitFor(`${name} to run with ${count} virtual IPs`, async () => {
    const inspected = await inspectOn<ServiceInspect>(SWARM.manager, 'service', name);
    if ((inspected.Endpoint?.VirtualIPs ?? []).length !== count) return undefined;
    const tasks = await dockerOnOk(SWARM.manager, [
      'service',
      'ps',
      name,
      '--filter',
      'desired-state=running',
      '--format',
      '{{.CurrentState}}',
    ]);
    return tasks.trim().startsWith('Running') ? true : undefined;
  });
  await rolloutsSettled(name);
}

// The spec of the first test: web and api each with changes the engine does not have yet.
const SERVICES = [
  `  ${web}:`,
  '    networks:',
  `      ${net.shared}: { aliases: [www] }`,
  `      ${net.webnet}: { aliases: [w2] }`,
  `  ${api}:`,
  '    networks:',
  `      ${net.shared}: { aliases: [api] }`,
  `      ${net.old}: { aliases: [legacy] }`,
  `      ${net.apinet}: {}`,
];

beforeAll(async () => {
  await requireSwarm();
  // The two overlays the services start on, made by netform (the project's), then the services
  // on them, made by the docker CLI (netform never creates services).
  writeSpec(['shared', 'old'], null);
  const made = await cli(['apply', '--auto-approve']);
  expect(made.code, made.stdout + made.stderr).toBe(0);
  const quick = [
    '--replicas',
    '1',
    '--update-parallelism',
    '1',
    '--update-monitor',
    '1s',
    '--stop-grace-period',
    '1s',
  ];
  await scope.createService(web, [...quick, '--network', `name=${net.shared},alias=web-old`]);
  await scope.createService(api, [
    ...quick,
    '--network',
    `name=${net.shared},alias=api-old`,
    '--network',
    `name=${net.old},alias=legacy`,
  ]);
  await settled(web, 1);
  await settled(api, 2);
});

afterAll(async () => {
  await scope.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('--target with services on the two-node swarm', () => {
  it("plan and apply --target web: web's one update and the network it needs; api and its network untouched", async () => {
    const webBefore = await serviceNow(web);
    const apiBefore = await serviceNow(api);
    expect(apiBefore.networks).toEqual([`${net.old} [legacy]`, `${net.shared} [api-old]`]);
    writeSpec(['shared', 'old', 'webnet', 'apinet'], SERVICES);

    // Without a target, both services and both new networks are planned: there is work for api.
    const all = await planJson([]);
    expect(all.get('manager')!.actions.map(describeAction)).toEqual([
      `create ${net.apinet}`,
      `create ${net.webnet}`,
      `update ${api}: add ${net.apinet}, change ${net.shared}`,
      `update ${web}: change ${net.shared}, add ${net.webnet}`,
    ]);

    // With --target web: web's update and webnet only; the worker has nothing to do, and no error.
    const targeted = await planJson(['--target', web]);
    expect(targeted.get('manager')!.actions.map(describeAction)).toEqual([
      `create ${net.webnet}`,
      `update ${web}: change ${net.shared}, add ${net.webnet}`,
    ]);
    expect(targeted.get('manager')!.diagnostics).toEqual([]);
    expect(targeted.get('worker')!.actions).toEqual([]);
    expect(targeted.get('worker')!.diagnostics).toEqual([]);

    const applied = await cli(['apply', '--target', web, '--auto-approve']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);

    // Independent reads on the manager: web on both networks with the spec's aliases, in one
    // update; api's networks, aliases and version as before; apinet not made.
    expect(await exists(net.webnet)).toBe(true);
    expect(await exists(net.apinet)).toBe(false);
    const webAfter = await serviceNow(web);
    expect(webAfter.networks).toEqual([`${net.shared} [www]`, `${net.webnet} [w2]`]);
    expect(webAfter.version).toBeGreaterThan(webBefore.version);
    expect(await serviceNow(api)).toEqual(apiBefore);

    // What is left is api's: the full plan now has its update and apinet, and nothing of web.
    const rest = await planJson([]);
    expect(rest.get('manager')!.actions.map(describeAction)).toEqual([
      `create ${net.apinet}`,
      `update ${api}: add ${net.apinet}, change ${net.shared}`,
    ]);
  });

  it('apply --target of a network the spec drops takes api, not targeted, off it and changes nothing else', async () => {
    // web's rollout from the test above has ended: its version no longer moves by itself.
    await settled(web, 2);
    const webBefore = await serviceNow(web);
    const apiBefore = await serviceNow(api);
    // The spec drops old (and api's entry for it); api's other changes stay in the spec.
    writeSpec(
      ['shared', 'webnet', 'apinet'],
      SERVICES.filter((line) => !line.includes(net.old)),
    );

    const targeted = await planJson(['--target', net.old]);
    expect(targeted.get('manager')!.actions.map(describeAction)).toEqual([
      `update ${api}: remove ${net.old}`,
      `remove ${net.old}`,
    ]);
    expect(targeted.get('manager')!.diagnostics).toEqual([]);
    expect(targeted.get('worker')!.diagnostics).toEqual([]);
    expect(targeted.get('worker')!.actions).toEqual([]);

    const applied = await cli(['apply', '--target', net.old, '--auto-approve']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);

    expect(await exists(net.old)).toBe(false);
    expect(await exists(net.apinet)).toBe(false);
    const apiAfter = await serviceNow(api);
    // Only old is gone: the alias on shared is still the engine's (api-old), apinet not added.
    expect(apiAfter.networks).toEqual([`${net.shared} [api-old]`]);
    expect(apiAfter.version).toBeGreaterThan(apiBefore.version);
    expect(await serviceNow(web)).toEqual(webBefore);
  });
});
