import { describe, expect, it } from 'vitest';
import { hashSpec } from '../../../src/core/fingerprint.js';
import {
  buildPlanFile,
  checkPlanFreshness,
  parsePlanFile,
  serializePlanFile,
} from '../../../src/core/plan-file.js';
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
