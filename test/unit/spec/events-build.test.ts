import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify, type ToStringOptions } from 'yaml';
import { parseSpecText, type ParseResult } from '../../../src/spec/parse.js';
import type { SourceNode } from '../../../src/spec/source-map.js';

/**
 * The fast path (src/spec/events-build.ts, js-yaml's events) against yaml's Composer: for every
 * text, parseSpecText must give the same value, the same source tree (file:line:column of every
 * key and value) and the same diagnostics whichever path builds it; the fast path must take the
 * common YAML, and leave
 * everything else (errors, anchors, tags …) to the Composer.
 */
const FILE = 'netform.yaml';

interface Parsed {
  path: 'fast' | 'composer' | undefined;
  result: ParseResult;
}

function parse(text: string, fast = true): Parsed {
  let path: Parsed['path'];
  const result = parseSpecText(FILE, text, { fast, onPath: (taken) => (path = taken) });
  return { path, result };
}

type Positions = {
  key?: string;
  value: string;
  raw?: string;
  tag?: string;
  children?: [string, Positions][];
};

function positions(node: SourceNode): Positions {
  const at = (offset: number): string => {
    const { line, column } = node.file.position(offset);
    return `${line}:${column}`;
  };
  const out: Positions = { value: at(node.valueOffset) };
  if (node.keyOffset !== undefined) out.key = at(node.keyOffset);
  if (node.raw !== undefined) out.raw = node.raw;
  if (node.tag !== undefined) out.tag = node.tag;
  if (node.children) out.children = [...node.children].map(([name, child]) => [name, positions(child)]);
  return out;
}

/** What a caller can see of a result: value (with prototypes), positions, diagnostics. */
function visible(result: ParseResult): unknown {
  if (!result.ok) return { ok: false, diagnostics: result.diagnostics };
  return {
    ok: true,
    value: result.parsed.value,
    source: positions(result.parsed.source),
    diagnostics: result.diagnostics,
  };
}

/** Both paths agree; returns the path parseSpecText took. */
function expectSameAsComposer(text: string): Parsed {
  const auto = parse(text);
  const composer = parse(text, false);
  expect(composer.path).toBe('composer');
  // node's deep equality compares prototypes (vitest's strict one compares `constructor`, which a
  // spec may use as a key); vitest's shows the difference when there is one.
  const [mine, theirs] = [visible(auto.result), visible(composer.result)];
  if (!isDeepStrictEqual(mine, theirs)) expect(mine).toStrictEqual(theirs);
  return auto;
}

const onFastPath: [string, string][] = [
  [
    'nested block mappings and sequences, comments and blank lines',
    [
      '# a spec',
      'version: 1',
      'project: demo   # trailing comment',
      '',
      'networks:',
      '  front:',
      '    subnet: 10.213.0.0/24',
      '    # between keys',
      '    labels:',
      '      com.example.team: payments',
      '      "quoted key": yes',
      '  back:',
      '    ipam:',
      '      config:',
      '        - subnet: 10.213.1.0/24',
      '          gateway: 10.213.1.1',
      '        -   subnet: 10.213.2.0/24',
      '        - # comment before the item',
      '          subnet: fd00:213::/64',
      'containers:',
      '  web:',
      '    networks:',
      '      front:',
      '        aliases:',
      '        - www',
      '        - api',
      '# last comment',
      '',
    ].join('\n'),
  ],
  [
    'flow collections',
    [
      'networks: {}',
      'containers:',
      '  web: { networks: { front: { aliases: [www, "api", \'x\'] } }, labels: {a: b,} }',
      '  db: {networks: [front, back,]}',
      '  empty: { networks: [ ] }',
      '  multi: {',
      '    networks: [',
      '      front,',
      '      back',
      '    ]',
      '    }',
    ].join('\n'),
  ],
  [
    'multi-line strings: plain, quoted and block scalars',
    [
      'a: a plain scalar',
      '  folded over',
      '',
      '  three lines',
      'b: "double \\"quoted\\" \\u00e9\\t',
      '  and folded\\',
      '  without a space"',
      "c: 'single ''quoted''",
      "  over two lines'",
      'd: |',
      '  literal',
      '    indented',
      '',
      'e: >-',
      '  folded',
      '  text',
      'f: |+  # keep',
      '  kept',
      '',
      'g: |2',
      '    two more',
      'h: >',
      '',
      '  after a blank line',
      'i: end',
    ].join('\n'),
  ],
  [
    'scalars of every core type, empty values',
    [
      'int: 42',
      'negative: -7',
      'hex: 0x1F',
      'octal: 0o17',
      'float: 1.50',
      'exp: 1e3',
      'inf: -.Inf',
      'nan: .nan',
      'yes: true',
      'no: FALSE',
      'word: yes',
      'tilde: ~',
      'capitalNull: Null',
      'empty:',
      'emptyWithComment:    # nothing here',
      'nullItems:',
      '  - ~',
      '  - null',
      'quotedNumber: "42"',
      'unicode: héllo wörld ✓',
      'url: http://example.com:8080/a#b',
      'colon: a:b',
    ].join('\n'),
  ],
  [
    'a --- line, comments before it, CRLF line endings',
    '# head\r\n---\r\nversion: 1\r\nnetworks:\r\n  a:\r\n    subnet: 10.213.0.0/24\r\n',
  ],
  [
    'keys that are names on Object.prototype',
    'networks:\n  toString:\n    subnet: 10.213.0.0/24\n  constructor: {}\n  __proto__:\n    driver: bridge\n  hasOwnProperty: 1\n',
  ],
  ['a flow mapping at the top', '{version: 1, networks: {a: {subnet: 10.213.0.0/24}}}'],
  ['an explicit key', '? networks\n: {}\n'],
  ['a one-pair mapping in a flow sequence', 'containers:\n  web:\n    networks: [a b: c]\n'],
];

