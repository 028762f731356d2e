import type { SourcePosition } from '../model/diagnostic.js';

/** A path inside the spec: map keys, and list indices as numbers. */
export type SpecPath = readonly (string | number)[];

/**
 * Where each node of a (merged) spec was written. Mirrors the plain value tree: map keys and list
 * indices (as strings) lead to children. Kept beside the plain value so that ajv and the semantic
 * checks can work on plain data and still point at file:line:column, also after several files
 * were merged (each node keeps the position of the file that last set it).
 */
export interface SourceNode {
  /** The file this node was written in. */
  file: SourceFile;
  /** Offset of the key naming this node (absent for the document root and list items). */
  keyOffset?: number;
  /** Offset where the value starts. */
  valueOffset: number;
  /** The scalar as written, for plain non-string scalars (`0x10`, `5.0`, `yes`...). */
  raw?: string;
  /** An explicit YAML tag (`!reset`, `!override`: Compose's merge tags, see docs/compose.md). */
  tag?: string;
  children?: Map<string, SourceNode>;
}

/**
 * One parsed file. Nodes keep offsets, and positions are computed only for the few nodes a
 * diagnostic or a DesiredState `source` needs: a large spec has hundreds of thousands of nodes.
 */
export interface SourceFile {
  name: string;
  /** 1-based line and column of an offset. */
  position(offset: number): SourcePosition;
}

/** The deepest node on `path` that exists (the root when nothing deeper does). */
export function nodeAt(root: SourceNode, path: SpecPath): { node: SourceNode; exact: boolean } {
  let node = root;
  for (const segment of path) {
    const child = node.children?.get(String(segment));
    if (!child) return { node, exact: false };
    node = child;
  }
  return { node, exact: true };
}

/** Position of the value at `path`, or of the nearest written ancestor. */
export function valuePosition(root: SourceNode, path: SpecPath): SourcePosition {
  const { node } = nodeAt(root, path);
  return node.file.position(node.valueOffset);
}

/** Position of the key at `path` (falls back to its value, or the nearest ancestor's key). */
export function keyPosition(root: SourceNode, path: SpecPath): SourcePosition {
  const { node } = nodeAt(root, path);
  return node.file.position(node.keyOffset ?? node.valueOffset);
}

/** The scalar at `path` as the file wrote it, when it was a plain non-string scalar. */
export function rawScalar(root: SourceNode, path: SpecPath): string | undefined {
  const found = nodeAt(root, path);
  return found.exact ? found.node.raw : undefined;
}

const SIMPLE_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * The dotted field path users see: `networks.user-network.ipam.config[0].subnet`. Keys that are
 * not simple words (labels like `com.docker.network.bridge.name`) are quoted in brackets.
 */
export function formatPath(path: SpecPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (SIMPLE_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
