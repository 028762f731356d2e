import { parse } from 'yaml';
import { actionSubject } from '../../../src/core/order.js';
import { describe, expect, it } from 'vitest';
import { exportSpec, renderExportYaml } from '../../../src/core/export.js';
import { planChanges } from '../../../src/core/plan.js';
import { NetformError } from '../../../src/model/errors.js';
import { compileSpec } from '../../../src/spec/index.js';
import { goldenCaseNames, readGoldenCase } from './golden-inputs.js';

function roundTrip(yamlText: string, observed: Parameters<typeof planChanges>[1]) {
  const compiled = compileSpec([{ file: 'exported.yaml', text: yamlText }], { defaultProject: 'exported' });
  if (!compiled.ok)
    throw new Error(`export does not compile:\n${yamlText}\n${JSON.stringify(compiled.errors, null, 2)}`);
  return planChanges(compiled.spec, observed);
}

describe('exportSpec', () => {
  // Every golden engine state, exported per project and as a whole, plans to no change.
  for (const name of goldenCaseNames()) {
    it(`round-trips the engine of ${name} to an empty plan`, () => {
      const { observed } = readGoldenCase(name);
      if (name === 'duplicate-network-names') {
        expect(() => exportSpec(observed, { project: 'shop' })).toThrow(/several networks named dup/);
        return;
      }
      const shop = renderExportYaml(exportSpec(observed, { project: 'shop' }), 'test');
      // Engine states a spec cannot hold: validate says so about the export that writes them down.
      const invalid: Record<string, string> = {
        // fresh (never started) is configured with the gateway the daemon picked: it could never start.
        'replace-address-conflicts': 'NF022 containers.fresh.networks.app.ipv4_address',
        // Engine 20.10 takes an alias holding an escape sequence; a spec may not.
        'control-characters-escaped': 'NF051 containers.web.networks.db.aliases[0]',
      };
      if (name in invalid) {
        const compiled = compileSpec([{ file: 'exported.yaml', text: shop }], { defaultProject: 'x' });
        expect(compiled.ok).toBe(false);
        expect(compiled.ok ? [] : compiled.errors.map((d) => `${d.code} ${d.path}`)).toEqual([invalid[name]]);
        return;
      }
      const shopPlan = roundTrip(shop, observed);
      if (name === 'entries-without-endpoint') {
        // s's stale entry for old is not an attachment, so the export leaves it out, and a plan
        // with the export removes it (docs/plan.md, "Entries without an endpoint").
        expect(shopPlan.actions.map((a) => `${a.kind} ${actionSubject(a)}`)).toEqual(['disconnect old']);
        return;
      }
      expect(shopPlan.actions).toEqual([]);
      expect(shopPlan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      let all: string | undefined;
      try {
        all = renderExportYaml(exportSpec(observed), 'test');
      } catch (error) {
        // Networks of several projects: exporting them together is refused, with a hint.
        expect(error).toBeInstanceOf(NetformError);
        expect((error as NetformError).hint).toContain('--project');
      }
      if (all !== undefined) {
        const allPlan = roundTrip(all, observed);
        expect(allPlan.actions).toEqual([]);
        expect(allPlan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      }
    });
  }

  it('leaves out daemon defaults and netform labels, keeps what the user set', () => {
    const { observed } = readGoldenCase('engine-28-defaults-not-drift');
    const { spec } = exportSpec(observed, { project: 'shop' });
    expect(spec).toEqual({
      version: 1,
      project: 'shop',
      networks: { app: { subnet: '10.1.0.0/24' } },
      containers: { web: { networks: { app: { aliases: ['www'], ipv4_address: '10.1.0.10' } } } },
    });
  });

  it('writes the full ipam form for several pools and keeps user labels as strings', () => {
    const { observed } = readGoldenCase('label-booleans-and-numbers-as-strings');
    const text = renderExportYaml(exportSpec(observed), 'header line');
    expect(text.startsWith('# header line\n')).toBe(true);
    const doc = parse(text) as { networks: { app: { labels: Record<string, unknown> } } };
    expect(doc.networks.app.labels).toEqual({ chapter: '5', enabled: 'true', ratio: '0.5' });
    const dual = exportSpec(readGoldenCase('subnet-order-irrelevant').observed, { project: 'shop' }).spec;
    expect(dual.networks.dual).toEqual({
      driver: 'macvlan',
      enable_ipv6: true,
      ipam: { config: [{ subnet: '10.12.0.0/24' }, { subnet: '10.12.1.0/24' }, { subnet: 'fd00:12::/64' }] },
      driver_opts: { parent: 'eth0' },
    });
  });

  it('writes a swarm macvlan with the settings of the config-only network it is made from on this engine', () => {
    const { observed } = readGoldenCase('engine-28-defaults-not-drift');
    const owned = { 'io.netform.managed': 'true', 'io.netform.project': 'shop' };
    const base = { attachable: false, internal: false, ingress: false, enableIPv6: false, options: {} };
    const swarm = {
      ...observed,
      networks: [
        {
          ...base,
          id: 'c1',
          name: 'lan-cfg',
          driver: 'null',
          scope: 'local',
          configOnly: true,
          ipam: {
            driver: 'default',
            options: {},
            config: [
              { subnet: '10.9.0.0/24', ipRange: '10.9.0.32/28', gateway: '10.9.0.254', auxAddresses: {} },
            ],
          },
          options: { parent: 'eth1' },
          labels: { ...owned, tier: 'sensors' },
        },
        {
          ...base,
          id: 's1',
          name: 'lan',
          driver: 'macvlan',
          scope: 'swarm',
          configOnly: false,
          configFrom: 'lan-cfg',
          // The manager's inspect once a task runs there: its own config-only network's settings.
          ipam: { driver: 'default', options: {}, config: [] },
          labels: owned,
        },
      ],
      containers: [],
    };
    const result = exportSpec(swarm, { project: 'shop' });
    expect(result.spec.networks).toEqual({
      lan: {
        driver: 'macvlan',
        scope: 'swarm',
        config_from: 'lan-cfg',
        subnet: '10.9.0.0/24',
        ip_range: '10.9.0.32/28',
        gateway: '10.9.0.254',
        labels: { tier: 'sensors' },
        driver_opts: { parent: 'eth1' },
      },
    });
    // The default name is left to the default; and planned against the same engine, nothing to do.
    const renamed = exportSpec(
      {
        ...swarm,
        networks: swarm.networks.map((n) =>
          n.name === 'lan-cfg' ? { ...n, name: 'lan-config' } : { ...n, configFrom: 'lan-config' },
        ),
      },
      { project: 'shop' },
    );
    expect(renamed.spec.networks.lan).not.toHaveProperty('config_from');
    expect(roundTrip(renderExportYaml(result, 'test'), swarm).actions).toEqual([]);
  });

  it('selects networks by exact name and rejects unknown or predefined ones', () => {
    const { observed } = readGoldenCase('exact-names-foo-vs-foobar');
    expect(Object.keys(exportSpec(observed, { networks: ['foobar'] }).spec.networks)).toEqual(['foobar']);
    expect(() => exportSpec(observed, { networks: ['foo'] })).toThrow(/no network named foo/);
    expect(() => exportSpec(observed, { networks: ['bridge'] })).toThrow(/predefined/);
  });

  it('warns when named networks leave out others of the same project (a plan would remove them)', () => {
    const { observed } = readGoldenCase('connect-disconnect-reconnect');
    const result = exportSpec(observed, { networks: ['app'] });
    expect(result.warnings).toEqual([
      'project shop also manages admin, which this export leaves out: `netform plan` with the export would remove it (add --network for each, or use --project shop)',
    ]);
    expect(renderExportYaml(result, 'h')).toContain('# warning: project shop also manages admin');
    expect(exportSpec(observed, { networks: ['app', 'admin'] }).warnings).toEqual([]);
  });

  it("leaves out a gateway only when it is the daemon's pick: with an ip_range, the range's first address", () => {
    const { observed } = readGoldenCase('unreported-gateway-engine-20.10');
    const ranged = observed.networks.find((n) => n.name === 'ranged');
    const pool = ranged?.ipam.config[0];
    if (!ranged || !pool) throw new Error('golden case changed');
    const exported = (gateway: string) =>
      exportSpec(
        { ...observed, networks: [{ ...ranged, ipam: { ...ranged.ipam, config: [{ ...pool, gateway }] } }] },
        { networks: ['ranged'] },
      ).spec.networks.ranged;
    expect(exported('10.2.0.128')).toEqual({ subnet: '10.2.0.0/24', ip_range: '10.2.0.128/25' });
    expect(exported('10.2.0.1')).toEqual({
      subnet: '10.2.0.0/24',
      ip_range: '10.2.0.128/25',
      gateway: '10.2.0.1',
    });
  });

  it('warns when --project names a project that manages no network (a typo exports an empty spec)', () => {
    const { observed } = readGoldenCase('connect-disconnect-reconnect');
    const result = exportSpec(observed, { project: 'shp' });
    expect(result.spec.networks).toEqual({});
    expect(result.warnings).toEqual([
      'project shp manages no network on this engine (project names are exact; `docker network ls --filter label=io.netform.project=shp` lists its networks)',
    ]);
    expect(exportSpec(observed, { project: 'shop' }).warnings).toEqual([]);
  });
});
