/** Where in a spec file something stands. Lines and columns are 1-based, as editors show them. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export type Severity = 'error' | 'warning';

/**
 * One problem found in a spec, a plan, or against the engine. Diagnostics are collected and
 * returned beside results; code never stops at the first one.
 *
 * `code` is stable across releases (NF001…): scripts and docs may rely on it, so a code is never
 * reused for a different problem. `path` is the dotted field path inside the spec
 * (`networks.user-network.ip_range`), empty for file-level problems.
 */
export interface Diagnostic {
  severity: Severity;
  code: string;
  path: string;
  /** What is wrong, in one sentence, naming the offending value. */
  message: string;
  /** What to do about it (a "did you mean", the key to use instead...), when there is something to say. */
  hint?: string;
  /** Absent only when a problem has no place in a file (an engine-side check, say). */
  position?: SourcePosition;
}

export const isError = (d: Diagnostic): boolean => d.severity === 'error';
