import type { Diagnostic, Severity, SourcePosition } from '../model/diagnostic.js';
import type { CodeDefinition } from './codes.js';
import { formatPath, keyPosition, valuePosition, type SourceNode, type SpecPath } from './source-map.js';

export interface DiagnosticInput {
  message: string;
  hint?: string;
  severity?: Severity;
}

/** A diagnostic at an explicit position (or none). */
export function diagnosticAt(
  code: CodeDefinition,
  path: SpecPath,
  position: SourcePosition | undefined,
  input: DiagnosticInput,
): Diagnostic {
  const diagnostic: Diagnostic = {
    severity: input.severity ?? 'error',
    code: code.code,
    path: formatPath(path),
    message: input.message,
  };
  if (input.hint !== undefined) diagnostic.hint = input.hint;
  if (position) diagnostic.position = position;
  return diagnostic;
}

/** Collects diagnostics that point into the merged spec, at the value (or the key) of a path. */
export class DiagnosticSink {
  readonly diagnostics: Diagnostic[] = [];
  constructor(private readonly source: SourceNode | undefined) {}

  /** Points at the value written at `path`. */
  atValue(code: CodeDefinition, path: SpecPath, input: DiagnosticInput): void {
    this.diagnostics.push(diagnosticAt(code, path, this.source && valuePosition(this.source, path), input));
  }

  /** Points at the key of `path` (for unknown keys, names, whole entries). */
  atKey(code: CodeDefinition, path: SpecPath, input: DiagnosticInput): void {
    this.diagnostics.push(diagnosticAt(code, path, this.source && keyPosition(this.source, path), input));
  }
}

/** Stable order for output: by file (in the order given), line, column, then code; unplaced last. */
export function sortDiagnostics(list: Diagnostic[], files: readonly string[] = []): Diagnostic[] {
  const rank = (d: Diagnostic): number => {
    if (!d.position) return Number.MAX_SAFE_INTEGER;
    const index = files.indexOf(d.position.file);
    return index < 0 ? files.length : index;
  };
  return [...list].sort((a, b) => {
    if (rank(a) !== rank(b)) return rank(a) - rank(b);
    const la = a.position?.line ?? 0;
    const lb = b.position?.line ?? 0;
    if (la !== lb) return la - lb;
    const ca = a.position?.column ?? 0;
    const cb = b.position?.column ?? 0;
    if (ca !== cb) return ca - cb;
    return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
  });
}
