import type { Diagnostic } from '../model/diagnostic.js';
import { CODES } from '../spec/codes.js';
import { diagnosticAt } from '../spec/diagnose.js';
import type { SourceNode } from '../spec/source-map.js';
import { isNetworkPath } from './interpolate.js';
import { entriesOf, isMapping, itemsOf, listTree, mappingTree, type Tree } from './tree.js';

/**
 * Merges Compose files in order, as Compose merges them (compose-go's override/merge.go; the
 * compose-spec's merge rules): mappings key by key, recursively; lists appended; scalars
 * replaced; a null in a later file keeps the earlier value. Special rules: a network's
 * `ipam.config` entries merge by subnet, `labels` merge as KEY=VALUE lists, and a service's
 * `networks` merge as mappings whichever form (list or mapping) each file used. `!reset` removes
 * a value set by earlier files and `!override` replaces it instead of merging.
 */
export function mergeComposeFiles(files: readonly Tree[]): { tree: Tree; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const [first, ...rest] = files;
  if (!first) throw new Error('mergeComposeFiles needs at least one file');
  let merged = withoutResetValues(first);
  for (const next of rest) {
    const base = withoutTaggedPaths(merged, taggedPaths(next.source));
    merged = mergeYaml(base, withoutResetValues(next), [], diagnostics);
  }
  return { tree: merged, diagnostics };
}

type Path = readonly string[];

const matches = (path: Path, pattern: readonly string[]): boolean =>
  path.length === pattern.length && pattern.every((segment, i) => segment === '*' || segment === path[i]);

/** Merges one tree over another at `path` with Compose's rules (also used for `extends`). */
export function mergeYaml(base: Tree, over: Tree, path: Path, diagnostics: Diagnostic[]): Tree {
  if (matches(path, ['networks', '*', 'ipam', 'config']))
    return mergeIpamConfig(base, over, path, diagnostics);
  if (matches(path, ['networks', '*', 'labels'])) return mergeToSequence(base, over);
  if (matches(path, ['services', '*', 'networks'])) {
    return mergeMappings(toMapping(base), toMapping(over), path, diagnostics);
  }
  if (over.value === null || over.value === undefined) return base;
  if (isMapping(base.value)) {
    if (!isMapping(over.value)) return cannotMerge(base, over, path, diagnostics);
    return mergeMappings(base, over, path, diagnostics);
  }
  if (Array.isArray(base.value)) {
    if (!Array.isArray(over.value)) return cannotMerge(base, over, path, diagnostics);
    return listTree(base.source, [...itemsOf(base), ...itemsOf(over)]);
  }
  return over;
}

function mergeMappings(base: Tree, over: Tree, path: Path, diagnostics: Diagnostic[]): Tree {
  const entries = new Map(entriesOf(base));
  for (const [key, child] of entriesOf(over)) {
    const existing = entries.get(key);
    entries.set(key, existing ? mergeYaml(existing, child, [...path, key], diagnostics) : child);
  }
  // A merged mapping keeps the position where it was first written.
  return mappingTree(isMapping(base.value) ? base.source : over.source, entries);
}

/** Compose fails with "cannot override"; netform says so for the network settings it reads. */
function cannotMerge(base: Tree, over: Tree, path: Path, diagnostics: Diagnostic[]): Tree {
  if (isNetworkPath(path)) {
    diagnostics.push(
      diagnosticAt(CODES.composeMergeConflict, path, over.source.file.position(over.source.valueOffset), {
        message: `cannot override ${path.join('.')}: an earlier file gives ${Array.isArray(base.value) ? 'a list' : 'a mapping'} here`,
        hint: 'use the same form in both files, or write !override before the value to replace it',
      }),
    );
  }
  // Compose stops here; keeping the earlier value spares a second report of the same mistake.
  return base;
}

/** A service's networks as a mapping: the list form becomes keys with empty values. */
function toMapping(tree: Tree): Tree {
  if (!Array.isArray(tree.value)) return tree;
  return mappingTree(
    tree.source,
    itemsOf(tree)
      .filter((item) => typeof item.value === 'string')
      .map((item) => [
        item.value as string,
        { value: null, source: { ...item.source, keyOffset: item.source.valueOffset } },
      ]),
  );
}

