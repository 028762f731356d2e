import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalAddress, canonicalCidr } from '../../src/core/cidr.js';
import type { DesiredState } from '../../src/model/desired.js';
import { loadSpec } from '../../src/spec/index.js';
import { run } from '../support/engine.js';
import { CORPUS, corpusFiles, corpusProjects } from '../support/compose-corpus.js';

/**
 * netform reads Compose files as Compose does: for the corpus and for files made to exercise
 * substitution, .env, override files and project names, the networks netform reads (Docker
 * names, pools, flags, labels) and each service's endpoints (static addresses, aliases) equal
 * what the real Compose (Debian's v2.40.3, scripts/compose.sh) prints with `config`. Compose's
 * `config` needs no engine; this file sits with the engine tests because it needs that binary.
 */
let compose: string;
const dirs: string[] = [];

beforeAll(async () => {
  const installed = await run('bash', ['scripts/compose.sh', 'path'], { timeoutMs: 110_000 });
  if (installed.code !== 0)
    throw new Error(`scripts/compose.sh could not provide Compose:\n${installed.stderr}`);
  compose = installed.stdout.trim();
});

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

interface ComposeConfig {
  name: string;
  networks?: Record<
    string,
    {
      name: string;
      external?: boolean;
      internal?: boolean;
      enable_ipv6?: boolean;
      driver?: string;
      labels?: Record<string, string>;
      ipam?: {
        config?: {
          subnet: string;
          gateway?: string;
          ip_range?: string;
          aux_addresses?: Record<string, string>;
        }[];
      };
    }
  >;
  services: Record<
    string,
    {
      network_mode?: string;
      networks?: Record<string, { ipv4_address?: string; ipv6_address?: string; aliases?: string[] } | null>;
    }
  >;
}

/** What both readings are compared on, in netform's canonical forms. */
function fromCompose(config: ComposeConfig): unknown {
  const networks = config.networks ?? {};
  const used = new Set(Object.values(config.services).flatMap((s) => Object.keys(s.networks ?? {})));
  return {
    project: config.name,
    networks: Object.fromEntries(
      Object.entries(networks)
        .filter(([key]) => used.has(key))
        .map(([, n]) => [
          n.name,
          {
            external: n.external === true,
            ...(n.external === true
              ? {}
              : {
                  internal: n.internal === true,
                  enableIPv6: n.enable_ipv6 === true,
                  driver: n.driver ?? 'bridge',
                  // `config` prints a literal $ as $$ again, so that its output reads back the same.
                  labels: Object.fromEntries(
                    Object.entries(n.labels ?? {}).map(([k, v]) => [k, v.replace(/\$\$/g, '$')]),
                  ),
                  pools: (n.ipam?.config ?? [])
                    .map((p) => ({
                      subnet: canonicalCidr(p.subnet),
                      ...(p.gateway ? { gateway: canonicalAddress(p.gateway) } : {}),
                      ...(p.ip_range ? { ipRange: canonicalCidr(p.ip_range) } : {}),
                      auxAddresses: p.aux_addresses ?? {},
                    }))
                    .sort((a, b) => (a.subnet < b.subnet ? -1 : 1)),
                }),
          },
        ]),
    ),
    services: Object.fromEntries(
      Object.entries(config.services).map(([name, s]) => [
        name,
        Object.fromEntries(
          Object.entries(s.networks ?? {}).map(([key, e]) => [
            networks[key]!.name,
            {
              ...(e?.ipv4_address ? { ipv4: canonicalAddress(e.ipv4_address) } : {}),
              ...(e?.ipv6_address ? { ipv6: canonicalAddress(e.ipv6_address) } : {}),
              aliases: [...new Set(e?.aliases ?? [])].sort(),
            },
          ]),
        ),
      ]),
    ),
  };
}

