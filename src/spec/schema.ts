import type { ErrorObject, ValidateFunction } from 'ajv';
import { closest, distance } from 'fastest-levenshtein';
import type { Diagnostic } from '../model/diagnostic.js';
import type { NetformSpec } from '../model/spec.generated.js';
import { CODES } from './codes.js';
import { DiagnosticSink } from './diagnose.js';
import compiledSpecValidator from './schema-validator.generated.js';
import { setOwn } from './own.js';
import type { SourceNode, SpecPath } from './source-map.js';

/** Where the spec's JSON Schema ships (the package includes schemas/). */
export const SPEC_SCHEMA_URL = new URL('../../schemas/netform.schema.json', import.meta.url);

/**
 * The spec's JSON Schema compiled by ajv (strict mode, all errors, verbose) ahead of time by
 * scripts/gen-spec-validator.mjs; a unit test fails when it no longer matches the schema.
 */
export function specValidator(): ValidateFunction<NetformSpec> {
  return compiledSpecValidator as unknown as ValidateFunction<NetformSpec>;
}

/**
 * Checks the merged spec against the JSON Schema and turns ajv's errors into diagnostics at the
 * offending key or value. ajv reports every failed branch of an `anyOf`; only the branch that
 * fits the value's type is kept, so `labels: 5` says "must be a mapping or a list" once.
 */
export function checkStructure(
  value: unknown,
  source: SourceNode,
): { diagnostics: Diagnostic[]; valid?: NetformSpec } {
  const validate = specValidator();
  if (validate(value)) return { diagnostics: [], valid: value };
  const sink = new DiagnosticSink(source);
  const errors = relevantErrors(validate.errors ?? []);
  for (const error of errors) reportError(error, value, sink);
  // Cut the offending parts out, so the semantic checks can still report everything else.
  const pruned = pruneInvalid(value, errors);
  return validate(pruned)
    ? { diagnostics: sink.diagnostics, valid: pruned }
    : { diagnostics: sink.diagnostics };
}

/** Entries whose removal would cause false "not declared" reports: emptied (null) instead. */
const isEntry = (path: SpecPath): boolean =>
  (path.length === 2 && (path[0] === 'networks' || path[0] === 'containers')) ||
  (path.length === 4 && path[0] === 'containers' && path[2] === 'networks' && typeof path[3] === 'string') ||
  // Several engines: an engine, or a network's settings on one (docs/spec.md#engines).
  (path.length === 2 && path[0] === 'engines') ||
  (path.length === 4 && path[0] === 'networks' && path[2] === 'engines' && typeof path[3] === 'string');

/** A container's wrong `engines:` is read as `all`, so "engines: is missing" is not reported too. */
const isContainerEngines = (path: SpecPath): boolean =>
  path.length === 3 && path[0] === 'containers' && path[2] === 'engines';

/**
 * A copy of `value` without the parts ajv rejected: unknown keys removed, wrongly typed values
 * removed (a whole list when one of its items is wrong, so indices stay as written), a network's
 * or container's own entry emptied instead, ipam dropped when it clashes with the shorthand.
 */
function pruneInvalid(value: unknown, errors: ErrorObject[]): unknown {
  const copy = structuredClone(value);
  for (const error of errors) {
    let path: (string | number)[] = [...pathOf(error.instancePath)];
    if (error.keyword === 'additionalProperties') {
      path.push((error.params as { additionalProperty: string }).additionalProperty);
    } else if (error.keyword === 'not') {
      path.push('ipam');
    }
    const listAt = path.findIndex((segment) => typeof segment === 'number');
    if (listAt >= 0) path = path.slice(0, listAt);
    if (path.length === 0) return undefined;
    const parent = valueAt(copy, path.slice(0, -1));
    if (parent === null || typeof parent !== 'object' || Array.isArray(parent)) continue;
    const key = path[path.length - 1] as string;
    if (isEntry(path)) setOwn(parent as Record<string, unknown>, key, null);
    else if (isContainerEngines(path)) setOwn(parent as Record<string, unknown>, key, 'all');
    else delete (parent as Record<string, unknown>)[key];
  }
  return copy;
}