const onComposerPath: [string, string][] = [
  ['an anchor and an alias', 'base: &b {driver: bridge}\nnetworks:\n  a: *b\n'],
  ['a merge key', 'base: &b {driver: bridge}\nnetworks:\n  a:\n    <<: *b\n    subnet: 10.213.0.0/24\n'],
  ['a tag', 'networks:\n  a:\n    driver: !!str bridge\n'],
  ['a Compose merge tag', 'networks: !reset {}\n'],
  ['an unknown tag (a warning)', 'networks:\n  a:\n    created: !!timestamp 2001-12-14\n'],
  ['a duplicate key', 'networks:\n  a: {}\n  b: {}\n  a: {}\n'],
  ['a duplicate key in a flow mapping', 'networks: {a: {}, a: {}}\n'],
  ['a key that is not a string', 'networks:\n  1: {}\n  true: {}\n'],
  ['a tab as indentation', 'networks:\n\ta: {}\n'],
  ['a %YAML directive', '%YAML 1.2\n---\nnetworks: {}\n'],
  ['two documents', 'networks: {}\n---\nnetworks: {}\n'],
  ['an unclosed double quote', 'networks:\n  a:\n    driver: "bridge\n'],
  ['an unclosed flow sequence', 'containers:\n  web:\n    networks: [a, b\n'],
  ['an unclosed flow mapping', 'networks: {a: {}\nversion: 1\n'],
  ['bad indentation', 'networks:\n  a:\n    subnet: x\n   driver: bridge\n'],
  ['a compact nested mapping', 'networks: a: b\n'],
  ['a key without a colon', 'networks:\n  a\n  b: {}\n'],
  ['a comment glued to a quoted scalar', 'networks:\n  a:\n    driver: "bridge"#x\n'],
  ['a reserved character', 'networks:\n  a:\n    driver: @bridge\n'],
  ['an invalid escape', 'networks:\n  a:\n    driver: "\\q"\n'],
  ['an empty item in a flow sequence', 'containers:\n  web:\n    networks: [a, , b]\n'],
  ['a leading comma in a flow sequence', 'containers:\n  web:\n    networks: [, a]\n'],
  ['a key over 1,024 characters', `${'k'.repeat(1100)}: 1\n`],
  ['a multi-line implicit key', 'networks:\n  "a\n  b": {}\n'],
  ['a block sequence as a key', '- a\n- b\n: c\n'],
  ['a list at the top', '- a\n- b\n'],
  ['a scalar at the top', 'just text\n'],
  ['an empty file', ''],
  ['only comments', '# nothing\n'],
  ['a ... end marker', 'networks: {}\n...\n'],
  ['a mapping after ---', '--- networks: {}\n'],
  ['empty items of a block sequence', 'networks:\n  a:\n    aliases:\n      -\n      - \n      - x\n'],
  ['a block scalar in a sequence', 'networks:\n  a:\n    aliases:\n      - |\n        x\n'],
  [
    "a flow mapping closed at its key's indentation (yaml takes it, js-yaml does not)",
    'containers:\n  multi: {\n    networks: [front]\n  }\n',
  ],
];

