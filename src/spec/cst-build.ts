import { isScalar, CST, type Document } from 'yaml';
import type { SourceFile, SourceNode } from './source-map.js';

/**
 * The plain value and the source tree of a spec, built straight from yaml's CST (its `Parser`
 * tokens) without composing a `Document` and calling `toJS` (docs/architecture.md, "Parsing").
 * For a spec of thousands of networks that skips most of the parse's time and memory.
 *
 * It covers the YAML a spec is written in — block and flow mappings and sequences, plain, quoted
 * and block scalars, comments, a `---` line — and gives up (returns undefined) on anything else:
 * anchors, aliases, merge keys, tags, explicit `?` keys, directives, several documents, tabs,
 * keys that are not strings, duplicate keys, any token yaml marks as an error and any shape yaml's
 * composer would report. The caller then composes the same tokens with yaml's `Composer`, which
 * gives the value and every diagnostic exactly as before. So this path never decides what is an
 * error: where it returns a value, yaml's composer finds no error or warning and `toJS` gives the
 * same value (unit test: test/unit/spec/cst-build.test.ts compares both paths).
 *
 * Scalars are resolved by yaml itself (`CST.resolveAsScalar`, then the schema's own tags), and
 * offsets are the ones yaml's nodes would carry, so diagnostics keep their file:line:column.
 */
export function buildFromCst(
  tokens: readonly CST.Token[],
  file: SourceFile,
  text: string,
  schema: ResolvingSchema,
): { value: Record<string, unknown>; tree: SourceNode } | undefined {
  if (text.includes('\t')) return undefined; // where a tab may stand is for the composer to say
  let document: CST.Document | undefined;
  for (const token of tokens) {
    if (token.type === 'document') {
      if (document) return undefined;
      document = token;
    } else if (token.type !== 'space' && token.type !== 'comment' && token.type !== 'newline')
      return undefined;
  }
  const root = document?.value;
  if (!document || !root) return undefined;
  if (root.type !== 'block-map' && !(root.type === 'flow-collection' && root.start.source === '{'))
    return undefined;
  try {
    const builder = new Builder(file, text, schema);
    builder.documentProps(document.start);
    builder.trailing(document.end);
    const tree: SourceNode = { file, valueOffset: 0 };
    const value = builder.node(root, tree) as Record<string, unknown>;
    return { value, tree };
  } catch (error) {
    if (error === UNSUPPORTED) return undefined;
    throw error;
  }
}

/** What resolving a plain scalar needs from yaml's Document: its schema's tags and options. */
export interface ResolvingSchema {
  tags: readonly ResolvingTag[];
  options: Document.Parsed['options'];
}

interface ResolvingTag {
  default?: boolean | 'key';
  test?: RegExp;
  collection?: unknown;
  resolve: (...args: never[]) => unknown;
}

/** The tags and options yaml's Composer resolves scalars with, for the given composer options. */
export function resolvingSchema(document: Document): ResolvingSchema {
  const tags = (document.schema as unknown as { tags: ResolvingTag[] }).tags;
  return { tags, options: document.options };
}

const UNSUPPORTED = new Error('not on the CST path');

const giveUp = (): never => {
  throw UNSUPPORTED;
};

type ScalarToken = CST.FlowScalar | CST.BlockScalar;

class Builder {
  constructor(
    private readonly file: SourceFile,
    private readonly text: string,
    private readonly schema: ResolvingSchema,
  ) {}

  /** The tokens before the document's value: blank lines, comments and at most one `---` line. */
  documentProps(start: readonly CST.SourceToken[]): void {
    let docStart = false;
    let newlineAfter = true;
    for (const token of start) {
      if (token.type === 'doc-start') {
        if (docStart) giveUp();
        docStart = true;
        newlineAfter = false;
      } else if (token.type === 'newline') newlineAfter = true;
      else this.blank(token);
    }
    if (!newlineAfter) giveUp(); // a block collection cannot start on the `---` line
  }

  /** Tokens after a value: spaces, newlines and comments only (yaml's resolveEnd). */
  trailing(tokens: readonly CST.SourceToken[] | undefined): void {
    if (tokens) for (const token of tokens) if (token.type !== 'newline') this.blank(token);
  }

