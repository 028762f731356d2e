import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { SHARED_BLOCKS } from '../support/blocks.js';
import { runCli } from '../support/cli.js';
import { dockerInspect, dockerOk, EngineScope } from '../support/engine.js';
import type { ContainerInspect, EndpointInspect } from '../support/inspect.js';

/**
 * Selectors on the real engine, through the real CLI, read back with `docker inspect`. The rule
 * matches a label key unique to this run, so it can never attach a container another test (or
 * anyone else) made.
 */
const scope = new EngineScope(inject('runId'), SHARED_BLOCKS.selectors);
const project = scope.name('p');
const TEAM = `${scope.prefix}team`;
let dir: string;

const backend = scope.name('backend');
const side = scope.name('side');

async function writeSpec(spec: object, name = 'netform.yaml'): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, stringify({ version: 1, project, ...spec }));
  return file;
}

async function endpoints(container: string): Promise<Record<string, EndpointInspect>> {
  return (await dockerInspect<ContainerInspect>('container', container)).NetworkSettings.Networks;
}

/** The container's networks among this file's, sorted. */
async function networksOf(container: string): Promise<string[]> {
  return Object.keys(await endpoints(container))
    .filter((name) => name.startsWith(scope.prefix))
    .sort();
}

const payments = (networks: object) => ({
  payments: { match: { labels: { [TEAM]: 'payments' } }, engines: 'all', networks },
});

const networks = {
  [backend]: { subnet: scope.subnet(0).v4 },
  [side]: { subnet: scope.subnet(1).v4 },
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netform-selectors-test-'));
});

afterAll(async () => {
  await scope.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('selectors', () => {
  let pay1: string;
  let other: string;

  beforeAll(async () => {
    pay1 = await scope.createContainer('pay-1', { args: ['--label', `${TEAM}=payments`] });
    other = await scope.createContainer('other', { args: ['--label', `${TEAM}=billing`] });
  });

  it('attaches the matching containers with the rule aliases, and not the others', async () => {
    const file = await writeSpec({
      networks,
      selectors: payments({ [backend]: { aliases: ['payments'] }, [side]: {} }),
    });
    const result = await runCli(['apply', '-f', file, '--auto-approve']);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`connect ${pay1} to ${backend}: aliases [payments]`);
    expect(result.stdout).toMatch(/Verified: the engine matches the spec/);

    expect(await networksOf(pay1)).toEqual([backend, side].sort());
    expect((await endpoints(pay1))[backend]?.Aliases).toContain('payments');
    expect(await networksOf(other)).toEqual([]);
  });

  it('attaches a container created with matching labels after the first apply, and leaves a non-matching one as it is', async () => {
    const file = await writeSpec({
      networks,
      selectors: payments({ [backend]: { aliases: ['payments'] }, [side]: {} }),
    });
    const pay2 = await scope.createContainer('pay-2', {
      args: ['--label', `${TEAM}=payments`, '--label', 'x=y'],
    });
    const pay3 = await scope.createContainer('pay-3', {
      start: false,
      args: ['--label', `${TEAM}=payments`],
    });
    // Someone else's attachment to a network a rule uses: a container the rule does not match keeps it.
    await dockerOk(['network', 'connect', '--alias', 'manual', backend, other]);
    // A matching container that shares pay-1's network stack cannot be connected: left alone.
    const sidecar = await scope.createContainer('sidecar', {
      network: `container:${pay1}`,
      args: ['--label', `${TEAM}=payments`],
    });

    const plan = await runCli(['plan', '-f', file, '--detailed-exitcode']);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain(`${sidecar} matches selectors.payments but runs with --network container:`);
    expect(plan.stdout).toContain(
      'Plan: 0 to create, 0 to replace, 0 to remove; 4 to connect, 0 to disconnect',
    );

    const result = await runCli(['apply', '-f', file, '--auto-approve']);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Verified: the engine matches the spec/);
    for (const container of [pay2, pay3]) {
      expect(await networksOf(container)).toEqual([backend, side].sort());
      expect((await endpoints(container))[backend]?.Aliases).toContain('payments');
    }
    expect((await dockerInspect<ContainerInspect>('container', pay3)).State.Status).toBe('created');
    expect(await networksOf(other)).toEqual([backend]);
    expect((await endpoints(other))[backend]?.Aliases).toEqual(expect.arrayContaining(['manual']));
    expect((await endpoints(other))[backend]?.Aliases).not.toContain('payments');
    expect(await networksOf(sidecar)).toEqual([]);

    const again = await runCli(['plan', '-f', file, '--detailed-exitcode']);
    expect(again.code).toBe(0);
  });

  it('refuses a saved plan once a new container matches', async () => {
    const file = await writeSpec({
      networks,
      selectors: payments({ [backend]: { aliases: ['payments'] }, [side]: {} }),
    });
    const planFile = join(dir, 'saved.plan');
    expect((await runCli(['plan', '-f', file, '--out', planFile])).code).toBe(0);
    const late = await scope.createContainer('late', { args: ['--label', `${TEAM}=payments`] });
    const result = await runCli(['apply', planFile, '--auto-approve']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/stale/);
    expect(await networksOf(late)).toEqual([]);
  });

  it('refuses a conflict between a rule and a listed container before anything runs', async () => {
    const file = await writeSpec({
      networks,
      containers: { [pay1]: { networks: { [backend]: { aliases: ['api'] } } } },
      selectors: payments({ [backend]: { aliases: ['payments'] }, [side]: {} }),
    });
    const before = await networksOf(scope.name('late'));
    const result = await runCli(['apply', '-f', file, '--auto-approve']);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toMatch(
      new RegExp(
        `NF220 selectors\\.payments\\.networks\\.${backend}: containers\\.${pay1} \\(.*netform\\.yaml:\\d+:\\d+\\) ` +
          `and selectors\\.payments \\(.*netform\\.yaml:\\d+:\\d+\\) give ${pay1} different settings on ${backend}: ` +
          'aliases \\[api\\] vs \\[payments\\]',
      ),
    );
    expect(result.stderr).toMatch(/nothing was changed/);
    // Nothing ran: the late container stays unattached, pay-1 keeps the rule's alias.
    expect(await networksOf(scope.name('late'))).toEqual(before);
    expect((await endpoints(pay1))[backend]?.Aliases).toContain('payments');
    expect((await endpoints(pay1))[backend]?.Aliases).not.toContain('api');
  });

  it('disconnects a network dropped from the rule, and leaves containers alone once no rule matches them', async () => {
    const dropped = await writeSpec({
      networks,
      selectors: payments({ [backend]: { aliases: ['payments'] } }),
    });
    const result = await runCli(['apply', '-f', dropped, '--auto-approve']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`disconnect ${pay1} from ${side}`);
    expect(await networksOf(pay1)).toEqual([backend]);
    expect(await networksOf(scope.name('late'))).toEqual([backend]);

    const noRule = await writeSpec({ networks });
    const plan = await runCli(['plan', '-f', noRule, '--detailed-exitcode']);
    expect(plan.code).toBe(0);
    expect(await networksOf(pay1)).toEqual([backend]);
    expect((await endpoints(pay1))[backend]?.Aliases).toContain('payments');
  });
});
