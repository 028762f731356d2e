import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, liveRuns, recordOf, registerRun, runOfName } from '../../support/leftovers.js';

/*
 * Which test runs the global setup's sweep takes for dead (test/support/leftovers.ts): the engine
 * side is test/engine/leftovers.test.ts and swarm-leftovers.test.ts. A real child process stands
 * for another run; the records are in a directory of the test's own.
 */

const dirs: string[] = [];
function runsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'netform-runs-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('test runs, alive or dead', () => {
  it("reads the run id from a test resource's name, and from nothing else", () => {
    expect(runOfName('nft-r3fcc83-swt-old')).toBe('r3fcc83');
    expect(runOfName('nft-r3fcc83-b7-p')).toBe('r3fcc83');
    expect(runOfName('netform-lock-nft-r3fcc83-b7-p')).toBeUndefined();
    expect(runOfName('nft-rzzzzzz-x')).toBeUndefined();
    expect(runOfName('nft-r3fcc8-x')).toBeUndefined();
    expect(runOfName('web')).toBeUndefined();
    expect(runOfName(undefined)).toBeUndefined();
  });

  it('a registered run is alive while its process runs, and dead (its record removed) once it has ended', async () => {
    const dir = runsDir();
    const child = spawn('sleep', ['30']);
    const pid = child.pid ?? 0;
    registerRun('r000001', recordOf(pid), dir);
    registerRun('r000002', recordOf(), dir);
    expect([...liveRuns(dir)].sort()).toEqual(['r000001', 'r000002']);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill();
    await exited;
    expect([...liveRuns(dir)]).toEqual(['r000002']);
    expect(existsSync(join(dir, 'r000001'))).toBe(false);
  });

  it('takes for dead a record of another boot, of a reused process ID, or that cannot be read', () => {
    const dir = runsDir();
    const me = recordOf();
    expect(isAlive(me)).toBe(true);
    expect(isAlive({ ...me, boot: 'another-boot' })).toBe(false);
    expect(isAlive({ ...me, start: '1' })).toBe(false);
    registerRun('r00000a', { ...me, boot: 'another-boot' }, dir);
    writeFileSync(join(dir, 'r00000b'), '{"pid":');
    const unregister = registerRun('r00000c', me, dir);
    expect([...liveRuns(dir)]).toEqual(['r00000c']);
    unregister();
    expect(liveRuns(dir).size).toBe(0);
  });
});
