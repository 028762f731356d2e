import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { BLOCKS } from '../support/blocks.js';
import { runCli } from '../support/cli.js';
import { docker, dockerInspect, EngineScope } from '../support/engine.js';
import type { ContainerInspect, NetworkInspect } from '../support/inspect.js';

/**
 * A saved plan records the options it was made with (--target, --adopt, --strict): applying it
 * carries it out and verifies it in that same scope, through the real CLI, checked with
 * `docker network inspect`.
 */
const scope = new EngineScope(inject('runId'), BLOCKS.savedPlans);
let dir: string;

async function writeSpec(name: string, spec: object): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, stringify({ version: 1, project: scope.name(name), ...spec }));
  return file;
}

const exists = async (network: string): Promise<boolean> =>
  (await docker(['network', 'inspect', network])).code === 0;

/** `plan ... --out`, then `apply PLANFILE --auto-approve`; both must succeed. */
async function planThenApply(
  file: string,
  options: string[],
): Promise<{ recorded: unknown; stdout: string }> {
  const out = join(dir, `${options.join('_').replace(/[^a-z0-9_]/gi, '')}.plan`);
  const planned = await runCli(['--log-level', 'warn', 'plan', '-f', file, ...options, '--out', out]);
  expect(planned.stderr).toBe('');
  expect(planned.code).toBe(0);
  const recorded = (JSON.parse(await readFile(out, 'utf8')) as { options: unknown }).options;
  const applied = await runCli(['--log-level', 'warn', 'apply', out, '--auto-approve']);
  expect(applied.stderr).not.toMatch(/error|warning/i);
  expect(applied.stdout).not.toMatch(/Not converged/);
  expect(applied.code).toBe(0);
  expect(applied.stdout).toMatch(/Verified: the engine matches the spec/);
  return { recorded, stdout: applied.stdout };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netform-saved-plan-test-'));
});

afterAll(async () => {
  await scope.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('saved plans keep their options', () => {
  it('--target: creates only the target and verifies within it', async () => {
    const front = scope.name('front');
    const back = scope.name('back');
    const app = await scope.createContainer('app', { start: false });
    const file = await writeSpec('target', {
      networks: { [front]: { subnet: scope.subnet(0).v4 }, [back]: { subnet: scope.subnet(1).v4 } },
      containers: { [app]: { networks: { [front]: {}, [back]: { aliases: ['db'] } } } },
    });
    const { recorded } = await planThenApply(file, ['--target', back]);
    expect(recorded).toEqual({ targets: [back] });

    const net = await dockerInspect<NetworkInspect>('network', back);
    expect(net.IPAM.Config).toEqual([expect.objectContaining({ Subnet: scope.subnet(1).v4 })]);
    expect(net.Labels?.['io.netform.project']).toBe(scope.name('target'));
    expect(await exists(front)).toBe(false);
    const endpoints = (await dockerInspect<ContainerInspect>('container', app)).NetworkSettings.Networks;
    expect(Object.keys(endpoints)).not.toContain(front);
    expect(endpoints[back]?.Aliases).toContain('db');
  });

  it('--adopt: replaces the unmanaged network with a managed one and verifies', async () => {
    const subnet = scope.subnet(2).v4;
    const adopted = await scope.createNetwork('adopted', ['--subnet', subnet]);
    const file = await writeSpec('adopt', { networks: { [adopted]: { subnet, internal: true } } });
    const refused = await runCli(['plan', '-f', file]);
    expect(refused.code).toBe(1);

    const { recorded } = await planThenApply(file, ['--adopt', adopted]);
    expect(recorded).toEqual({ adopt: [adopted] });
    const net = await dockerInspect<NetworkInspect>('network', adopted);
    expect(net.Internal).toBe(true);
    expect(net.Labels).toMatchObject({
      'io.netform.managed': 'true',
      'io.netform.project': scope.name('adopt'),
    });
  });

  it('--strict: applies and verifies with strictness', async () => {
    const net = scope.name('strict-net');
    const app = await scope.createContainer('strict-app');
    const file = await writeSpec('strict', {
      networks: { [net]: { subnet: scope.subnet(3).v4 } },
      containers: { [app]: { networks: { [net]: { aliases: ['api'] } } } },
    });
    const { recorded } = await planThenApply(file, ['--strict']);
    expect(recorded).toEqual({ strict: true });
    const endpoint = (await dockerInspect<ContainerInspect>('container', app)).NetworkSettings.Networks[net];
    expect(endpoint?.Aliases).toContain('api');
  });

  it('prints the plan as Markdown with --format markdown, and refuses --json beside it', async () => {
    const net = scope.name('md-net');
    const file = await writeSpec('markdown', { networks: { [net]: { subnet: scope.subnet(4).v4 } } });
    const markdown = await runCli(['plan', '-f', file, '--format', 'markdown']);
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toContain(`### netform plan for project \`${scope.name('markdown')}\``);
    expect(markdown.stdout).toContain(`\`\`\`diff\n+ create network ${net}\n`);
    const both = await runCli(['plan', '-f', file, '--format', 'markdown', '--json']);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/--json and --format markdown disagree/);
    const json = await runCli(['apply', '-f', file, '--format', 'json', '--auto-approve']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ format: 'netform-apply-result', status: 'applied' });
  });
});
