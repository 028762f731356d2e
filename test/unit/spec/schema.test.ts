import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { specValidator, SPEC_SCHEMA_URL } from '../../../src/spec/schema.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const schema = JSON.parse(readFileSync(SPEC_SCHEMA_URL, 'utf8')) as Record<string, unknown>;

describe('schemas/netform.schema.json', () => {
  it('compiles under ajv strict mode (all strict checks on)', () => {
    const ajv = new Ajv({ strict: true, strictRequired: true, allowUnionTypes: true });
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('describes every property, so editors can show it on hover', () => {
    const missing: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      const properties = record.properties as Record<string, Record<string, unknown>> | undefined;
      for (const [key, sub] of Object.entries(properties ?? {})) {
        const described =
          typeof sub.description === 'string' ||
          (typeof sub.$ref === 'string' && typeof resolve(sub.$ref).description === 'string');
        if (!described) missing.push(`${path}.${key}`);
      }
      // `not` holds only the stub that names ipam for the shorthand/ipam exclusion.
      for (const [key, value] of Object.entries(record)) if (key !== 'not') walk(value, `${path}.${key}`);
    };
    const resolve = (ref: string): Record<string, unknown> =>
      ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<Record<string, unknown>>((node, part) => node[part] as Record<string, unknown>, schema);
    walk(schema, '#');
    expect(missing).toEqual([]);
  });

  it('rejects a typo and accepts a Compose networks block', () => {
    const validate = specValidator();
    expect(validate({ networks: { a: { atachable: true } } })).toBe(false);
    expect(
      validate({
        networks: {
          front: {
            name: 'shop_front',
            driver: 'bridge',
            driver_opts: { 'com.docker.network.driver.mtu': 1450 },
          },
          legacy: { external: { name: 'infra' } },
          lan: { driver: 'macvlan', ipam: { driver: 'default', config: [{ subnet: '192.168.1.0/24' }] } },
          scoped: { scope: 'local', labels: ['a=b'] },
          empty: null,
        },
      }),
    ).toBe(true);
  });

  it('keeps the shorthand and the full ipam form mutually exclusive', () => {
    const validate = specValidator();
    for (const key of ['subnet', 'ip_range', 'gateway', 'aux_addresses']) {
      const value = key === 'aux_addresses' ? { a: '10.0.0.2' } : '10.0.0.0/24';
      expect(validate({ networks: { n: { [key]: value, ipam: {} } } }), key).toBe(false);
      expect(validate({ networks: { n: { [key]: value } } }), key).toBe(true);
    }
  });
});

// Both are generated from schemas/netform.schema.json: the types and the precompiled validator.
describe.each([
  ['src/model/spec.generated.ts', 'scripts/gen-spec-types.mjs'],
  ['src/spec/schema-validator.generated.ts', 'scripts/gen-spec-validator.mjs'],
])('%s', (file, script) => {
  it(`is what ${script} generates from the schema (run npm run gen:types)`, () => {
    const generated = execFileSync(process.execPath, [script, '--stdout'], { cwd: root, encoding: 'utf8' });
    expect(readFileSync(`${root}${file}`, 'utf8')).toBe(generated);
  });
});
