import { describe, expect, it } from 'vitest';
import { hashSpec } from '../../../src/core/fingerprint.js';
import {
  buildFleetPlanFile,
  buildPlanFile,
  checkPlanFreshness,
  isFleetPlanFile,
  parsePlanFile,
  parseSavedPlanFile,
  serializePlanFile,
} from '../../../src/core/plan-file.js';
import type { FleetPlan } from '../../../src/model/fleet.js';
import { planChanges } from '../../../src/core/plan.js';
import { canonicalJson, sha256 } from '../../../src/core/canonical-json.js';
import { NetformError } from '../../../src/model/errors.js';
import type { ObservedState } from '../../../src/model/observed.js';
import { readGoldenCase } from './golden-inputs.js';

function savedPlan(name: string) {
  const { desired, observed, options } = readGoldenCase(name);
  const plan = planChanges(desired, observed, options);
  const file = buildPlanFile({
    plan,
    desired,
    options,
    observed,
    host: 'unix:///var/run/docker.sock',
    netformVersion: '0.1.0',
    createdAt: '2026-11-23T00:00:00.000Z',
  });
  return { desired, observed, plan, file, text: serializePlanFile(file) };
}

const rejection = (text: string): string => {
  try {
    parsePlanFile(text, 'plan.json');
  } catch (error) {
    expect(error).toBeInstanceOf(NetformError);
    return (error as NetformError).message;
  }
  throw new Error('parsePlanFile accepted it');
};

