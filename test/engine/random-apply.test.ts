import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { BLOCKS } from '../support/blocks.js';
import { runCli } from '../support/cli.js';
import { docker, dockerInspect, EngineScope } from '../support/engine.js';
import type { ContainerInspect, NetworkInspect } from '../support/inspect.js';

const scope = new EngineScope(inject('runId'), BLOCKS.randomApply);
const project = scope.name('p');
let dir: string;

const NETWORKS = [0, 1, 2];
const CONTAINERS = [0, 1, 2];
const ALIASES = ['al', 'be', 'ga'];

interface RandomNetwork {
  /** Which of the network's two subnets: changing it forces a replace. */
  subnetChoice: 0 | 1;
  label?: 'v1' | 'v2';
  internal: boolean;
}
interface RandomAttachment {
  aliases: string[];
  staticAddress: boolean;
}
interface RandomSpec {
  networks: (RandomNetwork | null)[];
  /** [container][network] */
  attachments: (RandomAttachment | null)[][];
}

const randomSpec: fc.Arbitrary<RandomSpec> = fc.record({
  networks: fc.tuple(
    ...NETWORKS.map(() =>
      fc.option(
        fc.record(
          {
            subnetChoice: fc.constantFrom<0 | 1>(0, 1),
            label: fc.constantFrom<'v1' | 'v2'>('v1', 'v2'),
            internal: fc.boolean(),
          },
          { requiredKeys: ['subnetChoice', 'internal'] },
        ),
        { freq: 4 },
      ),
    ),
  ),
  attachments: fc.tuple(
    ...CONTAINERS.map(() =>
      fc.tuple(
        ...NETWORKS.map(() =>
          fc.option(fc.record({ aliases: fc.subarray(ALIASES), staticAddress: fc.boolean() }), { freq: 2 }),
        ),
      ),
    ),
  ),
});

const netName = (n: number) => scope.name(`r${n}`);
const subnetOf = (n: number, choice: 0 | 1) => scope.subnet(n + 3 * choice);
const addressOf = (n: number, choice: 0 | 1, c: number) => `${subnetOf(n, choice).v4Prefix}.${10 + c}`;

describe('randomApply', () => {
  let containers: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netform-random-apply-'));
    containers = [
      await scope.createContainer('c0'),
      await scope.createContainer('c1', { start: false }),
      await scope.createContainer('c2'),
    ];
  });

  afterAll(async () => {
    await scope.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  function specYaml(spec: RandomSpec): object {
    const networks: Record<string, object> = {};
    for (const n of NETWORKS) {
      const net = spec.networks[n];
      if (!net) continue;
      networks[netName(n)] = {
        subnet: subnetOf(n, net.subnetChoice).v4,
        internal: net.internal,
        ...(net.label ? { labels: { k: net.label } } : {}),
      };
    }
    const containerSpecs: Record<string, object> = {};
    for (const c of CONTAINERS) {
      const attachments: Record<string, object> = {};
      for (const n of NETWORKS) {
        const net = spec.networks[n];
        const attachment = spec.attachments[c]?.[n];
        if (!net || !attachment) continue;
        attachments[netName(n)] = {
          aliases: attachment.aliases,
          ...(attachment.staticAddress ? { ipv4_address: addressOf(n, net.subnetChoice, c) } : {}),
        };
      }
      containerSpecs[containers[c]!] = { networks: attachments };
    }
    return { version: 1, project, networks, containers: containerSpecs };
  }

  /** Checks the engine against the spec with the docker CLI only. */
  async function expectEngineMatches(spec: RandomSpec): Promise<void> {
    for (const n of NETWORKS) {
      const net = spec.networks[n];
      const exists = (await docker(['network', 'inspect', netName(n)])).code === 0;
      expect(exists, netName(n)).toBe(net !== null);
      if (!net) continue;
      const inspect = await dockerInspect<NetworkInspect>('network', netName(n));
      expect(inspect.IPAM.Config?.map((p) => p.Subnet)).toEqual([subnetOf(n, net.subnetChoice).v4]);
      expect(inspect.Internal).toBe(net.internal);
      expect(inspect.Labels).toEqual({
        'io.netform.managed': 'true',
        'io.netform.project': project,
        ...(net.label ? { k: net.label } : {}),
      });
    }
    for (const c of CONTAINERS) {
      const inspect = await dockerInspect<ContainerInspect>('container', containers[c]!);
      for (const n of NETWORKS) {
        const net = spec.networks[n];
        if (!net) continue;
        const attachment = spec.attachments[c]?.[n];
        const endpoint = inspect.NetworkSettings.Networks[netName(n)];
        expect(endpoint !== undefined, `${containers[c]} on ${netName(n)}`).toBe(attachment !== null);
        if (!attachment || !endpoint) continue;
        const aliases = (endpoint.Aliases ?? []).filter((a) => a !== inspect.Id.slice(0, 12)).sort();
        expect(aliases).toEqual([...attachment.aliases].sort());
        expect(endpoint.IPAMConfig?.IPv4Address || undefined).toBe(
          attachment.staticAddress ? addressOf(n, net.subnetChoice, c) : undefined,
        );
      }
    }
  }

  it('random specs applied one after another leave the engine matching each, with an empty plan after each', async () => {
    const file = join(dir, 'netform.yaml');
    await fc.assert(
      fc.asyncProperty(randomSpec, async (spec) => {
        await writeFile(file, stringify(specYaml(spec)));
        const result = await runCli(['apply', '-f', file, '--auto-approve']);
        expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
        await expectEngineMatches(spec);
        const plan = await runCli(['plan', '-f', file, '--detailed-exitcode']);
        expect(plan.code, plan.stdout).toBe(0);
      }),
      { numRuns: 8 },
    );
  }, 600_000); // eight applies with their checks, on an engine shared with other test files
});
