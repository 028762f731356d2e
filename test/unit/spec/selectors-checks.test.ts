import { describe, expect, it } from 'vitest';
import type { NetformSpec } from '../../../src/model/spec.generated.js';
import { DiagnosticSink } from '../../../src/spec/diagnose.js';
import { networkFacts } from '../../../src/spec/checks/context.js';
import { checkSelectors } from '../../../src/spec/checks/selectors.js';

/**
 * `engines:` of a selector against the top-level `engines:`. The schema of this version has no
 * top-level `engines:` yet (several engines land separately), so these run the check on a spec
 * object directly.
 */
function check(spec: NetformSpec & { engines?: Record<string, unknown> }): [string, string, string][] {
  const sink = new DiagnosticSink(undefined);
  checkSelectors(spec, networkFacts(spec.networks), sink);
  return sink.diagnostics.map((d) => [d.code, d.path, d.message]);
}

const networks = { backend: {} };
const match = { labels: { team: 'payments' } };

describe('selector engines', () => {
  it('names only declared engines', () => {
    expect(
      check({
        networks,
        engines: { 'edge-1': {}, 'edge-2': {} },
        selectors: { payments: { match, engines: ['edge-1', 'edge-3'], networks: ['backend'] } },
      }),
    ).toEqual([['NF092', 'selectors.payments.engines[1]', 'engine edge-3 is not declared under engines:']]);
  });

  it('is required when the spec declares several engines, and `all` always fits', () => {
    expect(
      check({
        networks,
        engines: { 'edge-1': {}, 'edge-2': {} },
        selectors: { a: { match, networks: ['backend'] }, b: { match, engines: 'all' } },
      }),
    ).toEqual([
      ['NF039', 'selectors.a', 'selector a has no engines:, and the spec declares several engines'],
    ]);
  });

  it('has no effect without a top-level engines:', () => {
    expect(check({ networks, selectors: { a: { match, engines: ['anything'] } } })).toEqual([]);
    expect(check({ networks, engines: { only: {} }, selectors: { a: { match } } })).toEqual([]);
  });
});
