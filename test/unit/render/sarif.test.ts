import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { REPORTERS } from '../../../src/render/diagnostics.js';
import { loadSpec } from '../../../src/spec/index.js';

/**
 * `--format sarif` against the SARIF 2.1.0 JSON Schema (OASIS, rtm.5, the schema GitHub code
 * scanning validates uploads with), as shipped in the npm package @microsoft/jest-sarif. It is a
 * draft-04 schema whose only draft-04 keyword is `id`, so ajv reads it with that dropped.
 */
const require = createRequire(import.meta.url);
const schema = JSON.parse(
  readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
) as Record<string, unknown>;
delete schema.$schema;
delete schema.id;
// One of its patterns (`...]?$`) is valid only without the u flag.
const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
addFormats.default(ajv);
const validateSarif = ajv.compile(schema);

const golden = (name: string) => fileURLToPath(new URL(`../../golden/validate/${name}/`, import.meta.url));

async function sarifOf(dir: string, files: string[]): Promise<{ text: string; log: SarifLike }> {
  const result = await loadSpec(files, { cwd: dir });
  const diagnostics = result.ok ? result.warnings : [...result.errors, ...result.warnings];
  const text = REPORTERS.sarif({ valid: result.ok, files, diagnostics }, { color: false });
  return { text, log: JSON.parse(text) as SarifLike };
}

interface SarifLike {
  version: string;
  runs: {
    tool: { driver: { name: string; rules: { id: string; shortDescription: { text: string } }[] } };
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations?: {
        physicalLocation: {
          artifactLocation: { uri: string };
          region: { startLine: number; startColumn: number };
        };
      }[];
    }[];
  }[];
}

describe('SARIF output', () => {
  it('is valid SARIF 2.1.0 for a spec with errors and warnings, one result per diagnostic', async () => {
    const { log } = await sarifOf(golden('many-problems'), ['netform.yaml']);
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    const [run] = log.runs;
    expect(log.version).toBe('2.1.0');
    expect(run!.tool.driver.name).toBe('netform');
    expect(run!.results.length).toBeGreaterThan(3);
    for (const result of run!.results) {
      expect(run!.tool.driver.rules[result.ruleIndex]!.id).toBe(result.ruleId);
      expect(result.locations?.[0]?.physicalLocation.artifactLocation.uri).toBe('netform.yaml');
      expect(result.locations?.[0]?.physicalLocation.region.startLine).toBeGreaterThan(0);
    }
  });

  it('points at the Compose file and line, with the rule meaning from the code registry', async () => {
    const { log } = await sarifOf(golden('compose-service-networks'), ['compose.yaml']);
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    const result = log.runs[0]!.results.find((r) => r.ruleId === 'NF100');
    expect(result).toMatchObject({
      level: 'error',
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'compose.yaml' },
            region: { startLine: 25, startColumn: 5 },
          },
        },
      ],
    });
    expect(result!.message.text).toMatch(/^services\.db\.networks: service db sets both network_mode/);
    const rule = log.runs[0]!.tool.driver.rules.find((r) => r.id === 'NF100');
    expect(rule!.shortDescription.text).toBe(
      'A Compose service sets both network_mode and networks, which Compose refuses.',
    );
  });

  it('is valid for a clean run (no results) and places a diagnostic without position at the first file', () => {
    const clean = JSON.parse(
      REPORTERS.sarif({ valid: true, files: ['compose.yaml'], diagnostics: [] }, { color: false }),
    ) as SarifLike;
    expect(validateSarif(clean)).toBe(true);
    expect(clean.runs[0]!.results).toEqual([]);
    const engineWide = JSON.parse(
      REPORTERS.sarif(
        {
          valid: false,
          files: ['deploy/my compose.yaml'],
          diagnostics: [{ severity: 'error', code: 'NF073', path: '', message: 'the engine is too old' }],
        },
        { color: false },
      ),
    ) as SarifLike;
    expect(validateSarif(engineWide)).toBe(true);
    expect(engineWide.runs[0]!.results[0]!.locations![0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'deploy/my%20compose.yaml' },
      region: { startLine: 1, startColumn: 1 },
    });
  });

  it('the schema check can fail: a result without a message is refused', () => {
    const { log } = {
      log: {
        version: '2.1.0',
        runs: [{ tool: { driver: { name: 'netform' } }, results: [{ ruleId: 'NF001' }] }],
      },
    };
    expect(validateSarif(log)).toBe(false);
  });
});
