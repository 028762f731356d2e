import { setOwn } from '../spec/own.js';
import type { SourceNode } from '../spec/source-map.js';

/** A value of a Compose file with where each part of it was written (kept through interpolation and merging). */
export interface Tree {
  value: unknown;
  source: SourceNode;
}

export const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The child of a mapping or list, with the parent's position when the child has none of its own. */
export function childOf(tree: Tree, key: string | number): Tree {
  const value: unknown = Array.isArray(tree.value)
    ? (tree.value as unknown[])[Number(key)]
    : isMapping(tree.value)
      ? tree.value[String(key)]
      : undefined;
  return { value, source: tree.source.children?.get(String(key)) ?? pointAt(tree.source) };
}

/** A source node with no children that points where `source` points (for values netform makes up). */
export function pointAt(source: SourceNode): SourceNode {
  const node: SourceNode = { file: source.file, valueOffset: source.keyOffset ?? source.valueOffset };
  if (source.keyOffset !== undefined) node.keyOffset = source.keyOffset;
  return node;
}

/** Builds a mapping tree from entries, keeping each entry's source. */
export function mappingTree(base: SourceNode, entries: Iterable<[string, Tree]>): Tree {
  const value: Record<string, unknown> = {};
  const children = new Map<string, SourceNode>();
  for (const [key, tree] of entries) {
    setOwn(value, key, tree.value);
    children.set(key, tree.source);
  }
  return { value, source: { ...base, children } };
}

/** Builds a list tree from items, re-indexing their sources. */
export function listTree(base: SourceNode, items: readonly Tree[]): Tree {
  return {
    value: items.map((item) => item.value),
    source: { ...base, children: new Map(items.map((item, index) => [String(index), item.source])) },
  };
}

/** The entries of a mapping tree, each with its source. */
export function entriesOf(tree: Tree): [string, Tree][] {
  if (!isMapping(tree.value)) return [];
  return Object.keys(tree.value).map((key) => [key, childOf(tree, key)]);
}

/** The items of a list tree, each with its source. */
export function itemsOf(tree: Tree): Tree[] {
  if (!Array.isArray(tree.value)) return [];
  return tree.value.map((_, index) => childOf(tree, index));
}
