import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportSpec, renderExportYaml } from '../../../src/core/export.js';
import { planChanges } from '../../../src/core/plan.js';
import type { ObservedState } from '../../../src/model/observed.js';
import { renderPlanText } from '../../../src/render/plan-text.js';
import { compileSpec } from '../../../src/spec/index.js';

/**
 * The Docker adapter's engine fixtures (test/fixtures/engine/api-*: payloads recorded from real
 * Engines 20.10, 26.1 and 28.5, and API 1.54's written from the reference, converted by
 * src/docker/convert.ts): a spec written the way a user writes it, silent where the daemon
 * chooses, must plan to no change on every generation.
 */
const fixture = (path: string): ObservedState =>
  JSON.parse(
    readFileSync(
      fileURLToPath(new URL(`../../fixtures/engine/${path}/observed.json`, import.meta.url)),
      'utf8',
    ),
  ) as ObservedState;

const SHOP_COMMON = `
project: shop
networks:
  shop_user-network:
    subnet: 10.0.42.0/24
    ip_range: 10.0.42.128/25
    gateway: 10.0.42.1
    aux_addresses: { router: 10.0.42.2 }
    attachable: true
    labels: { project: dockerinaction, chapter: 5 }
    driver_opts: { com.docker.network.bridge.name: br-user }
  shop_dual:
    enable_ipv6: true
    ipam:
      config:
        - subnet: 10.26.120.0/24
        - subnet: fdd1:ac8c:0557:7ce2::/64
`;
const SHOP_CONTAINERS = (priority: string) => `
containers:
  network-explorer:
    networks:
      shop_user-network: {}
      shop_dual:
        aliases: [explorer]
        ipv4_address: 10.26.120.129
        ipv6_address: fdd1:ac8c:557:7ce2::129${priority}
  web:
    networks:
      shop_user-network: { aliases: [www] }
  idle:
    networks:
      shop_dual: { aliases: [sleepy], ipv4_address: 10.26.120.140 }
`;

/** Recorded from real engines by test/fixtures/engine/record.ts, each with the spec of what it built. */
const FIXTURES = fileURLToPath(new URL('../../fixtures/engine/', import.meta.url));
const recorded = readdirSync(FIXTURES)
  .filter((d) => d.startsWith('api-'))
  .flatMap((d) => readdirSync(join(FIXTURES, d)).map((c) => `${d}/${c}`))
  .filter((path) => existsSync(join(FIXTURES, path, 'spec.yaml')))
  .sort();

const cases: { name: string; fixture: string; spec: string }[] = [
  ...recorded.map((fixture) => ({
    name: `${fixture} (recorded)`,
    fixture,
    spec: readFileSync(join(FIXTURES, fixture, 'spec.yaml'), 'utf8'),
  })),
  {
    name: 'Engine 29 (API 1.54, written from the reference): overlay VXLAN id, IPv6-only network, ingress',
    fixture: 'api-1.54/shop',
    spec:
      SHOP_COMMON +
      `  shop_mesh:\n    driver: overlay\n    attachable: true\n  shop_v6only:\n    enable_ipv4: false\n    enable_ipv6: true\n    subnet: fd12:3456:789a:1::/64\n` +
      SHOP_CONTAINERS(''),
  },
];

describe('recorded fixtures', () => {
  it('cover 20.10, 26.1 (in its own API and in 1.44) and 28.5', () => {
    expect(recorded).toEqual([
      'api-1.41/engine-20.10',
      'api-1.44/engine-26.1',
      'api-1.45/engine-26.1',
      'api-1.51/engine-28.5',
    ]);
  });
});

describe('daemon defaults on each engine generation', () => {
  for (const c of cases) {
    it(`${c.name}: no change`, () => {
      const compiled = compileSpec([{ file: 'netform.yaml', text: c.spec }]);
      if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors, null, 2));
      const observed = fixture(c.fixture);
      const plan = planChanges(compiled.spec, observed);
      expect(plan.actions).toEqual([]);
      expect(plan.diagnostics).toEqual([]);
      expect(renderPlanText(plan, { color: false })).toMatch(/No changes\. The engine matches the spec\.\n$/);
    });

    it(`${c.name}: export round-trips to no change`, () => {
      const observed = fixture(c.fixture);
      const project = c.fixture.endsWith('/shop') ? 'shop' : undefined;
      const yaml = renderExportYaml(exportSpec(observed, project ? { project } : {}), 'fixture');
      const compiled = compileSpec([{ file: 'export.yaml', text: yaml }], { defaultProject: 'x' });
      if (!compiled.ok) throw new Error(`${yaml}\n${JSON.stringify(compiled.errors, null, 2)}`);
      const plan = planChanges(compiled.spec, observed);
      expect(plan.actions).toEqual([]);
      expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    });
  }
});
