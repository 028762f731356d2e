import { setOwn } from './own.js';
import type { ParsedSpecFile } from './parse.js';
import type { SourceNode, SpecPath } from './source-map.js';

/** The merged spec before validation: plain data and where each node was last set. */
export interface MergedSpec {
  value: Record<string, unknown>;
  source: SourceNode;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Merges spec files in order, as Compose merges its files: mappings key by key, recursively;
 * anything else (scalars, lists, null) in a later file replaces what earlier files had. A
 * container's (or selector rule's) `networks` in list form is read as a map of empty entries when
 * the other file uses the map form, so `[a, b]` and `{a: {aliases: [x]}}` merge. Positions follow
 * the values.
 */
export function mergeSpecs(files: readonly ParsedSpecFile[]): MergedSpec {
  const [first, ...rest] = files;
  if (!first) throw new Error('mergeSpecs needs at least one file');
  let merged: MergedSpec = { value: first.value, source: first.source };
  for (const next of rest) {
    const result = mergeNode(merged.value, merged.source, next.value, next.source, []);
    merged = { value: result.value as Record<string, unknown>, source: result.source };
  }
  return merged;
}

interface Merged {
  value: unknown;
  source: SourceNode;
}

function mergeNode(
  base: unknown,
  baseSource: SourceNode,
  over: unknown,
  overSource: SourceNode,
  path: SpecPath,
): Merged {
  if (isContainerNetworks(path)) {
    if (Array.isArray(base) && isPlainObject(over))
      ({ value: base, source: baseSource } = listToMap(base, baseSource));
    if (Array.isArray(over) && isPlainObject(base))
      ({ value: over, source: overSource } = listToMap(over, overSource));
  }
  if (!isPlainObject(base) || !isPlainObject(over)) return { value: over, source: overSource };

  const value: Record<string, unknown> = { ...base };
  const children = new Map(baseSource.children);
  for (const [key, overValue] of Object.entries(over)) {
    const overChild = overSource.children?.get(key) ?? {
      file: overSource.file,
      valueOffset: overSource.valueOffset,
    };
    const baseChild = baseSource.children?.get(key);
    if (Object.hasOwn(base, key) && baseChild) {
      const result = mergeNode(base[key], baseChild, overValue, overChild, [...path, key]);
      setOwn(value, key, result.value);
      // A merged mapping keeps the key where it was first declared (and the later file's values).
      children.set(key, result.source);
    } else {
      setOwn(value, key, overValue);
      children.set(key, overChild);
    }
  }
  return { value, source: { ...baseSource, children } };
}

/** A container's or a selector rule's `networks` (the two take the same forms). */
const isContainerNetworks = (path: SpecPath): boolean =>
  path.length === 3 && (path[0] === 'containers' || path[0] === 'selectors') && path[2] === 'networks';

function listToMap(list: unknown[], source: SourceNode): { value: unknown; source: SourceNode } {
  if (!list.every((item) => typeof item === 'string')) return { value: list, source };
  const value: Record<string, null> = {};
  const children = new Map<string, SourceNode>();
  list.forEach((name, index) => {
    setOwn(value, name, null);
    const item = source.children?.get(String(index)) ?? {
      file: source.file,
      valueOffset: source.valueOffset,
    };
    children.set(name, { file: item.file, keyOffset: item.valueOffset, valueOffset: item.valueOffset });
  });
  return { value, source: { ...source, children } };
}