describe('plan files', () => {
  it('round-trips and records the engine, the spec hash and the fingerprint', () => {
    const { file, text, plan, desired } = savedPlan('replace-subnet-with-endpoints');
    const parsed = parsePlanFile(text, 'plan.json');
    expect(parsed).toEqual(file);
    expect(parsed.plan).toEqual(plan);
    expect(parsed.format).toBe('netform-plan');
    expect(parsed.engine).toEqual({
      host: 'unix:///var/run/docker.sock',
      version: '20.10.24+dfsg1',
      apiVersion: '1.41',
    });
    expect(parsed.specHash).toBe(hashSpec(desired));
    expect(parsed.stateFingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects a tampered file', () => {
    const { text } = savedPlan('replace-subnet-with-endpoints');
    const tampered = text.replace('"10.9.0.10"', '"10.9.0.11"');
    expect(tampered).not.toBe(text);
    expect(rejection(tampered)).toMatch(/changed since netform wrote it/);
  });

  it('rejects a truncated file, a foreign file and another format version', () => {
    const { text, file } = savedPlan('create-network');
    expect(rejection(text.slice(0, text.length / 2))).toMatch(/not valid JSON.*truncated/);
    expect(rejection('{"format":"terraform-plan"}')).toMatch(/not a netform plan/);
    expect(rejection('[1,2]')).toMatch(/not a netform plan/);
    expect(rejection(JSON.stringify({ ...file, formatVersion: 2 }))).toMatch(
      /format version 2; this netform reads version 1/,
    );
  });

  it('records the options the plan was made with, so applying it verifies in the same scope', () => {
    const { file } = savedPlan('target-network');
    expect(file.options).toEqual(readGoldenCase('target-network').options);
    expect(parsePlanFile(serializePlanFile(file), 'plan.json').options).toEqual(file.options);
    const { checksum: _checksum, options: _options, ...older } = file;
    const body = { ...older };
    const rewritten = JSON.stringify({ ...body, checksum: sha256(canonicalJson(body)) });
    expect(rejection(rewritten)).toMatch(/older netform: it does not record the spec and options/);
  });

  it('ignores source positions in the spec hash', () => {
    const { desired } = readGoldenCase('create-network');
    const moved = structuredClone(desired);
    for (const network of Object.values(moved.networks))
      network.source = { file: 'x.yaml', line: 99, column: 1 };
    expect(hashSpec(moved)).toBe(hashSpec(desired));
    moved.networks['plain']!.internal = true;
    expect(hashSpec(moved)).not.toBe(hashSpec(desired));
  });
});

describe('checkPlanFreshness', () => {
  const { file, observed } = savedPlan('no-change-engine-20.10');
  const mutate = (change: (state: ObservedState) => void): ObservedState => {
    const copy = structuredClone(observed);
    change(copy);
    return copy;
  };

  it('is fresh for the same state and for changes that are not drift', () => {
    expect(checkPlanFreshness(file, observed)).toEqual({ fresh: true });
    const notDrift = mutate((state) => {
      const web = state.containers[0]!;
      const endpoint = web.endpoints['app']!;
      web.state = 'exited';
      endpoint.macAddress = '9e:9e:9e:9e:9e:9e';
      endpoint.ipv4Address = '10.1.0.77';
      endpoint.dnsNames = ['web', 'www'];
      endpoint.aliases = ['www'];
      const app = state.networks.find((n) => n.name === 'app')!;
      app.options['com.docker.network.enable_ipv4'] = 'true';
      app.ipam.config[0]!.gateway = '10.1.0.1';
      app.enableIPv4 = true;
      state.engine = { ...state.engine, version: '28.3.2', apiVersion: '1.51' };
    });
    expect(checkPlanFreshness(file, notDrift)).toEqual({ fresh: true });
  });

  it('is stale when something the plan depends on changed', () => {
    const changes: ((state: ObservedState) => void)[] = [
      (state) => {
        state.containers[0]!.endpoints['app']!.aliases.push('extra');
      },
      (state) => {
        state.networks.find((n) => n.name === 'app')!.id = 'f'.repeat(64);
      },
      (state) => {
        state.networks.find((n) => n.name === 'app')!.labels['tier'] = 'back';
      },
      (state) => {
        state.containers[0]!.endpoints = {};
      },
      (state) => {
        state.containers[0]!.id = 'e'.repeat(64);
      },
      (state) => {
        const app = state.networks.find((n) => n.name === 'app')!;
        state.containers.push({
          id: 'd'.repeat(64),
          name: 'newcomer',
          state: 'running',
          labels: {},
          endpoints: {
            app: {
              networkId: app.id,
              networkName: 'app',
              aliases: [],
              aliasesKnown: true,
              configuredLinkLocalIps: [],
              driverOpts: {},
            },
          },
        });
      },
      (state) => {
        state.networks.push({
          ...structuredClone(state.networks[3]!),
          id: 'c'.repeat(64),
          name: 'orphan',
          labels: { 'io.netform.managed': 'true', 'io.netform.project': 'shop' },
        });
      },
    ];
    for (const change of changes) {
      const result = checkPlanFreshness(file, mutate(change));
      expect(result.fresh).toBe(false);
    }
  });
});

describe('plan files of a spec with services', () => {
  it('record the services, so the saved plan is fresh against the engine it was made on', () => {
    const { file, observed, desired } = savedPlan('service-update');
    expect(Object.keys(desired.services ?? {})).not.toEqual([]);
    const parsed = parsePlanFile(serializePlanFile(file), 'plan.json');
    expect(Object.keys(parsed.spec.services ?? {})).toEqual(Object.keys(desired.services ?? {}));
    expect(checkPlanFreshness(parsed, observed)).toEqual({ fresh: true });
  });
});

describe('plan files across engines', () => {
  // Two engines, each with its own part of the spec and its own state (golden cases stand in).
  const a = readGoldenCase('replace-subnet-with-endpoints');
  const b = readGoldenCase('create-network');
  const planA = planChanges(a.desired, a.observed, {});
  const planB = planChanges(b.desired, b.observed, {});
  const whole = {
    ...a.desired,
    engines: {
      a: { name: 'a', host: 'unix:///a.sock', source: { file: 'netform.yaml', line: 3, column: 3 } },
      b: { name: 'b', context: 'edge-b' },
    },
  };
  const fleetPlan: FleetPlan = {
    project: a.desired.project,
    engines: [
      { engine: 'a', host: 'unix:///a.sock', plan: planA },
      { engine: 'b', host: 'unix:///b.sock (docker context edge-b)', plan: planB },
    ],
    summary: planA.summary,
  };
  const build = () =>
    buildFleetPlanFile({
      plan: fleetPlan,
      desired: whole,
      options: { targets: ['z', 'y', 'z'] },
      engines: new Map([
        ['a', { desired: a.desired, observed: a.observed, host: 'unix:///a.sock' }],
        ['b', { desired: b.desired, observed: b.observed, host: 'unix:///b.sock (docker context edge-b)' }],
      ]),
      netformVersion: '0.1.0',
      createdAt: '2026-11-30T00:00:00.000Z',
    });

  it('round-trip: one file, the plan across engines, and per engine its address, part of the spec and fingerprint', () => {
    const file = build();
    const text = serializePlanFile(file);
    const parsed = parseSavedPlanFile(text, 'fleet.plan');
    expect(parsed).toEqual(file);
    if (!isFleetPlanFile(parsed)) throw new Error('not across engines');
    expect(parsed.format).toBe('netform-plan');
    expect(parsed.formatVersion).toBe(1);
    expect(parsed.plan).toEqual(fleetPlan);
    expect(parsed.options).toEqual({ targets: ['y', 'z'] });
    // The whole spec, with the engines it connects to (positions left out).
    expect(parsed.spec.engines).toEqual({
      a: { name: 'a', host: 'unix:///a.sock' },
      b: { name: 'b', context: 'edge-b' },
    });
    expect(parsed.specHash).toBe(hashSpec(whole));
    expect(parsed.engines.map((e) => [e.name, e.engine])).toEqual([
      [
        'a',
        {
          host: 'unix:///a.sock',
          version: a.observed.engine.version,
          apiVersion: a.observed.engine.apiVersion,
        },
      ],
      [
        'b',
        {
          host: 'unix:///b.sock (docker context edge-b)',
          version: b.observed.engine.version,
          apiVersion: b.observed.engine.apiVersion,
        },
      ],
    ]);
    expect(parsed.engines[0]!.spec).toEqual(JSON.parse(JSON.stringify(parsed.engines[0]!.spec)));
    expect(hashSpec(parsed.engines[1]!.spec)).toBe(hashSpec(b.desired));
    // A single-engine file is still read as one (and is not taken for one across engines).
    const single = parseSavedPlanFile(serializePlanFile(savedPlan('create-network').file));
    expect(isFleetPlanFile(single)).toBe(false);
  });

  it('each engine is fresh against its own state and stale against a changed one', () => {
    const file = build();
    const [entryA, entryB] = file.engines;
    expect(checkPlanFreshness(entryA!, a.observed)).toEqual({ fresh: true });
    expect(checkPlanFreshness(entryB!, b.observed)).toEqual({ fresh: true });
    const changed = structuredClone(b.observed);
    changed.networks.push({ ...changed.networks[0]!, id: 'f'.repeat(64), name: 'plain' });
    expect(checkPlanFreshness(entryB!, changed).fresh).toBe(false);
    // Engine a's record says nothing about engine b's state.
    expect(checkPlanFreshness(entryA!, b.observed).fresh).toBe(false);
  });

  it('parsePlanFile (one engine) refuses it, saying how to apply it', () => {
    expect(rejection(serializePlanFile(build()))).toMatch(
      /^plan\.json is a plan across engines \(a, b\), not a plan for one engine$/,
    );
  });

  it('rejects an edited file, and one whose engines do not match its plan', () => {
    const text = serializePlanFile(build());
    expect(() =>
      parseSavedPlanFile(text.replace('"unix:///a.sock"', '"unix:///c.sock"'), 'fleet.plan'),
    ).toThrow(/changed since netform wrote it/);
    const { checksum: _checksum, ...body } = build();
    const dropped = { ...body, engines: body.engines.slice(1) };
    expect(() =>
      parseSavedPlanFile(
        JSON.stringify({ ...dropped, checksum: sha256(canonicalJson(dropped)) }),
        'fleet.plan',
      ),
    ).toThrow(/fleet\.plan is not a plan across engines this netform can read/);
  });
});
