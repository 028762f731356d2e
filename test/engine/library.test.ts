import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import {
  apply,
  compileSpec,
  connectDocker,
  observe,
  plan,
  renderPlan,
  validate,
  type DockerPort,
} from '../../src/index.js';
import { BLOCKS } from '../support/blocks.js';
import { dockerInspect, EngineScope } from '../support/engine.js';
import type { ContainerInspect, NetworkInspect } from '../support/inspect.js';

const scope = new EngineScope(inject('runId'), BLOCKS.library);
let docker: DockerPort | undefined;

afterAll(async () => {
  await docker?.close();
  await scope.cleanup();
});

// The library is what the CLI is made of; this drives it as a program embedding netform would.
describe('the library API against the engine', () => {
  it('loads, observes, validates, plans, applies and verifies, and a second plan is empty', async () => {
    const container = await scope.createContainer('lib-app', { start: false });
    const network = scope.name('lib-net');
    const { v4, v4Prefix } = scope.subnet(0);
    const compiled = compileSpec([
      {
        file: 'lib.yaml',
        text: stringify({
          version: 1,
          project: scope.name('lib'),
          networks: { [network]: { subnet: v4, ip_range: `${v4Prefix}.128/25`, labels: { tier: 'lib' } } },
          containers: {
            [container]: { networks: { [network]: { aliases: ['api'], ipv4_address: `${v4Prefix}.130` } } },
          },
        }),
      },
    ]);
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));

    docker = await connectDocker({ env: process.env });
    const before = await observe(docker, compiled.spec);
    expect(validate(compiled.spec, before)).toEqual([]);
    const first = plan(compiled.spec, before);
    expect(first.summary).toMatchObject({ create: 1, connect: 1, remove: 0, replace: 0 });
    expect(renderPlan(first)).toContain(`+ create network ${network}`);
    expect(JSON.parse(renderPlan(first, { format: 'json' }))).toEqual(JSON.parse(JSON.stringify(first)));

    const result = await apply(docker, { desired: compiled.spec });
    expect(result.status).toBe('applied');

    // An independent read of the engine.
    const net = await dockerInspect<NetworkInspect>('network', network);
    expect(net.Labels).toMatchObject({
      tier: 'lib',
      'io.netform.managed': 'true',
      'io.netform.project': scope.name('lib'),
    });
    expect(net.IPAM.Config).toEqual([expect.objectContaining({ Subnet: v4, IPRange: `${v4Prefix}.128/25` })]);
    const endpoint = (await dockerInspect<ContainerInspect>('container', container)).NetworkSettings.Networks[
      network
    ];
    expect(endpoint?.Aliases).toContain('api');
    expect(endpoint?.IPAMConfig?.IPv4Address).toBe(`${v4Prefix}.130`);

    const after = await observe(docker, compiled.spec);
    expect(plan(compiled.spec, after).actions).toEqual([]);
    // The lock lease is gone once apply returns.
    expect(after.networks.filter((n) => n.labels['io.netform.lock'] === scope.name('lib'))).toEqual([]);
  });
});