function fromNetform(spec: DesiredState): unknown {
  return {
    project: spec.project,
    networks: Object.fromEntries(
      Object.values(spec.networks).map((n) => [
        n.name,
        {
          external: n.external,
          ...(n.external
            ? {}
            : {
                internal: n.internal,
                enableIPv6: n.enableIPv6,
                driver: n.driver,
                labels: n.labels,
                pools: n.ipam.config
                  .map((p) => ({
                    subnet: p.subnet,
                    ...(p.gateway ? { gateway: p.gateway } : {}),
                    ...(p.ipRange ? { ipRange: p.ipRange } : {}),
                    auxAddresses: p.auxAddresses,
                  }))
                  .sort((a, b) => (a.subnet < b.subnet ? -1 : 1)),
              }),
        },
      ]),
    ),
    services: Object.fromEntries(
      Object.values(spec.containers).map((c) => [
        c.name,
        Object.fromEntries(
          Object.values(c.attachments).map((a) => [
            a.network,
            {
              ...(a.ipv4Address ? { ipv4: a.ipv4Address } : {}),
              ...(a.ipv6Address ? { ipv6: a.ipv6Address } : {}),
              aliases: a.aliases,
            },
          ]),
        ),
      ]),
    ),
  };
}

async function compare(dir: string, files: string[], env: Record<string, string> = {}): Promise<void> {
  const cleanEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env };
  // Every profile: netform checks every service, whichever profiles a deployment enables.
  const config = await run(
    compose,
    [...files.flatMap((f) => ['-f', f]), '--profile', '*', 'config', '--format', 'json'],
    {
      cwd: dir,
      env: cleanEnv,
    },
  );
  expect(config.code, config.stderr).toBe(0);
  const loaded = await loadSpec(files, { cwd: dir, env: cleanEnv });
  if (!loaded.ok) throw new Error(loaded.errors.map((d) => `${d.code} ${d.path}: ${d.message}`).join('\n'));
  expect(fromNetform(loaded.spec)).toEqual(fromCompose(JSON.parse(config.stdout) as ComposeConfig));
}

describe('netform reads Compose files as Compose does (docker compose config)', () => {
  for (const name of corpusProjects) {
    it(`corpus ${name}`, async () => {
      await compare(join(CORPUS, name), corpusFiles(name));
    });
  }

  it('substitution, .env, override files, !reset/!override and the project name from .env', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'netform-compose-config-'));
    dirs.push(dir);
    await writeFile(
      join(dir, 'compose.yaml'),
      `name: \${STACK:-ignored}
services:
  web:
    image: x
    networks:
      front:
        ipv4_address: \${WEB_IP}
        aliases: ["\${ALIAS:-www}", "fixed"]
      back:
  api:
    image: x
    networks: [front, back]
  job:
    image: x
    networks:
      back:
        aliases: [job]
networks:
  front:
    name: \${FRONT_NAME-front-net}
    internal: "\${INTERNAL:-false}"
    labels: { tier: web, cost: "$$5", empty: "\${EMPTY_VAR-dflt}" }
    ipam:
      config:
        - subnet: \${PREFIX:-10.70}.0.0/24
          gateway: \${PREFIX:-10.70}.0.254
        - subnet: 10.71.0.0/24
  back:
    enable_ipv6: true
    ipam:
      config:
        - subnet: fd00:70::/64
`,
    );
    await writeFile(
      join(dir, 'override.yaml'),
      `services:
  web:
    networks:
      front:
        aliases: [extra]
  api:
    networks: !override [back]
  job:
    networks: !reset {}
networks:
  front:
    labels: [owner=ops]
    ipam:
      config:
        - subnet: 10.70.0.0/24
          ip_range: 10.70.0.128/25
`,
    );
    await writeFile(
      join(dir, '.env'),
      '# as Compose reads it\nCOMPOSE_PROJECT_NAME=from-dotenv\nexport WEB_IP="10.70.0.10"\nINTERNAL=yes # a comment\nEMPTY_VAR=\n',
    );
    await compare(dir, ['compose.yaml', 'override.yaml'], { ALIAS: 'site' });
    await compare(dir, ['compose.yaml', 'override.yaml'], {
      COMPOSE_PROJECT_NAME: 'from-env',
      PREFIX: '10.70',
      WEB_IP: '10.70.0.11',
    });
  });
});
