import {
  COLLECTION_STYLE,
  EVENT_ID,
  SCALAR_STYLE,
  getScalarValue,
  parseEvents,
  type Event,
  type ScalarEvent,
} from 'js-yaml';
import { isScalar, type Document } from 'yaml';
import type { SourceFile, SourceNode } from './source-map.js';

/**
 * The plain value and the source tree of a spec, built from js-yaml's event parser
 * (`parseEvents`: offsets of every node, scalar styles) instead of yaml's own parser, which is
 * four to six times slower on a large spec (docs/architecture.md, "Parsing"). yaml stays the
 * reference: it resolves every plain scalar (the same tags, so `yes` stays a string and `0o17` is
 * 15), and anything this path does not take is composed by yaml's `Composer` as before.
 *
 * It covers the YAML a spec is written in — block and flow mappings and sequences, plain and
 * quoted scalars, comments, a `---` line, empty values and block scalars of block mappings — and
 * gives up (returns undefined) on anything else: anchors, aliases, tags, directives, several
 * documents, a `...` line, tabs, keys that are not one-line strings, merge keys, duplicate keys,
 * empty items and block scalars of sequences, empty values of flow mappings, and any text js-yaml
 * refuses (it is stricter than yaml on the indentation of a flow collection's closing bracket). So this path never decides
 * what is an error: where it returns a value, yaml's composer finds no error or warning and gives
 * the same value and the same positions (unit test: test/unit/spec/events-build.test.ts compares
 * both paths on hand-written and generated specs, broken ones included).
 */