function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  const concrete = errors.filter((e) => e.keyword !== 'anyOf');
  const deeperOrOther = (e: ErrorObject): boolean =>
    concrete.some(
      (other) =>
        other !== e &&
        other.keyword !== 'type' &&
        (other.instancePath === e.instancePath || other.instancePath.startsWith(`${e.instancePath}/`)),
    ) ||
    concrete.some((other) => other.keyword === 'type' && other.instancePath.startsWith(`${e.instancePath}/`));
  // A type error is a branch that did not fit; drop it when another branch got further.
  const kept = concrete.filter((e) => e.keyword !== 'type' || !deeperOrOther(e));
  // Merge the remaining type errors at one path ("must be a mapping or a list").
  const byPath = new Map<string, ErrorObject>();
  const result: ErrorObject[] = [];
  for (const error of kept) {
    if (error.keyword !== 'type') {
      result.push(error);
      continue;
    }
    const existing = byPath.get(error.instancePath);
    const types = typesOf(error);
    if (existing) {
      const merged = [...new Set([...typesOf(existing), ...types])];
      existing.params = { type: merged };
    } else {
      const copy = { ...error, params: { type: types } };
      byPath.set(error.instancePath, copy);
      result.push(copy);
    }
  }
  return result;
}

const typesOf = (error: ErrorObject): string[] => {
  const type = (error.params as { type: string | string[] }).type;
  return Array.isArray(type) ? type : type.split(',');
};

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  boolean: 'true/false',
  integer: 'an integer',
  number: 'a number',
  null: 'empty',
};

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

function pathOf(instancePath: string): SpecPath {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function valueAt(root: unknown, path: SpecPath): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function reportError(error: ErrorObject, root: unknown, sink: DiagnosticSink): void {
  const path = pathOf(error.instancePath);
  const value = valueAt(root, path);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys(
        (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {},
      );
      const suggestion = known.length > 0 ? closest(key, known) : undefined;
      const close =
        suggestion !== undefined && distance(key, suggestion) <= Math.max(2, Math.floor(key.length / 3));
      sink.atKey(CODES.unknownKey, [...path, key], {
        message: `unknown key ${JSON.stringify(key)}`,
        hint: close
          ? `did you mean ${JSON.stringify(suggestion)}?`
          : known.length > 0
            ? `allowed here: ${known.join(', ')}`
            : undefined,
      });
      return;
    }
    case 'type': {
      const wanted = typesOf(error).map((t) => TYPE_NAMES[t] ?? t);
      sink.atValue(CODES.wrongType, path, {
        message: `must be ${joinOr(wanted)}, not ${describeValue(value)}`,
      });
      return;
    }
    case 'enum':
    case 'const': {
      const allowed = (error.params as { allowedValues?: unknown[]; allowedValue?: unknown })
        .allowedValues ?? [(error.params as { allowedValue?: unknown }).allowedValue];
      const isVersion = path.length === 1 && path[0] === 'version';
      sink.atValue(isVersion ? CODES.unsupportedVersion : CODES.valueNotAllowed, path, {
        message: isVersion
          ? `spec version ${JSON.stringify(value)} is not supported; this netform reads version 1`
          : `${JSON.stringify(value)} is not allowed here`,
        hint: isVersion
          ? 'write `version: 1`, or upgrade netform if the file was written for a newer one'
          : `use one of: ${[...new Set(allowed.map((v) => String(v)))].join(', ')}`,
      });
      return;
    }
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      sink.atValue(CODES.missingKey, path, {
        message: `the key ${JSON.stringify(missing)} is missing`,
        hint: `add ${missing}: to this entry`,
      });
      return;
    }
    case 'not': {
      const shorthand = /\/dependencies\/([a-z_]+)\/not$/.exec(error.schemaPath)?.[1];
      if (shorthand) {
        // `subnet:` or `ipam:` left empty combines nothing: its own type error says what is wrong.
        if (valueAt(value, [shorthand]) === null || valueAt(value, ['ipam']) === null) return;
        sink.atKey(CODES.shorthandWithIpam, [...path, shorthand], {
          message: `${shorthand} cannot be combined with ipam`,
          hint: `move ${shorthand} into an entry of ipam.config, or drop ipam and use the shorthand only`,
        });
        return;
      }
      break;
    }
    default:
      break;
  }
  sink.atValue(CODES.schemaViolation, path, { message: error.message ?? 'does not match the spec schema' });
}

function joinOr(items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
