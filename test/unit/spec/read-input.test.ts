import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSpec } from '../../../src/spec/index.js';
import { MAX_SPEC_BYTES } from '../../../src/spec/parse.js';
import { readBounded } from '../../../src/spec/read-input.js';
import { runMain } from '../../support/run-main.js';

/*
 * Issue 15, finding 8: every input is bounded however it arrives. Before, `-f /dev/zero` grew
 * without bound and `-f FIFO` waited for a writer for ever; the 2 MiB cap held for regular files
 * only. Each case must end with a diagnostic (or the data), never a hang.
 */
const dir = mkdtempSync(join(tmpdir(), 'netform-read-input-'));
const writers: ChildProcess[] = [];

afterAll(() => {
  for (const writer of writers) writer.kill();
  rmSync(dir, { recursive: true, force: true });
});

function fifo(name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return path;
}

/** A writer process that opens `path`, writes `text` (or nothing) and keeps it open `holdS` s. */
function writer(path: string, text: string, holdS = 0): ChildProcess {
  const child = spawn('sh', ['-c', `exec 3>"$1"; printf '%s' "$2" >&3; sleep ${holdS}`, 'sh', path, text], {
    stdio: 'ignore',
  });
  writers.push(child);
  return child;
}

const SPEC = 'version: 1\nproject: p\nnetworks:\n  a: {}\n';

describe('bounded input', () => {
  it('refuses /dev/zero after the cap instead of reading for ever', async () => {
    const result = await loadSpec(['/dev/zero']);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((d) => [d.code, d.message])).toEqual([
      [
        'NF003',
        `more than ${MAX_SPEC_BYTES / 1024 / 1024} MiB arrived from /dev/zero (a character device); netform reads spec files up to 2 MiB`,
      ],
    ]);
  });

  it('reads a FIFO with no writer as empty at once (no wait for a writer)', async () => {
    const path = fifo('nobody');
    const result = await loadSpec([path]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((d) => d.code)).toEqual(['NF009']);
  });

  it('reads a spec a writer sends through a FIFO', async () => {
    const path = fifo('spec');
    writer(path, SPEC);
    // Give the writer time to open its end: otherwise the FIFO reads as empty, which is also fine.
    let result = await loadSpec([path]);
    for (let i = 0; i < 50 && !result.ok; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      writer(path, SPEC);
      result = await loadSpec([path]);
    }
    expect(result.ok).toBe(true);
    if (result.ok) expect(Object.keys(result.spec.networks)).toEqual(['a']);
  });

  it('gives up on a FIFO whose writer sends nothing', async () => {
    const path = fifo('silent');
    writer(path, '', 30);
    let read = await readBounded(path, { maxBytes: 100, idleTimeoutMs: 300 });
    for (let i = 0; i < 50 && read.ok; i += 1) {
      // The writer had not opened its end yet (an empty read): try again once it has.
      await new Promise((r) => setTimeout(r, 100));
      read = await readBounded(path, { maxBytes: 100, idleTimeoutMs: 300 });
    }
    expect(read).toMatchObject({ ok: false, problem: 'stalled', kind: 'FIFO' });
  });

  it('refuses a regular file over the cap', async () => {
    const path = join(dir, 'big.yaml');
    writeFileSync(path, 'x'.repeat(200));
    expect(await readBounded(path, { maxBytes: 100 })).toMatchObject({ ok: false, problem: 'too-large' });
    expect(await readBounded(path, { maxBytes: 200 })).toMatchObject({ ok: true });
  });

  it('bounds a plan file given to apply (a device) before it needs an engine', async () => {
    const options = { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, cwd: dir };
    const device = await runMain(['apply', '/dev/zero', '--auto-approve'], options);
    expect(device.code).toBe(1);
    expect(device.stderr).toContain(
      'error: cannot read the plan file /dev/zero: more than 64 MiB arrived from /dev/zero (a character device); netform reads plan files up to 64 MiB',
    );
    const empty = await runMain(['apply', fifo('plan'), '--auto-approve'], options);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/is not valid JSON|truncated/);
  });
});
