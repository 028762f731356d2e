import {
  Composer,
  Document as YamlDocument,
  LineCounter,
  Parser,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Document,
  type Node,
  type ScalarTag,
} from 'yaml';
import type { CST } from 'yaml';
import type { Diagnostic, SourcePosition } from '../model/diagnostic.js';
import { CODES } from './codes.js';
import { buildFromEvents, resolvingSchema, type ResolvingSchema } from './events-build.js';
import { diagnosticAt } from './diagnose.js';
import type { SourceFile, SourceNode } from './source-map.js';

/**
 * Larger files are refused before parsing (the YAML parser needs about a second per MiB on a busy
 * machine): a spec of 2,000 networks with three containers each is 0.9 MiB.
 */
export const MAX_SPEC_BYTES = 2 * 1024 * 1024;
/** Deeper YAML is refused before composing: the composer recurses and would overflow the stack. */
export const MAX_NESTING = 64;
/** yaml's guard against alias bombs: resolved alias expansions allowed per document. */
export const MAX_ALIAS_COUNT = 100;

/** One spec file, parsed: its plain value and where each node was written. */
export interface ParsedSpecFile {
  file: string;
  value: Record<string, unknown>;
  source: SourceNode;
}

export type ParseResult =
  { ok: true; parsed: ParsedSpecFile; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/**
 * Parses one spec file's text into plain data with source positions. Never throws: every way a
 * file can be unusable (too large, too deep, an alias bomb, duplicate keys, several documents, not
 * a mapping, empty) is an error diagnostic.
 */
export function parseSpecText(file: string, text: string, options: ParseOptions = {}): ParseResult {
  const at = (line = 1, column = 1): SourcePosition => ({ file, line, column });
  const fail = (diagnostic: Diagnostic): ParseResult => ({ ok: false, diagnostics: [diagnostic] });

  // Bytes as UTF-8 is what the cap means; text.length is a cheap lower bound to skip the count.
  if (text.length > MAX_SPEC_BYTES || Buffer.byteLength(text, 'utf8') > MAX_SPEC_BYTES) {
    return fail(
      diagnosticAt(CODES.fileTooLarge, [], at(), {
        message: `the file is larger than ${MAX_SPEC_BYTES / 1024 / 1024} MiB`,
        hint: 'a spec of thousands of networks fits well below this; check that this is the right file',
      }),
    );
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const control = CONTROL_CHARACTER.exec(text);
  if (control) {
    const before = text.slice(0, control.index).split('\n');
    return fail(
      diagnosticAt(CODES.yamlSyntax, [], at(before.length, before[before.length - 1]!.length + 1), {
        message: `the file contains the control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}, which YAML does not allow`,
        hint: 'remove it; is this a binary file?',
      }),
    );
  }
  const runaway = runawayNesting(text);
  if (runaway !== undefined) {
    const before = text.slice(0, runaway).split('\n');
    return fail(
      diagnosticAt(CODES.nestingTooDeep, [], at(before.length, before[before.length - 1]!.length + 1), {
        message: `YAML nesting is deeper than ${MAX_NESTING} levels`,
        hint: 'a spec needs a handful of levels; this file is not a netform spec',
      }),
    );
  }

  const lineCounter = new LineCounter();
  const position = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return at(Math.max(line, 1), Math.max(col, 1));
  };

  if (options.fast !== false) {
    const built = buildFromEvents(
      text,
      { name: file, position: lazyPositions(text, at) },
      fastSchema(),
      MAX_NESTING,
    );
    if (built) {
      options.onPath?.('fast');
      return { ok: true, parsed: { file, value: built.value, source: built.tree }, diagnostics: [] };
    }
  }

  // Parse lazily, one top-level token at a time, so a stream of many documents stops at the
  // second, and check each token's depth before the (recursive) composer sees it.
  const nesting: { deepAt?: number } = {};
  const checkedTokens = function* (): Generator<CST.Token> {
    for (const token of new Parser(lineCounter.addNewLine).parse(text)) {
      nesting.deepAt = findExcessiveNesting(token);
      if (nesting.deepAt !== undefined) return;
      yield token;
    }
  };
  const tokens = checkedTokens();
  options.onPath?.('composer');

  const documents: Document.Parsed[] = [];
  const composer = new Composer(COMPOSER_OPTIONS);
  for (const document of composer.compose(tokens)) {
    documents.push(document);
    if (documents.length > 1) break; // one more than allowed is all the error needs
  }
  if (nesting.deepAt !== undefined) {
    return fail(
      diagnosticAt(CODES.nestingTooDeep, [], position(nesting.deepAt), {
        message: `YAML nesting is deeper than ${MAX_NESTING} levels`,
        hint: 'a spec needs a handful of levels; this file is not a netform spec',
      }),
    );
  }

  if (documents.length > 1) {
    const second = documents[1]!;
    return fail(
      diagnosticAt(CODES.multipleDocuments, [], position(second.range[0]), {
        message: 'the file holds more than one YAML document; a spec file is one document',
        hint: 'put each spec in its own file and pass them with -f (later files override earlier ones)',
      }),
    );
  }
  const document = documents[0];
  const diagnostics: Diagnostic[] = [];
  if (document) {
    for (const error of document.errors) {
      const duplicate = error.code === 'DUPLICATE_KEY';
      diagnostics.push(
        diagnosticAt(duplicate ? CODES.duplicateKey : CODES.yamlSyntax, [], position(error.pos[0]), {
          message: duplicate ? 'this key appears twice in the same mapping' : yamlMessage(error.message),
          hint: duplicate
            ? 'remove one of the two'
            : error.code === 'TAG_RESOLVE_FAILED'
              ? 'write a value of that type, or drop the tag'
              : 'check the indentation, quotes and brackets on this line and the one before',
        }),
      );
    }
    for (const warning of document.warnings) {
      diagnostics.push(
        diagnosticAt(CODES.yamlWarning, [], position(warning.pos[0]), {
          message: yamlWarningMessage(warning.message),
          hint: 'netform reads plain YAML: the tag is ignored and the value is taken as written',
          severity: 'warning',
        }),
      );
    }
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { ok: false, diagnostics };

  const contents = document?.contents;
  if (
    !document ||
    contents === null ||
    contents === undefined ||
    (isScalar(contents) && contents.value === null)
  ) {
    return fail(
      diagnosticAt(CODES.emptySpec, [], at(), {
        message: 'the spec file is empty',
        hint: 'start with `version: 1` and a `networks:` mapping (see examples/)',
      }),
    );
  }
  if (!isMap(contents)) {
    const kind = isSeq(contents) ? 'a list' : isScalar(contents) ? 'a single value' : 'not a mapping';
    return fail(
      diagnosticAt(CODES.notAMapping, [], position(contents.range[0]), {
        message: `the top level of the file is ${kind}, not a mapping`,
        hint: 'a spec is a mapping with the keys version, project, networks and containers',
      }),
    );
  }

  const { tree, duplicates } = sourceTree(contents, { name: file, position });
  if (duplicates.length > 0) {
    return {
      ok: false,
      diagnostics: duplicates.map(({ path, offset }) =>
        diagnosticAt(CODES.duplicateKey, path, position(offset), {
          message: `the key ${JSON.stringify(path[path.length - 1])} appears twice in the same mapping`,
          hint: 'remove one of the two',
        }),
      ),
    };
  }

  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const bomb = /alias/i.test(message);
    return fail(
      diagnosticAt(bomb ? CODES.aliasLimit : CODES.yamlSyntax, [], at(), {
        message: bomb
          ? `YAML aliases expand to more than ${MAX_ALIAS_COUNT} copies (an alias bomb?)`
          : yamlMessage(message),
        hint: bomb ? 'write the values out, or use fewer nested aliases' : undefined,
      }),
    );
  }
  return {
    ok: true,
    parsed: { file, value: value as Record<string, unknown>, source: tree },
    diagnostics,
  };
}

/** For tests: which of the two paths (src/spec/events-build.ts) parses a file. */
export interface ParseOptions {
  /** false: compose every file with yaml's Composer, the path the fast one must match. */
  fast?: boolean;
  /** Told which path built the value. */
  onPath?: (path: 'fast' | 'composer') => void;
}

/**
 * YAML 1.2's explicit !!float and !!int on any number (`!!float 1` is the float 1.0), which the
 * core schema resolves only for values already written in that form. Not default tags, so
 * untagged scalars resolve as before. A value that is not a number is an error (NF004).
 */
const EXPLICIT_NUMBER_TAGS: ScalarTag[] = [
  {
    tag: 'tag:yaml.org,2002:float',
    resolve: (text, onError) => {
      const value = yamlFloat(text);
      if (value === undefined) onError(`!!float ${text} is not a number`);
      return value ?? text;
    },
  },
  {
    tag: 'tag:yaml.org,2002:int',
    resolve: (text, onError) => {
      const value = /^[-+]?(0|[1-9][0-9]*)$/.test(text) ? Number(text) : undefined;
      if (value === undefined) onError(`!!int ${text} is not a whole number`);
      return value ?? text;
    },
  },
];

// uniqueKeys off: yaml's check is quadratic in a mapping's size; sourceTree does it instead.
const COMPOSER_OPTIONS = {
  uniqueKeys: false,
  merge: true,
  prettyErrors: false,
  version: '1.2',
  // !!timestamp, !!binary, !!set … would become a Date, bytes or a Set, which the schema could
  // only call "not a mapping": unresolved instead, so NF044 says the tag is ignored.
  resolveKnownTags: false,
  customTags: EXPLICIT_NUMBER_TAGS,
} as const;

let resolving: ResolvingSchema | undefined;
/** The tags and options the Composer resolves scalars with, made once. */
function fastSchema(): ResolvingSchema {
  resolving ??= resolvingSchema(new YamlDocument(undefined, COMPOSER_OPTIONS));
  return resolving;
}

/**
 * 1-based line and column of an offset, as yaml's LineCounter gives them, for the fast path (which
 * runs no yaml lexer to count lines): the line starts are found on the first call, when a
 * diagnostic or a desired object's `source` needs a position.
 */
function lazyPositions(text: string, at: (line: number, column: number) => SourcePosition) {
  let starts: number[] | undefined;
  return (offset: number): SourcePosition => {
    if (!starts) {
      starts = [0];
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    }
    let low = 0;
    let high = starts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (starts[mid]! <= offset) low = mid + 1;
      else high = mid;
    }
    return at(Math.max(low, 1), Math.max(offset - starts[Math.max(low - 1, 0)]! + 1, 1));
  };
}