/** Labels as a KEY=VALUE list (a mapping sorted by key), as compose-go's mergeToSequence. */
function toSequence(tree: Tree): Tree[] {
  if (Array.isArray(tree.value)) return itemsOf(tree);
  if (typeof tree.value === 'string') return [tree];
  if (!isMapping(tree.value)) return [];
  return entriesOf(tree)
    .flatMap(([key, child]): Tree[] => {
      const source: SourceNode = {
        ...child.source,
        valueOffset: child.source.keyOffset ?? child.source.valueOffset,
      };
      if (child.value === null || child.value === undefined) return [{ value: key, source }];
      if (Array.isArray(child.value))
        return child.value.map((item) => ({ value: `${key}=${scalarText(item)}`, source }));
      return [{ value: `${key}=${scalarText(child.value)}`, source }];
    })
    .sort((a, b) =>
      (a.value as string) < (b.value as string) ? -1 : (a.value as string) > (b.value as string) ? 1 : 0,
    );
}

/** A label value as Go's fmt prints a YAML scalar (labels are strings, numbers or booleans). */
const scalarText = (value: unknown): string =>
  typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);

function mergeToSequence(base: Tree, over: Tree): Tree {
  return listTree(base.source, [...toSequence(base), ...toSequence(over)]);
}

/**
 * compose-go's mergeIPAMConfig, step for step (including its in-place updates): an override
 * entry with the subnet of an earlier entry merges into it; entries of other subnets replace
 * the earlier list.
 */
function mergeIpamConfig(base: Tree, over: Tree, path: Path, diagnostics: Diagnostic[]): Tree {
  if (!Array.isArray(base.value) || !Array.isArray(over.value)) {
    if (over.value === null || over.value === undefined) return base;
    return cannotMerge(base, over, path, diagnostics);
  }
  const subnetOf = (tree: Tree): unknown => (isMapping(tree.value) ? tree.value.subnet : undefined);
  const result: Tree[] = [];
  for (const original of itemsOf(base)) {
    let right = original;
    for (const override of itemsOf(over)) {
      if (subnetOf(override) !== subnetOf(right)) {
        if (!result.some((entry) => subnetOf(entry) === subnetOf(override))) {
          result.push(override);
          continue;
        }
      }
      right =
        isMapping(right.value) && isMapping(override.value)
          ? mergeMappings(right, override, path, diagnostics)
          : override;
      const index = result.findIndex((entry) => subnetOf(entry) === subnetOf(right));
      if (index >= 0) result[index] = right;
      else result.push(right);
    }
  }
  return listTree(base.source, result);
}

/** Paths (mapping keys) of the values tagged !reset or !override in one file. */
function taggedPaths(source: SourceNode, path: string[] = []): { path: string[]; tag: string }[] {
  const found: { path: string[]; tag: string }[] = [];
  if ((source.tag === '!reset' || source.tag === '!override') && path.length > 0)
    found.push({ path, tag: source.tag });
  for (const [key, child] of source.children ?? []) found.push(...taggedPaths(child, [...path, key]));
  return found;
}

/** The earlier files' merged tree without the values a later file resets or overrides. */
function withoutTaggedPaths(tree: Tree, tagged: readonly { path: string[] }[]): Tree {
  let result = tree;
  for (const { path } of tagged) result = removeAt(result, path);
  return result;
}

/** A file's own tree without its `!reset` values (they only remove what earlier files set). */
function withoutResetValues(tree: Tree): Tree {
  let result = tree;
  for (const { path, tag } of taggedPaths(tree.source)) if (tag === '!reset') result = removeAt(result, path);
  return result;
}

function removeAt(tree: Tree, path: readonly string[]): Tree {
  const [head, ...rest] = path;
  if (head === undefined || !isMapping(tree.value) || !Object.hasOwn(tree.value, head)) return tree;
  const entries = entriesOf(tree);
  if (rest.length === 0)
    return mappingTree(
      tree.source,
      entries.filter(([key]) => key !== head),
    );
  return mappingTree(
    tree.source,
    entries.map(([key, child]): [string, Tree] => [key, key === head ? removeAt(child, rest) : child]),
  );
}
