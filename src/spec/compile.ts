import { basename, dirname } from 'node:path';
import type { DesiredState } from '../model/desired.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { checkSemantics } from './checks/index.js';
import { CODES } from './codes.js';
import { diagnosticAt, sortDiagnostics } from './diagnose.js';
import { mergeSpecs } from './merge.js';
import { normalizeSpec } from './normalize.js';
import { parseSpecText, type ParsedSpecFile } from './parse.js';
import { checkStructure } from './schema.js';

/** One spec file's text and the name diagnostics should show for it. */
export interface SpecSource {
  file: string;
  text: string;
}

export interface CompileOptions {
  /** The project when the spec sets none; default: the first file's directory name. */
  defaultProject?: string;
  /**
   * The directory the spec files' names are relative to (loadSpec: the working directory). File
   * names inside the spec (an engine's TLS files) are then made absolute.
   */
  baseDir?: string;
}

/**
 * The outcome of loading a spec. Warnings never block; any error means there is no spec.
 * Diagnostics are sorted by file (in the order given), line and column.
 */
export type ValidationResult =
  | { ok: true; spec: DesiredState; warnings: Diagnostic[] }
  | { ok: false; errors: Diagnostic[]; warnings: Diagnostic[] };

/** Splits diagnostics into the result union. */
export function toResult(
  diagnostics: Diagnostic[],
  spec: DesiredState | undefined,
  files: string[],
): ValidationResult {
  const sorted = sortDiagnostics(diagnostics, files);
  const errors = sorted.filter((d) => d.severity === 'error');
  const warnings = sorted.filter((d) => d.severity !== 'error');
  return errors.length === 0 && spec ? { ok: true, spec, warnings } : { ok: false, errors, warnings };
}

/**
 * Parses, merges (later files override earlier ones key by key), checks against the JSON Schema
 * and the semantic rules, and normalises. Pure: reads no files (see loadSpec for that).
 */
export function compileSpec(sources: readonly SpecSource[], options: CompileOptions = {}): ValidationResult {
  const files = sources.map((s) => s.file);
  if (sources.length === 0) {
    return toResult(
      [diagnosticAt(CODES.emptySpec, [], undefined, { message: 'no spec file was given' })],
      undefined,
      files,
    );
  }
  const diagnostics: Diagnostic[] = [];
  const parsed: ParsedSpecFile[] = [];
  for (const source of sources) {
    const result = parseSpecText(source.file, source.text);
    diagnostics.push(...result.diagnostics);
    if (result.ok) parsed.push(result.parsed);
  }
  if (parsed.length !== sources.length) return toResult(diagnostics, undefined, files);

  const merged = mergeSpecs(parsed);
  const structure = checkStructure(merged.value, merged.source);
  diagnostics.push(...structure.diagnostics);
  // The semantic checks run on what passed the schema, so one run reports every problem.
  const spec = structure.valid;
  if (!spec) return toResult(diagnostics, undefined, files);
  const project = spec.project ?? options.defaultProject ?? projectFromPath(sources[0]!.file);
  diagnostics.push(
    ...checkSemantics(spec, merged.source, { project, projectFromSpec: spec.project !== undefined }),
  );
  if (diagnostics.some((d) => d.severity === 'error')) return toResult(diagnostics, undefined, files);
  const normalizeOptions = { project, source: merged.source };
  return toResult(
    diagnostics,
    normalizeSpec(
      spec,
      options.baseDir === undefined ? normalizeOptions : { ...normalizeOptions, baseDir: options.baseDir },
    ),
    files,
  );
}

/**
 * Compose's rule for a default project name: the directory's name, lower-cased, with characters
 * Docker names cannot carry dropped. Empty when nothing usable is left (the checks report it).
 */
export function projectFromPath(file: string): string {
  return basename(dirname(file))
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '')
    .replace(/^[^a-z0-9]+/, '');
}
