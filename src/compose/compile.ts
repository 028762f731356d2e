import type { Diagnostic } from '../model/diagnostic.js';
import { checkSemantics } from '../spec/checks/index.js';
import { CODES } from '../spec/codes.js';
import { toResult, type ValidationResult } from '../spec/compile.js';
import { diagnosticAt } from '../spec/diagnose.js';
import { normalizeSpec } from '../spec/normalize.js';
import type { ParsedSpecFile } from '../spec/parse.js';
import { checkStructure } from '../spec/schema.js';
import { interpolateFile } from './interpolate.js';
import { mergeComposeFiles } from './merge.js';
import { composeProjectName } from './project.js';
import type { Lookup } from './template.js';
import { composeToSpec } from './to-spec.js';
import { isMapping, type Tree } from './tree.js';
import { asUnusedNetwork, forCompose } from './wording.js';

/**
 * True for the document of a Compose file: a mapping with a top-level `services:` and without
 * netform's `version: 1`.
 */
export function isComposeDocument(value: unknown): boolean {
  return isMapping(value) && Object.hasOwn(value, 'services') && value.version !== 1 && value.version !== '1';
}

export interface ComposeCompileOptions {
  /** The environment Compose substitutes from: the process's, then `.env` (see loadCompose). */
  lookup: Lookup;
  /** The project directory (the first file's): its name is the default project name. */
  directory: string;
}

/**
 * Reads parsed Compose files as `docker compose` reads them (substitution per file, then merge,
 * project name, network names, the implicit default network) into the spec model, and checks it
 * with the spec's own rules plus Compose's. Pure. The result's spec carries `compose` (its origin).
 */
export function compileCompose(
  files: readonly ParsedSpecFile[],
  options: ComposeCompileOptions,
): ValidationResult {
  const names = files.map((f) => f.file);
  const diagnostics: Diagnostic[] = [];
  const first = files[0];
  if (!first) throw new Error('compileCompose needs at least one file');

  const project = composeProjectName({
    lookup: options.lookup,
    names: files.map((f) => f.value.name),
    directory: options.directory,
  });
  if (!project.ok) {
    const named = [...files].reverse().find((f) => typeof f.value.name === 'string' && f.value.name !== '');
    const at = project.from === 'name' && named ? named.source.children?.get('name') : undefined;
    diagnostics.push(
      diagnosticAt(
        CODES.invalidName,
        project.from === 'name' ? ['name'] : [],
        at && at.file.position(at.valueOffset),
        {
          message: project.message,
          hint:
            project.from === 'COMPOSE_PROJECT_NAME'
              ? 'set COMPOSE_PROJECT_NAME to lower-case letters, digits, - and _'
              : 'add a top-level name: to the Compose file (lower-case letters, digits, - and _)',
        },
      ),
    );
    return toResult(diagnostics, undefined, names);
  }
  // Compose sets COMPOSE_PROJECT_NAME to the project it settled on before substituting the files.
  const lookup: Lookup = (name) => (name === 'COMPOSE_PROJECT_NAME' ? project.name : options.lookup(name));

  const trees: Tree[] = files.map((file) => {
    const result = interpolateFile({ value: file.value, source: file.source }, lookup);
    diagnostics.push(...result.diagnostics);
    return result.tree;
  });
  const merged = mergeComposeFiles(trees);
  diagnostics.push(...merged.diagnostics);

  const model = composeToSpec(merged.tree, project.name);
  diagnostics.push(...model.diagnostics);
  const { origin } = model;
  const adjust = (list: Diagnostic[]): Diagnostic[] =>
    list.flatMap((d) => forCompose(d, origin, { dockerNames: false, includes: model.includes }) ?? []);

  const structure = checkStructure(model.spec.value, model.spec.source);
  diagnostics.push(...adjust(structure.diagnostics));
  const context = { project: project.name, projectFromSpec: true };
  if (structure.valid)
    diagnostics.push(...adjust(checkSemantics(structure.valid, model.spec.source, context)));
  const unused = checkStructure(model.unused.value, model.unused.source);
  const unusedFound = [
    ...unused.diagnostics,
    ...(unused.valid ? checkSemantics(unused.valid, model.unused.source, context) : []),
  ];
  diagnostics.push(...adjust(unusedFound).map(asUnusedNetwork));

  // A value whose substitution failed is reported once, as that: Compose stops on it.
  const failed = new Set(
    diagnostics.filter((d) => d.code === CODES.composeInterpolation.code).map((d) => positionKey(d)),
  );
  if (failed.size > 0) {
    const kept = diagnostics.filter(
      (d) => d.code === CODES.composeInterpolation.code || !failed.has(positionKey(d)),
    );
    diagnostics.splice(0, diagnostics.length, ...kept);
  }
  if (!structure.valid || diagnostics.some((d) => d.severity === 'error')) {
    return toResult(diagnostics, undefined, names);
  }
  const spec = normalizeSpec(structure.valid, {
    project: project.name,
    source: model.spec.source,
  });
  return toResult(diagnostics, { ...spec, compose: origin }, names);
}

const positionKey = (d: Diagnostic): string =>
  d.position ? `${d.position.file}:${d.position.line}:${d.position.column}` : '';
