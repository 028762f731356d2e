import { mkdtempSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSpec, loadSpec, type ValidationResult } from '../../../src/spec/index.js';
import { MAX_SPEC_BYTES } from '../../../src/spec/parse.js';

/**
 * Hostile and broken input: each must come back as an error diagnostic with the right code and a
 * position, never as an exception or a hang. (How fast is measured by scripts, not asserted.)
 */
const compile = (text: string): ValidationResult =>
  compileSpec([{ file: 'netform.yaml', text }], { defaultProject: 'p' });

function expectError(result: ValidationResult, code: string): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.errors.map((d) => d.code)).toContain(code);
  for (const d of result.errors) {
    expect(d.message.length).toBeGreaterThan(5);
    expect(d.message).not.toMatch(/\n\s+at /);
  }
}

const billionLaughs = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((name, i) => {
    const prev = 'abcdefghi'[i]!;
    return `${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`;
  }),
  'networks: *i',
].join('\n');

const cases: [string, string, string][] = [
  ['an alias bomb (billion laughs)', billionLaughs, 'NF006'],
  ['100,000 nested flow sequences', `networks: ${'['.repeat(100_000)}`, 'NF007'],
  ['100,000 nested flow mappings', `networks: ${'{a: '.repeat(100_000)}`, 'NF007'],
  [
    'deep block nesting',
    `networks:\n${Array.from({ length: 200 }, (_, i) => `${' '.repeat(i * 2 + 2)}k${i}:`).join('\n')}\n`,
    'NF007',
  ],
  ['deep block sequences', `${'- '.repeat(100_000)}x\n`, 'NF007'],
  ['a compact sequence on the line of its key', 'networks: - - x\n', 'NF004'],
  ['duplicate keys', 'networks:\n  a: {}\n  a: {}\n', 'NF005'],
  ['a top-level list', '- networks\n', 'NF010'],
  ['a top-level scalar', 'hello\n', 'NF010'],
  ['an unknown version', 'version: 7\nnetworks: {}\n', 'NF035'],
  ['a string version', 'version: "1.0"\n', 'NF035'],
  ['an empty file', '', 'NF009'],
  ['only a comment', '# nothing\n', 'NF009'],
  ['only a document marker', '---\n', 'NF009'],
  ['an explicit null', 'null\n', 'NF009'],
  ['several YAML documents', 'networks: {}\n---\nnetworks: {}\n', 'NF008'],
  ['NUL bytes', 'networks:\n  a\u0000b: {}\n', 'NF004'],
  ['an escape character', 'networks:\n  a: { labels: { x: "\u001b[31m" } }\n', 'NF004'],
  ['a tab-indented mapping', 'networks:\n\ta: {}\n', 'NF004'],
  ['an unterminated quote', 'networks:\n  a: "x\n', 'NF004'],
  ['2 MiB of compact sequence indicators', `${'- '.repeat(MAX_SPEC_BYTES / 2 - 8)}x\n`, 'NF007'],
  ['deep indentation', `a:\n${' '.repeat(5000)}b: 1\n`, 'NF007'],
  ['a text larger than the cap', `# ${'x'.repeat(MAX_SPEC_BYTES)}\n`, 'NF003'],
];

describe('hostile input to compileSpec', () => {
  for (const [name, text, code] of cases) {
    it(`${name} -> ${code}`, () => {
      const result = compile(text);
      expectError(result, code);
      if (!result.ok) expect(result.errors[0]!.position?.file).toBe('netform.yaml');
    });
  }

  it('the cap counts bytes: multi-byte characters over the cap are refused too', () => {
    expectError(compile(`# ${'é'.repeat(MAX_SPEC_BYTES / 2 + 1)}\n`), 'NF003');
  });

  it('keys that look like object internals are plain keys', () => {
    const result = compile(
      'networks:\n  constructor:\n    labels: { __proto__: x, toString: y }\n  hasOwnProperty: {}\n' +
        'containers:\n  valueOf:\n    networks: [constructor]\n',
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const networks = new Map(Object.entries(result.spec.networks));
    expect([...networks.keys()].sort()).toEqual(['constructor', 'hasOwnProperty']);
    expect(Object.entries(networks.get('constructor')!.labels)).toEqual([
      ['__proto__', 'x'],
      ['toString', 'y'],
    ]);
    const container = new Map(Object.entries(result.spec.containers)).get('valueOf');
    expect(Object.keys(container!.attachments)).toEqual(['constructor']);
    expectError(compile('networks:\n  __proto__: {}\n'), 'NF028');
  });

  it('thousands of problems are all reported', () => {
    const lines = ['networks:'];
    for (let i = 0; i < 3000; i++) lines.push(`  n${i}: { subnet: 10.0.0.0/33 }`);
    const result = compile(lines.join('\n'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.filter((d) => d.code === 'NF011')).toHaveLength(3000);
  });
});

describe('hostile files to loadSpec', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netform-hostile-'));

  it('a multi-megabyte file is refused before it is read', async () => {
    writeFileSync(join(dir, 'big.yaml'), Buffer.alloc(MAX_SPEC_BYTES + 1024 * 1024, 0x20));
    const result = await loadSpec(['big.yaml'], { cwd: dir });
    expectError(result, 'NF003');
  });

  it('non-UTF-8 bytes are reported where they stand', async () => {
    writeFileSync(join(dir, 'latin1.yaml'), Buffer.from('networks:\n  caf\xe9: {}\n', 'latin1'));
    const result = await loadSpec(['latin1.yaml'], { cwd: dir });
    expectError(result, 'NF002');
    if (!result.ok) expect(result.errors[0]!.position).toEqual({ file: 'latin1.yaml', line: 2, column: 6 });
  });

  it('random binary data', async () => {
    writeFileSync(
      join(dir, 'random.bin'),
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
    );
    const result = await loadSpec(['random.bin'], { cwd: dir });
    expect(result.ok).toBe(false);
  });

  it('a UTF-8 byte-order mark is accepted', async () => {
    writeFileSync(join(dir, 'bom.yaml'), '\uFEFFversion: 1\nnetworks:\n  a: {}\n');
    const result = await loadSpec(['bom.yaml'], { cwd: dir });
    expect(result.ok).toBe(true);
  });

  it('a missing file, a directory, and an unreadable file', async () => {
    mkdirSync(join(dir, 'adir'));
    writeFileSync(join(dir, 'secret.yaml'), 'networks: {}\n');
    chmodSync(join(dir, 'secret.yaml'), 0o000);
    for (const name of ['missing.yaml', 'adir', 'secret.yaml']) {
      const result = await loadSpec([name], { cwd: dir });
      // root can read mode-000 files; then the file is simply valid.
      if (name === 'secret.yaml' && result.ok) continue;
      expectError(result, 'NF001');
      if (!result.ok) expect(result.errors[0]!.message).toContain(name);
    }
  });

  it('without file arguments it reads netform.yaml and says how to create it', async () => {
    const result = await loadSpec([], { cwd: join(dir, 'adir') });
    expectError(result, 'NF001');
    if (!result.ok) expect(result.errors[0]!.hint).toContain('netform.yaml');
  });
});
