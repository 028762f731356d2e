import { createHash } from 'node:crypto';
import type { EngineInfo, ObservedState } from '../src/model/observed.js';
import type { Plan } from '../src/model/plan.js';
import type { DesiredState } from '../src/model/desired.js';
import type { ApiContainerInspect, ApiContainerSummary, ApiNetwork } from '../src/docker/engine-api.js';
import type { ObservePayloads } from '../src/docker/convert.js';
import { median } from './measure.js';
import type { BenchResults } from './results.js';
import { renderSpec } from './peers/netform.js';
import { EMPTY_STATE, type BenchState, type Scenario } from './scenario.js';

type Compile = (
  sources: { file: string; text: string }[],
) => { ok: true; spec: DesiredState } | { ok: false; errors: { message: string }[] };
type Convert = (engine: EngineInfo, payloads: ObservePayloads) => ObservedState;
type PlanChanges = (desired: DesiredState, observed: ObservedState) => Plan;

const fakeId = (name: string): string => createHash('sha256').update(name).digest('hex');

/**
 * What Engine 20.10 (API 1.41) answers for a state: the network list, the container list (no
 * aliases) and each container's inspect (aliases plus the short id, as 1.41 lists it).
 */
export function enginePayloads(scenario: Scenario, state: BenchState): ObservePayloads {
  const networks: ApiNetwork[] = [...state.networks.values()].map((n) => ({
    Name: n.name,
    Id: fakeId(n.name),
    Scope: 'local',
    Driver: 'bridge',
    EnableIPv6: false,
    IPAM: {
      Driver: 'default',
      Options: {},
      Config: [{ Subnet: n.subnet, Gateway: n.subnet.replace(/0\/27$/, '1') }],
    },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: {},
    Labels: n.labels,
  }));
  const summaries: ApiContainerSummary[] = [];
  const inspects: ApiContainerInspect[] = [];
  scenario.containers.forEach((name, c) => {
    const id = fakeId(name);
    const endpoints = (withAliases: boolean) => {
      const out: Record<string, object> = {
        bridge: { NetworkID: fakeId('bridge'), Aliases: null, IPAddress: `172.17.${c >> 8}.${c & 255}` },
      };
      for (const [network, aliases] of state.attachments.get(name) ?? []) {
        out[network] = {
          IPAMConfig: null,
          Links: null,
          Aliases: withAliases ? [...aliases, id.slice(0, 12)] : null,
          NetworkID: fakeId(network),
          EndpointID: fakeId(`${name}/${network}`),
          IPAddress: '10.213.128.10',
          IPPrefixLen: 27,
          MacAddress: '02:42:0a:d5:80:0a',
          DriverOpts: null,
        };
      }
      return out;
    };
    summaries.push({
      Id: id,
      Names: [`/${name}`],
      State: 'running',
      Labels: {},
      NetworkSettings: { Networks: endpoints(false) },
    });
    inspects.push({
      Id: id,
      Name: `/${name}`,
      State: { Status: 'running' },
      Config: { Labels: {} },
      NetworkSettings: { Networks: endpoints(true) },
    });
  });
  return { networks, containers: summaries, inspects };
}

const ENGINE: EngineInfo = {
  version: '20.10.24+dfsg1',
  apiVersion: '1.41',
  engineApiVersion: '1.41',
  os: 'linux',
  arch: 'amd64',
  swarmState: 'inactive',
  swarmControl: false,
};

function cpuOf(work: () => unknown, times: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const before = process.cpuUsage();
    work();
    const used = process.cpuUsage(before);
    out.push((used.user + used.system) / 1000);
  }
  return out;
}

/**
 * CPU time of netform's pure steps on the plan-only scenario, in this process, from netform's
 * built dist/: compiling the spec, converting the engine's answers, and planChanges for a
 * converged engine (no-op) and an empty one (cold). One warm-up run each is not counted.
 */
export async function measurePurePlan(
  distUrl: string,
  scenario: Scenario,
): Promise<NonNullable<BenchResults['planOnly']['purePlan']>> {
  const { compileSpec } = (await import(`${distUrl}/spec/compile.js`)) as { compileSpec: Compile };
  const { observedStateFrom } = (await import(`${distUrl}/docker/convert.js`)) as {
    observedStateFrom: Convert;
  };
  const { planChanges } = (await import(`${distUrl}/core/plan.js`)) as { planChanges: PlanChanges };
  const text = renderSpec(scenario, scenario.initial);
  const compiled = compileSpec([{ file: 'plan-only.yaml', text }]);
  if (!compiled.ok)
    throw new Error(`netform rejects the plan-only spec: ${compiled.errors[0]?.message ?? ''}`);
  const converged = enginePayloads(scenario, scenario.initial);
  const empty = enginePayloads(scenario, EMPTY_STATE);
  const observedConverged = observedStateFrom(ENGINE, converged);
  const observedEmpty = observedStateFrom(ENGINE, empty);
  const noop = planChanges(compiled.spec, observedConverged);
  const cold = planChanges(compiled.spec, observedEmpty);
  const times = 5;
  const cases = [
    {
      name: 'compile the spec (parse, schema, checks, normalise)',
      cpuMs: cpuOf(() => compileSpec([{ file: 'plan-only.yaml', text }]), times),
      actions: 0,
    },
    {
      name: 'convert the engine’s answers (observedStateFrom)',
      cpuMs: cpuOf(() => observedStateFrom(ENGINE, converged), times),
      actions: 0,
    },
    {
      name: 'planChanges, converged engine (no-op)',
      cpuMs: cpuOf(() => planChanges(compiled.spec, observedConverged), times),
      actions: noop.actions.length,
    },
    {
      name: 'planChanges, empty engine (cold)',
      cpuMs: cpuOf(() => planChanges(compiled.spec, observedEmpty), times),
      actions: cold.actions.length,
    },
  ];
  return {
    cases: cases.map((c) => ({ ...c, medianCpuMs: median(c.cpuMs) })),
    note:
      `Pure steps in-process on ${scenario.size.networks} networks, ${scenario.containers.length} containers, ` +
      `${scenario.size.networks * 3} attachments (medians of ${times} after a warm-up). ` +
      (noop.actions.length === 0
        ? 'The converged plan is empty, as it should be.'
        : `**The converged plan has ${noop.actions.length} actions: it should have none.**`),
  };
}