  /** A space, or a comment that white space separates from what comes before it. */
  private blank(token: CST.SourceToken): void {
    if (token.type === 'space') return;
    if (token.type !== 'comment') giveUp();
    const before = token.offset > 0 ? this.text.charCodeAt(token.offset - 1) : 0x0a;
    if (before !== 0x20 && before !== 0x0a && before !== 0x0d) giveUp();
  }

  node(token: CST.Token, out: SourceNode): unknown {
    switch (token.type) {
      case 'block-map':
        return this.blockMap(token, out);
      case 'block-seq':
        return this.blockSeq(token, out);
      case 'flow-collection':
        return this.flowCollection(token, out);
      case 'scalar':
      case 'single-quoted-scalar':
      case 'double-quoted-scalar':
      case 'block-scalar':
        return this.scalar(token, out);
      default:
        return giveUp();
    }
  }

  private scalar(token: ScalarToken, out: SourceNode): unknown {
    // yaml's scalar ranges start at the token (resolve-flow-scalar, resolve-block-scalar).
    out.valueOffset = token.offset;
    const source = this.scalarSource(token);
    return token.type === 'scalar' ? this.plain(source, out) : source;
  }

  /** A plain scalar's value by the schema's tags, as yaml's composer picks them (findScalarTagByTest). */
  private plain(source: string, out: SourceNode | undefined): unknown {
    for (const tag of this.schema.tags) {
      if (tag.default !== true || !tag.test?.test(source)) continue;
      let failed = false;
      let value: unknown;
      try {
        const resolve = tag.resolve as (
          value: string,
          onError: (message: string) => void,
          options: ResolvingSchema['options'],
        ) => unknown;
        value = resolve(
          source,
          () => {
            failed = true;
          },
          this.schema.options,
        );
      } catch {
        failed = true;
      }
      if (failed) giveUp();
      if (isScalar(value)) value = value.value;
      if (typeof value !== 'string' && out) out.raw = source;
      return value;
    }
    return source;
  }

  /** A key: a one-line scalar that resolves to a string other than `<<` (a merge key). */
  private key(token: CST.Token | null | undefined, indent: number | undefined): string {
    if (
      !token ||
      (token.type !== 'scalar' &&
        token.type !== 'single-quoted-scalar' &&
        token.type !== 'double-quoted-scalar')
    )
      return giveUp();
    if (indent !== undefined && token.indent !== indent) giveUp();
    if (token.source.includes('\n')) giveUp();
    if (token.end) for (const t of token.end) if (t.type !== 'space') giveUp();
    const source = this.scalarSource(token);
    const name = token.type === 'scalar' ? this.plain(source, undefined) : source;
    if (typeof name !== 'string' || name === '<<' || name === '') giveUp();
    return name as string;
  }

  /** A scalar's text after yaml's own checks, quotes and escapes (any problem: the composer's). */
  private scalarSource(token: ScalarToken): string {
    let failed = false;
    const resolved = CST.resolveAsScalar(token, true, () => {
      failed = true;
    });
    if (failed || !resolved) giveUp();
    return resolved.value;
  }

  /** Sets a key on a plain object the way yaml's toJS does (addPairToJSMap). */
  private static set(object: Record<string, unknown>, name: string, value: unknown): void {
    if (name in object)
      Object.defineProperty(object, name, { value, writable: true, enumerable: true, configurable: true });
    else object[name] = value;
  }

