import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchSpecFiles, type SpecFileWatcher } from '../../../src/watch/spec-files.js';

let dir: string;
let watcher: SpecFileWatcher | undefined;
let calls: number;
let seen: string[];
let waiters: { content: string; resolve: () => void }[];

/** What netform.yaml holds when onChange is called ('missing' when it is gone). */
const specContent = () => {
  const spec = join(dir, 'netform.yaml');
  return existsSync(spec) ? readFileSync(spec, 'utf8') : 'missing';
};
/** Resolves once onChange is called and sees `content` (the test fails by its own timeout if never). */
const changeTo = (content: string) => new Promise<void>((resolve) => waiters.push({ content, resolve }));
const onChange = () => {
  calls += 1;
  const content = specContent();
  seen.push(content);
  waiters = waiters.filter((w) => (w.content === content ? (w.resolve(), false) : true));
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netform-watch-'));
  await writeFile(join(dir, 'netform.yaml'), 'version: 1\n');
  await writeFile(join(dir, 'extra.yaml'), 'version: 1\n');
  calls = 0;
  seen = [];
  waiters = [];
});
afterEach(async () => {
  await watcher?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('watching the spec files', () => {
  it('sees an edit in place, a replace by rename (as editors and git do), a delete and a re-create', async () => {
    watcher = await watchSpecFiles([], dir, onChange, 50);
    const spec = join(dir, 'netform.yaml');

    let change = changeTo('version: 1\nproject: a\n');
    await writeFile(spec, 'version: 1\nproject: a\n');
    await change;

    change = changeTo('version: 1\nproject: b\n');
    await writeFile(join(dir, '.netform.yaml.swp'), 'version: 1\nproject: b\n');
    await rename(join(dir, '.netform.yaml.swp'), spec);
    await change;

    change = changeTo('missing');
    await unlink(spec);
    await change;

    change = changeTo('version: 1\nproject: c\n');
    await writeFile(spec, 'version: 1\nproject: c\n');
    await change;
    expect(seen).toEqual([
      'version: 1\nproject: a\n',
      'version: 1\nproject: b\n',
      'missing',
      'version: 1\nproject: c\n',
    ]);
  });

  it('makes one call for several files changed together, and none for other files', async () => {
    watcher = await watchSpecFiles(['netform.yaml', 'extra.yaml'], dir, onChange, 300);
    const change = changeTo('version: 1\nproject: a\n');
    await writeFile(join(dir, 'unrelated.yaml'), 'x: 1\n');
    await writeFile(join(dir, 'netform.yaml'), 'version: 1\nproject: a\n');
    await writeFile(join(dir, 'extra.yaml'), 'version: 1\nproject: a\n');
    await change;
    // Another change would have come within the quiet time plus the write-finish check.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(calls).toBe(1);
  });
});
