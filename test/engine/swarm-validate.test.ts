import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { runCli } from '../support/cli.js';
import {
  dockerOnOk,
  inspectOn,
  requireSwarm,
  SWARM,
  SWARM_TEST_TIMEOUT_MS,
  SwarmScope,
} from '../support/swarm.js';

/*
 * `validate` against the real two-node swarm of scripts/swarm.sh (docs/swarm.md, "Checks against
 * the engine"): a listed service that does not exist is a warning (NF082) at its line; a service
 * on an external bridge network is an error (NF083) at its entry; a service on an external
 * overlay, and one that exists, give nothing. Through the CLI's code, once with both nodes as
 * engines and once with the manager as the one engine (DOCKER_HOST). The networks and services
 * are made with the docker CLI and read back with the manager's API. Names nft-<run>-swv-…;
 * subnets: the /27s 4-5 of the swarm's test index 7 (test/support/swarm.ts).
 */

// The swarm's waits are longer than the engine project's 120 s (test/support/swarm.ts).
vi.setConfig({ testTimeout: SWARM_TEST_TIMEOUT_MS, hookTimeout: SWARM_TEST_TIMEOUT_MS });

const scope = new SwarmScope(inject('runId'), 'v');
const dir = mkdtempSync(join(tmpdir(), 'netform-swarm-validate-'));
const names = {
  bridge: scope.name('br'),
  overlay: scope.name('ov'),
  present: scope.name('present'),
  onBridge: scope.name('onbr'),
  missing: scope.name('missing'),
};
const subnet = (i: number): string => `${scope.subnet(7).v4Prefix}.${i * 32}/27`;

/** The spec, with the nodes as engines or (`engines: false`) for one engine; its lines, 1-based. */
function writeSpec(engines: boolean, withBridgeService = true): string[] {
  const lines = [
    'version: 1',
    `project: ${scope.name('p')}`,
    ...(engines
      ? ['engines:', `  manager: { host: ${SWARM.manager.host} }`, `  worker: { host: ${SWARM.worker.host} }`]
      : []),
    'networks:',
    // A bridge exists on its own node only.
    `  br: { external: true, name: ${names.bridge}${engines ? ', engines: [manager]' : ''} }`,
    `  ov: { external: true, name: ${names.overlay} }`,
    'services:',
    `  ${names.present}:`,
    '    networks:',
    '      ov: { aliases: [www] }',
    ...(withBridgeService ? [`  ${names.onBridge}:`, '    networks:', '      br: {}'] : []),
    `  ${names.missing}:`,
    '    networks: [ov]',
  ];
  writeFileSync(join(dir, 'netform.yaml'), lines.join('\n') + '\n');
  return lines;
}

/** The 1-based line of the first line of `lines` that contains `text`. */
const lineOf = (lines: string[], text: string): number => lines.findIndex((l) => l.includes(text)) + 1;

beforeAll(async () => {
  await requireSwarm();
  await dockerOnOk(SWARM.manager, [
    'network',
    'create',
    '--label',
    scope.label,
    '--subnet',
    subnet(4),
    names.bridge,
  ]);
  await dockerOnOk(SWARM.manager, [
    'network',
    'create',
    '--driver',
    'overlay',
    '--label',
    scope.label,
    '--subnet',
    subnet(5),
    names.overlay,
  ]);
  // No tasks needed: the services only have to exist.
  for (const service of [names.present, names.onBridge]) {
    await scope.createService(service, ['--replicas', '0', '--network', names.overlay]);
  }
});

afterAll(async () => {
  await scope.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('validate: services against the swarm', () => {
  it('reads what the checks rest on, independently: a local bridge, an overlay, two services', async () => {
    expect(
      await inspectOn<{ Driver: string; Scope: string }>(SWARM.manager, 'network', names.bridge),
    ).toMatchObject({
      Driver: 'bridge',
      Scope: 'local',
    });
    expect(
      await inspectOn<{ Driver: string; Scope: string }>(SWARM.manager, 'network', names.overlay),
    ).toMatchObject({
      Driver: 'overlay',
      Scope: 'swarm',
    });
    const services = await dockerOnOk(SWARM.manager, ['service', 'ls', '--format', '{{.Name}}']);
    const listed = services.split('\n');
    expect(listed).toContain(names.present);
    expect(listed).toContain(names.onBridge);
    expect(listed).not.toContain(names.missing);
  });

  for (const engines of [true, false]) {
    const how = engines ? 'both nodes as engines' : 'the manager as the one engine';
    it(`${how}: NF082 warning at the missing service, NF083 error at the bridge entry, nothing for the overlay`, async () => {
      const lines = writeSpec(engines);
      const env = engines ? {} : { DOCKER_HOST: SWARM.manager.host };
      const result = await runCli(['validate'], { cwd: dir, env });
      const out = result.stdout;
      const on = engines ? 'on engine manager: ' : '';
      const missingLine = lineOf(lines, `  ${names.missing}:`);
      const bridgeLine = lineOf(lines, '      br: {}');
      expect(out).toContain(
        `netform.yaml:${missingLine}:3 warning NF082 services.${names.missing}: ${on}service ${names.missing} does not exist on the swarm (pending): plan leaves its networks alone until it does`,
      );
      expect(out).toContain(
        `netform.yaml:${bridgeLine}:7 error NF083 services.${names.onBridge}.networks.br: ${on}service ${names.onBridge} cannot use the external network ${names.bridge}: it is a bridge network of scope local, and a service uses only networks of the swarm's scope`,
      );
      // One line each, in line order: the overlay, the service that exists and the worker give nothing.
      expect(out.match(/ (error|warning) NF\d{3} /g)).toEqual([' error NF083 ', ' warning NF082 ']);
      expect(out).toContain('1 error, 1 warning');
      expect(result.code).toBe(1);

      // Without the service on the bridge: valid, with the warning.
      writeSpec(engines, false);
      const valid = await runCli(['validate'], { cwd: dir, env });
      expect(valid.stdout.match(/ (error|warning) NF\d{3} /g)).toEqual([' warning NF082 ']);
      expect(valid.stdout).toContain('(0 errors, 1 warning)');
      expect(valid.code).toBe(0);
    });
  }
});