describe('the fast path (js-yaml events)', () => {
  it.each(onFastPath)('%s: takes the fast path, same value and positions as the Composer', (_name, text) => {
    const { path, result } = expectSameAsComposer(text);
    expect(path).toBe('fast');
    expect(result.ok).toBe(true);
  });

  it.each(onComposerPath)('%s: left to the Composer, same result as before', (_name, text) => {
    expect(expectSameAsComposer(text).path).toBe('composer');
  });

  it('puts keys and values of nested, flow and multi-line nodes where they were written', () => {
    const text = [
      'networks:', // 1
      '  front:', // 2
      '    labels: { team: "pay', // 3
      '      ments", tier: 1 }', // 4
      '    aliases: [a,', // 5
      '      b]', // 6
      '    note: |', // 7
      '      two', // 8
      '      lines', // 9
      '    empty:', // 10
      '    last: x', // 11
    ].join('\n');
    const { path, result } = parse(text);
    expect(path).toBe('fast');
    if (!result.ok) throw new Error('expected a parse');
    expect(result.parsed.value).toStrictEqual({
      networks: {
        front: {
          labels: { team: 'pay ments', tier: 1 },
          aliases: ['a', 'b'],
          note: 'two\nlines\n',
          empty: null,
          last: 'x',
        },
      },
    });
    const front = positions(result.parsed.source).children![0]![1].children![0]![1];
    expect(front).toStrictEqual({
      key: '2:3',
      value: '3:5',
      children: [
        [
          'labels',
          {
            key: '3:5',
            value: '3:13',
            children: [
              ['team', { key: '3:15', value: '3:21' }],
              ['tier', { key: '4:15', value: '4:21', raw: '1' }],
            ],
          },
        ],
        [
          'aliases',
          {
            key: '5:5',
            value: '5:14',
            children: [
              ['0', { value: '5:15' }],
              ['1', { value: '6:7' }],
            ],
          },
        ],
        ['note', { key: '7:5', value: '7:11' }],
        ['empty', { key: '10:5', value: '10:11', raw: '' }],
        ['last', { key: '11:5', value: '11:11' }],
      ],
    });
  });

  it('reports malformed YAML where it was before (file:line:column)', () => {
    const at = (text: string): string[] => {
      const { path, result } = parse(text);
      expect(path).toBe('composer');
      return result.diagnostics.map(
        (d) => `${d.code} ${d.position?.file}:${d.position?.line}:${d.position?.column}`,
      );
    };
    expect(at('networks:\n  a:\n    driver: "bridge\n')).toStrictEqual(['NF004 netform.yaml:4:1']);
    expect(at('networks:\n  a: {}\n  a: {}\n')).toStrictEqual(['NF005 netform.yaml:3:3']);
    expect(at('containers:\n  web:\n    networks: [a, b\n')).toStrictEqual(['NF004 netform.yaml:4:1']);
  });

  it('names the same too-deep node as before (NF007, positions taken from the stack-based walk)', () => {
    const deep = (key: string, levels: number): string =>
      `${key}:\n${Array.from({ length: levels }, (_, i) => `${' '.repeat(i * 2 + 2)}k${i}:`).join('\n')}\n`;
    const at = (text: string): string[] =>
      parse(text).result.diagnostics.map((d) => `${d.code} ${d.position?.line}:${d.position?.column}`);
    expect(at(deep('a', 70) + deep('b', 70))).toStrictEqual(['NF007 137:131']);
    expect(at(`x: [${'['.repeat(70)}\ny: ${'{a: '.repeat(70)}`)).toStrictEqual(['NF007 2:260']);
    expect(at(`a:\n  - ${'['.repeat(80)}`)).toStrictEqual(['NF007 2:68']);
    expect(at(`- ${'- '.repeat(80)}x`)).toStrictEqual(['NF007 1:131']);
  });

  it('agrees with the Composer on generated specs in every style, and on broken copies of them', () => {
    const key = fc.oneof(
      fc.constantFrom(
        'networks',
        'containers',
        'subnet',
        'aliases',
        'a.b',
        'with space',
        'x-y_z',
        '0',
        'true',
      ),
      fc.string({ maxLength: 6 }),
    );
    const scalar = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom(
        'yes',
        'null',
        '~',
        '0x1F',
        '1.0',
        '-.inf',
        'a: b',
        '- x',
        '# c',
        'multi\nline',
        ' pad ',
      ),
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.boolean(),
      fc.constant(null),
    );
    const tree = fc.letrec<{ node: unknown; map: Record<string, unknown> }>((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, scalar, tie('map'), fc.array(tie('node'), { maxLength: 4 })),
      map: fc.dictionary(key, tie('node'), { maxKeys: 5 }),
    })).map;
    const style = fc.record<ToStringOptions>({
      collectionStyle: fc.constantFrom('any', 'block', 'flow'),
      defaultStringType: fc.constantFrom(
        'PLAIN',
        'QUOTE_DOUBLE',
        'QUOTE_SINGLE',
        'BLOCK_LITERAL',
        'BLOCK_FOLDED',
      ),
      defaultKeyType: fc.constantFrom(null, 'PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'),
      lineWidth: fc.constantFrom(0, 20, 80),
      indent: fc.integer({ min: 2, max: 4 }),
      indentSeq: fc.boolean(),
    });
    const edit = fc.record({
      at: fc.nat(),
      remove: fc.nat({ max: 2 }),
      insert: fc.constantFrom(
        '',
        ' ',
        '\n',
        ':',
        '- ',
        '#',
        '"',
        "'",
        '[',
        ']',
        '{',
        '}',
        ',',
        '&a ',
        '*a',
        '!',
        '|',
        '>',
        '\t',
        '? ',
      ),
    });
    const paths = { fast: 0, composer: 0 };
    fc.assert(
      fc.property(tree, style, fc.array(edit, { maxLength: 2 }), (value, options, edits) => {
        let text = stringify(value, options);
        for (const { at, remove, insert } of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + insert + text.slice(i + remove);
        }
        const { path } = expectSameAsComposer(text);
        paths[path!]++;
      }),
      { numRuns: 500 },
    );
    // Both paths were exercised, the fast one by most of the unbroken specs.
    expect(paths.fast).toBeGreaterThan(100);
    expect(paths.composer).toBeGreaterThan(40);
  });
});