  private blockMap(map: CST.BlockMap, out: SourceNode): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    const children = new Map<string, SourceNode>();
    out.valueOffset = map.offset;
    out.children = children;
    const count = map.items.length;
    for (let i = 0; i < count; i++) {
      const item = map.items[i]!;
      for (const token of item.start) if (token.type !== 'newline') this.blank(token);
      if (!item.key) {
        // Comments after the last entry; an empty key or one with nothing after it is the composer's.
        if (item.key === null || item.sep || item.value || i !== count - 1) giveUp();
        continue;
      }
      const key = item.key;
      const name = this.key(key, map.indent);
      if (children.has(name)) giveUp();
      const sep = item.sep;
      let colon: CST.SourceToken | undefined;
      let newline = false;
      for (const token of sep) {
        if (token.type === 'map-value-ind') {
          if (colon) giveUp();
          colon = token;
        } else if (token.type === 'newline') {
          if (!colon) giveUp();
          newline = true;
        } else this.blank(token);
      }
      if (!colon) return giveUp();
      if (colon.offset - key.offset > 1000) giveUp(); // yaml allows 1,024 characters before the `:`
      const child: SourceNode = { file: this.file, keyOffset: key.offset, valueOffset: 0 };
      let value: unknown;
      if (item.value) {
        const type = item.value.type;
        if ((type === 'block-map' || type === 'block-seq') && !newline) giveUp();
        value = this.node(item.value, child);
      } else {
        child.valueOffset = emptyScalarPosition(sep);
        value = this.plain('', child);
      }
      Builder.set(object, name, value);
      children.set(name, child);
    }
    return object;
  }

  private blockSeq(seq: CST.BlockSequence, out: SourceNode): unknown[] {
    const array: unknown[] = [];
    const children = new Map<string, SourceNode>();
    out.valueOffset = seq.offset;
    out.children = children;
    for (const item of seq.items) {
      let dash = false;
      for (const token of item.start) {
        if (token.type === 'seq-item-ind') {
          if (dash) giveUp();
          dash = true;
        } else if (token.type !== 'newline') this.blank(token);
      }
      if (!dash) {
        if (item.value) giveUp();
        continue;
      }
      const child: SourceNode = { file: this.file, valueOffset: 0 };
      let value: unknown;
      if (item.value) value = this.node(item.value, child);
      else {
        child.valueOffset = emptyScalarPosition(item.start);
        value = this.plain('', child);
      }
      children.set(String(array.length), child);
      array.push(value);
    }
    return array;
  }

  private flowCollection(flow: CST.FlowCollection, out: SourceNode): unknown {
    const isMap = flow.start.source === '{';
    const object: Record<string, unknown> = {};
    const array: unknown[] = [];
    const children = new Map<string, SourceNode>();
    out.valueOffset = flow.offset;
    out.children = children;
    const count = flow.items.length;
    for (let i = 0; i < count; i++) {
      const { start, key, sep, value } = flow.items[i]!;
      let comma = false;
      for (const token of start) {
        if (token.type === 'comma') {
          if (comma) giveUp();
          comma = true;
        } else if (token.type !== 'space' && token.type !== 'newline') giveUp();
      }
      if (key === undefined && !sep && !value) {
        // Only `[a, b,]` and `[ ]` leave an empty item, and only at the end.
        if (i !== count - 1 || (i === 0 && comma)) giveUp();
        continue;
      }
      if (comma !== i > 0) giveUp();
      const valueToken = (): CST.Token | undefined => {
        if (!value) return undefined;
        if (value.type === 'block-map' || value.type === 'block-seq' || value.type === 'block-scalar')
          giveUp();
        return value;
      };
      if (!isMap) {
        if (key !== undefined || sep) giveUp();
        const child: SourceNode = { file: this.file, valueOffset: 0 };
        const item = this.node(valueToken()!, child);
        children.set(String(array.length), child);
        array.push(item);
        continue;
      }
      const name = this.key(key, undefined);
      if (children.has(name) || !sep) giveUp();
      let colon = false;
      for (const token of sep!) {
        if (token.type === 'map-value-ind') {
          if (colon) giveUp();
          colon = true;
        } else if (token.type !== 'space' && token.type !== 'newline') giveUp();
      }
      if (!colon) giveUp();
      const child: SourceNode = { file: this.file, keyOffset: key!.offset, valueOffset: 0 };
      const token = valueToken();
      let item: unknown;
      if (token) item = this.node(token, child);
      else {
        child.valueOffset = emptyScalarPosition(sep!);
        item = this.plain('', child);
      }
      Builder.set(object, name, item);
      children.set(name, child);
    }
    const [end, ...rest] = flow.end;
    if (end?.source !== (isMap ? '}' : ']')) giveUp();
    for (const token of rest) if (token.type !== 'newline') this.blank(token);
    return isMap ? object : array;
  }
}

/**
 * Where yaml places an empty value (util-empty-scalar-position): after the last token before
 * it that is not white space or a comment, and after the spaces that follow that token.
 */
function emptyScalarPosition(before: readonly CST.SourceToken[]): number {
  const last = before[before.length - 1];
  let offset = last ? last.offset + last.source.length : 0;
  for (let i = before.length - 1; i >= 0; --i) {
    let token = before[i]!;
    if (token.type === 'space' || token.type === 'comment' || token.type === 'newline') {
      offset -= token.source.length;
      continue;
    }
    token = before[++i]!;
    while (token?.type === 'space') {
      offset += token.source.length;
      token = before[++i]!;
    }
    break;
  }
  return offset;
}