/** yaml's warnings in netform's words: `Unresolved tag: tag:yaml.org,2002:timestamp` names the tag as written. */
function yamlWarningMessage(message: string): string {
  const text = yamlMessage(message);
  const unresolved = /^Unresolved tag: (.*)$/.exec(text);
  if (!unresolved) return text;
  const tag = unresolved[1]!.replace(/^tag:yaml\.org,2002:/, '!!');
  return `the tag ${tag} is not one netform reads`;
}

function yamlFloat(text: string): number | undefined {
  if (/^[-+]?\.(inf|Inf|INF)$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(nan|NaN|NAN)$/.test(text)) return NaN;
  return /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(text) ? Number(text) : undefined;
}

function yamlMessage(message: string): string {
  // yaml's messages end with a position and a code excerpt when prettified; we print our own.
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** C0 controls other than tab, LF and CR, and DEL: not allowed anywhere in a YAML stream. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/**
 * A cheap scan before the parser, which takes seconds on 100,000 open brackets or `- - - …`: the
 * offset where `[`/`{` nesting, or a run of spaces and dashes, passes ten times the
 * limit. It ignores quotes and comments, so it can only over-count, and only a file far beyond
 * any real spec trips it. The exact check runs on the CST.
 */
function runawayNesting(text: string): number | undefined {
  const limit = MAX_NESTING * 10;
  let depth = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Block nesting needs a column per level: indentation and compact `- - -` indicators.
    if (c === 0x20 || c === 0x2d) {
      if (++run > limit) return i;
    } else run = 0;
    if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return i;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return undefined;
}

/**
 * The offset of the first CST token under `root` nested deeper than MAX_NESTING. It recurses at
 * most MAX_NESTING + 1 levels (it never descends below the limit) and allocates nothing; items
 * are visited last first, each value before its key, so the token it names is the one the
 * earlier stack-based walk named.
 */
function findExcessiveNesting(token: CST.Token | null | undefined, depth = 0): number | undefined {
  if (!token) return undefined;
  if (depth > MAX_NESTING) return 'offset' in token ? token.offset : 0;
  switch (token.type) {
    case 'document':
      return findExcessiveNesting(token.value, depth);
    case 'block-map':
    case 'block-seq':
    case 'flow-collection':
      for (let i = token.items.length - 1; i >= 0; i--) {
        const item = token.items[i]!;
        const deep =
          findExcessiveNesting(item.value, depth + 1) ??
          ('key' in item ? findExcessiveNesting(item.key, depth + 1) : undefined);
        if (deep !== undefined) return deep;
      }
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Builds the SourceNode tree for a composed document (depth is already bounded), and finds
 * duplicate keys on the way in linear time (yaml's own check is quadratic in a mapping's size).
 */
function sourceTree(
  root: Node,
  file: SourceFile,
): { tree: SourceNode; duplicates: { path: string[]; offset: number }[] } {
  const duplicates: { path: string[]; offset: number }[] = [];
  const path: string[] = [];
  const build = (node: Node, keyOffset: number | undefined): SourceNode => {
    const result: SourceNode = { file, valueOffset: node.range?.[0] ?? 0 };
    if (keyOffset !== undefined) result.keyOffset = keyOffset;
    if (node.tag !== undefined && node.tag.startsWith('!') && !node.tag.startsWith('!!'))
      result.tag = node.tag;
    if (isScalar(node)) {
      if (typeof node.value !== 'string' && typeof node.source === 'string') result.raw = node.source;
    } else if (isMap(node)) {
      const children = new Map<string, SourceNode>();
      result.children = children;
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const keyAt = keyNode?.range?.[0] ?? result.valueOffset;
        if (children.has(name)) duplicates.push({ path: [...path, name], offset: keyAt });
        const valueNode = pair.value as Node | null;
        path.push(name);
        children.set(
          name,
          valueNode && !isAlias(valueNode)
            ? build(valueNode, keyAt)
            : { file, keyOffset: keyAt, valueOffset: valueNode?.range?.[0] ?? keyAt },
        );
        path.pop();
      }
    } else if (isSeq(node)) {
      const children = new Map<string, SourceNode>();
      result.children = children;
      node.items.forEach((item, index) => {
        const itemNode = item as Node | null;
        path.push(String(index));
        children.set(
          String(index),
          itemNode && !isAlias(itemNode)
            ? build(itemNode, undefined)
            : { file, valueOffset: itemNode?.range?.[0] ?? result.valueOffset },
        );
        path.pop();
      });
    }
    return result;
  };
  return { tree: build(root, undefined), duplicates };
}