export function buildFromEvents(
  text: string,
  file: SourceFile,
  schema: ResolvingSchema,
  maxDepth: number,
): { value: Record<string, unknown>; tree: SourceNode } | undefined {
  if (text.includes('\t')) return undefined; // where a tab may stand is for the composer to say
  let events: Event[];
  try {
    events = parseEvents(text, { maxDepth });
  } catch {
    return undefined; // js-yaml refuses it: the composer says what is wrong, and where
  }
  try {
    return new Builder(file, text, schema, events).document();
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

const UNSUPPORTED = new Error('not on the event path');

const giveUp = (): never => {
  throw UNSUPPORTED;
};

const isBlock = (event: ScalarEvent): boolean =>
  event.style === SCALAR_STYLE.LITERAL_BLOCK || event.style === SCALAR_STYLE.FOLDED_BLOCK;

const isQuoted = (event: ScalarEvent): boolean =>
  event.style === SCALAR_STYLE.SINGLE_QUOTED || event.style === SCALAR_STYLE.DOUBLE_QUOTED;

class Builder {
  private next = 0;

  constructor(
    private readonly file: SourceFile,
    private readonly text: string,
    private readonly schema: ResolvingSchema,
    private readonly events: readonly Event[],
  ) {}

  /** The stream: one document whose value is a mapping, nothing after it. */
  document(): { value: Record<string, unknown>; tree: SourceNode } {
    const { events } = this;
    const start = events[0];
    if (events.length < 3 || start?.type !== EVENT_ID.DOCUMENT) return giveUp();
    if (start.directives.length > 0 || start.explicitEnd) giveUp();
    if (events[1]!.type !== EVENT_ID.MAPPING) giveUp();
    this.next = 1;
    const tree: SourceNode = { file: this.file, valueOffset: 0 };
    const value = this.node(tree) as Record<string, unknown>;
    if (this.events[this.next++]?.type !== EVENT_ID.POP || this.next !== events.length) giveUp();
    return { value, tree };
  }

  private node(out: SourceNode): unknown {
    const event = this.events[this.next++]!;
    switch (event.type) {
      case EVENT_ID.MAPPING:
        if (event.anchorStart !== -1 || event.tagStart !== -1) giveUp();
        return this.mapping(event.start, event.style === COLLECTION_STYLE.FLOW, out);
      case EVENT_ID.SEQUENCE:
        if (event.anchorStart !== -1 || event.tagStart !== -1) giveUp();
        return this.sequence(event.start, out);
      case EVENT_ID.SCALAR:
        return this.scalar(event, out);
      default:
        return giveUp();
    }
  }

  private scalar(event: ScalarEvent, out: SourceNode): unknown {
    if (event.anchorStart !== -1 || event.tagStart !== -1 || event.valueStart === -1) giveUp();
    if (isBlock(event)) giveUp(); // only a mapping's value can say where its header is
    // yaml's scalar ranges start at the opening quote; js-yaml's at the text inside it.
    out.valueOffset = isQuoted(event) ? event.valueStart - 1 : event.valueStart;
    const source = getScalarValue(this.text, event);
    return isQuoted(event) ? source : this.plain(source, out);
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
  private key(): { name: string; offset: number; end: number } {
    const event = this.events[this.next++]!;
    if (event.type !== EVENT_ID.SCALAR) return giveUp();
    if (event.anchorStart !== -1 || event.tagStart !== -1 || event.valueStart === -1) giveUp();
    const quoted = isQuoted(event);
    if (event.style !== SCALAR_STYLE.PLAIN && !quoted) giveUp();
    const offset = quoted ? event.valueStart - 1 : event.valueStart;
    const end = quoted ? event.valueEnd + 1 : event.valueEnd;
    // yaml allows 1,024 characters before the `:`; an implicit key is one line.
    if (end - offset > 1000) giveUp();
    const newline = this.text.indexOf('\n', offset);
    if (newline !== -1 && newline < end) giveUp();
    const source = getScalarValue(this.text, event);
    const name = quoted ? source : this.plain(source, undefined);
    if (typeof name !== 'string' || name === '<<' || name === '') giveUp();
    return { name: name as string, offset, end };
  }

  /** Sets a key on a plain object the way yaml's toJS does (addPairToJSMap). */
  private static set(object: Record<string, unknown>, name: string, value: unknown): void {
    if (name in object)
      Object.defineProperty(object, name, { value, writable: true, enumerable: true, configurable: true });
    else object[name] = value;
  }

  private mapping(start: number, flow: boolean, out: SourceNode): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    const children = new Map<string, SourceNode>();
    out.valueOffset = start;
    out.children = children;
    while (this.events[this.next]?.type !== EVENT_ID.POP) {
      const key = this.key();
      if (children.has(key.name)) giveUp();
      const child: SourceNode = { file: this.file, keyOffset: key.offset, valueOffset: 0 };
      const event = this.events[this.next]!;
      let value: unknown;
      if (event.type === EVENT_ID.SCALAR && !flow && (event.valueStart === -1 || isBlock(event))) {
        // An empty value, or a block scalar: yaml's range starts after the `:` and its spaces
        // (at the `|` or `>`), which js-yaml's event does not give.
        if (event.anchorStart !== -1 || event.tagStart !== -1) giveUp();
        this.next++;
        child.valueOffset = this.afterColon(key.end);
        if (event.valueStart === -1) value = this.plain('', child);
        else {
          const indicator = this.text.charCodeAt(child.valueOffset);
          if (indicator !== 0x7c && indicator !== 0x3e) giveUp();
          value = getScalarValue(this.text, event);
        }
      } else value = this.node(child);
      Builder.set(object, key.name, value);
      children.set(key.name, child);
    }
    this.next++;
    return object;
  }

  private sequence(start: number, out: SourceNode): unknown[] {
    const array: unknown[] = [];
    const children = new Map<string, SourceNode>();
    out.valueOffset = start;
    out.children = children;
    while (this.events[this.next]?.type !== EVENT_ID.POP) {
      const child: SourceNode = { file: this.file, valueOffset: 0 };
      children.set(String(array.length), child);
      array.push(this.node(child));
    }
    this.next++;
    return array;
  }

  /**
   * Where yaml places the empty value of a block mapping's key (util-empty-scalar-position), and
   * a block scalar's header: after the `:` that follows the key and the spaces after it.
   */
  private afterColon(keyEnd: number): number {
    const { text } = this;
    let offset = keyEnd;
    while (text.charCodeAt(offset) === 0x20) offset++;
    if (text.charCodeAt(offset) !== 0x3a) giveUp(); // `? key` on its own line, or anything unusual
    offset++;
    while (text.charCodeAt(offset) === 0x20) offset++;
    return offset;
  }
}
