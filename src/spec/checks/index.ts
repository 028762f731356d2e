import type { Diagnostic } from '../../model/diagnostic.js';
import type { NetformSpec } from '../../model/spec.generated.js';
import type { SourceNode } from '../source-map.js';

export interface CheckContext {
  project: string;
  projectFromSpec: boolean;
}

/** Every semantic rule beyond the JSON Schema, on a schema-valid spec. All problems, not the first. */
export function checkSemantics(
  _spec: NetformSpec,
  _source: SourceNode,
  _context: CheckContext,
): Diagnostic[] {
  // The rules land in the next commit (see docs/diagnostics.md for the list).
  return [];
}
