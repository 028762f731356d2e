import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportSpec, renderExportYaml } from '../../../src/core/export.js';
import { planChanges } from '../../../src/core/plan.js';
import type { ObservedState } from '../../../src/model/observed.js';
import { renderPlanText } from '../../../src/render/plan-text.js';
import { compileSpec } from '../../../src/spec/index.js';

/**
 * The Docker adapter's engine fixtures (test/fixtures/engine/api-*: a recorded Engine 20.10 and
 * payloads of API 1.44, 1.48 and 1.54 converted by src/docker/convert.ts): a spec written the way
 * a user writes it, silent where the daemon chooses, must plan to no change on every generation.
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

const cases: { name: string; fixture: string; spec: string }[] = [
  {
    name: 'Engine 20.10 (API 1.41, recorded): IPv4 pool beside a lone IPv6 subnet, short-id aliases',
    fixture: 'api-1.41/recorded',
    spec: `
project: rec
networks:
  nft-rec-b1-lan:
    subnet: 10.213.14.0/24
    ip_range: 10.213.14.128/25
    gateway: 10.213.14.1
    aux_addresses: { router: 10.213.14.2 }
    attachable: true
    labels: { tier: front }
    driver_opts: { com.docker.network.driver.mtu: 1400 }
  nft-rec-b1-v6only:
    enable_ipv6: true
    internal: true
    subnet: fd00:213:0:f::/64
containers:
  nft-rec-b1-web:
    networks:
      nft-rec-b1-lan: { aliases: [www], ipv4_address: 10.213.14.200 }
      nft-rec-b1-v6only: { aliases: [web6], ipv6_address: fd00:213:0:f::20 }
  nft-rec-b1-stopped:
    networks: [nft-rec-b1-lan]
  nft-rec-b1-idle:
    networks:
      nft-rec-b1-lan: { aliases: [sleepy] }
      nft-rec-b1-v6only: { link_local_ips: [169.254.20.20] }
`,
  },
  {
    name: 'Engine 25 (API 1.44): gateways shown, short-id alias still listed, DNSNames',
    fixture: 'api-1.44/shop',
    spec: SHOP_COMMON + SHOP_CONTAINERS(''),
  },
  {
    name: 'Engine 28 (API 1.48): automatic IPv6 /64, EnableIPv4, random MACs, gateway priority',
    fixture: 'api-1.48/shop',
    spec:
      SHOP_COMMON +
      `  shop_auto6:\n    enable_ipv6: true\n    subnet: 10.0.50.0/24\n` +
      SHOP_CONTAINERS('\n        priority: 10'),
  },
  {
    name: 'Engine 29 (API 1.54): overlay VXLAN id, IPv6-only network, ingress',
    fixture: 'api-1.54/shop',
    spec:
      SHOP_COMMON +
      `  shop_mesh:\n    driver: overlay\n    attachable: true\n  shop_v6only:\n    enable_ipv6: true\n    subnet: fd12:3456:789a:1::/64\n` +
      SHOP_CONTAINERS(''),
  },
];

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
      const project = c.fixture.endsWith('recorded') ? undefined : 'shop';
      const yaml = renderExportYaml(exportSpec(observed, project ? { project } : {}), 'fixture');
      const compiled = compileSpec([{ file: 'export.yaml', text: yaml }], { defaultProject: 'x' });
      if (!compiled.ok) throw new Error(`${yaml}\n${JSON.stringify(compiled.errors, null, 2)}`);
      const plan = planChanges(compiled.spec, observed);
      expect(plan.actions).toEqual([]);
      expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    });
  }
});
