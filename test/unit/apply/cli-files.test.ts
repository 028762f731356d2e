import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { desiredForEngine } from '../../../src/core/engine-projection.js';
import { buildFleetPlanFile, serializePlanFile } from '../../../src/core/plan-file.js';
import { planChanges } from '../../../src/core/plan.js';
import type { ObservedState } from '../../../src/model/observed.js';
import { compileSpec } from '../../../src/spec/index.js';
import { runMain, type MainResult } from '../../support/run-main.js';

/**
 * The files `plan --out` and `apply PLANFILE` are given (docs/plan.md, "Plan files"). Every case
 * here is refused before the engine is asked anything, so the CLI runs in-process with an engine
 * address that cannot answer: reaching the engine would fail the test with another message.
 */
const dir = mkdtempSync(join(tmpdir(), 'netform-cli-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SPEC = 'version: 1\nproject: shop\nnetworks:\n  app: { subnet: 10.213.200.0/24 }\n';
const spec = join(dir, 'netform.yaml');
writeFileSync(spec, SPEC);

function cli(args: string[]): Promise<MainResult> {
  return runMain(['--log-level', 'silent', ...args], {
    env: { DOCKER_HOST: `unix://${join(dir, 'no-engine.sock')}` },
    cwd: dir,
  });
}

describe('plan --out', () => {
  const target = join(dir, 'target.txt');
  writeFileSync(target, 'precious\n');

  it.each([
    ['a symbolic link', () => symlinkSync(target, join(dir, 'link.plan')), 'link.plan', 'a symbolic link'],
    ['a FIFO', () => execFileSync('mkfifo', [join(dir, 'fifo.plan')]), 'fifo.plan', 'a FIFO (named pipe)'],
    ['a directory', () => execFileSync('mkdir', [join(dir, 'dir.plan')]), 'dir.plan', 'a directory'],
    ['a device (/dev/full)', () => undefined, '/dev/full', 'a device'],
  ])('refuses %s and leaves it as it was', async (_, make, out, kind) => {
    make();
    const path = out.startsWith('/') ? out : join(dir, out);
    const before = lstatSync(path);
    const result = await cli(['plan', '-f', spec, '--out', out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `refusing to write the plan to ${out}: it is ${kind}, not a regular file`,
    );
    expect(result.stdout).toBe('');
    const after = lstatSync(path);
    expect([after.ino, after.mode, after.rdev]).toEqual([before.ino, before.mode, before.rdev]);
    if (before.isSymbolicLink()) expect(readlinkSync(path)).toBe(target);
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
  });

  it.each([
    ['the spec file itself', 'netform.yaml', ['-f', 'netform.yaml']],
    ['the default spec file', 'netform.yaml', []],
    ['a second spec file', 'override.yaml', ['-f', 'netform.yaml', '-f', 'override.yaml']],
  ])('refuses %s', async (_, out, files) => {
    writeFileSync(join(dir, 'override.yaml'), 'networks:\n  app: { labels: { a: b } }\n');
    const before = statSync(join(dir, out));
    const result = await cli(['plan', ...files, '--out', out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `refusing to write the plan to ${out}: it is a spec file the plan was made from`,
    );
    expect(statSync(join(dir, out)).mtimeMs).toBe(before.mtimeMs);
    expect(readFileSync(spec, 'utf8')).toBe(SPEC);
  });
});

describe('apply PLANFILE', () => {
  it('recognises a spec given as the plan file and asks "did you mean -f"', async () => {
    const result = await cli(['apply', 'netform.yaml']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: netform.yaml is a spec, not a saved plan');
    expect(result.stderr).toContain('did you mean `netform apply -f netform.yaml`?');
    expect(result.stderr).not.toContain('plan --out netform.yaml');
  });

  it('never suggests writing a plan over a file that is not one', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'just some notes\n');
    const result = await cli(['apply', 'notes.txt']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('notes.txt is not a netform plan');
    expect(result.stderr).not.toContain('--out notes.txt');
  });
});

describe('apply PLANFILE across engines', () => {
  // A plan file across two engines whose addresses cannot answer (nothing listens there).
  const compiled = compileSpec([
    {
      file: 'netform.yaml',
      text: `version: 1\nproject: shop\nengines:\n  a: { host: "unix://${join(dir, 'a.sock')}" }\n  b: { host: "unix://${join(dir, 'b.sock')}" }\nnetworks:\n  app: { subnet: 10.213.200.0/24 }\n`,
    },
  ]);
  if (!compiled.ok) throw new Error(compiled.errors.map((d) => d.message).join('\n'));
  const fleet = compiled.spec;
  const observed: ObservedState = {
    engine: {
      version: '28.5.2',
      apiVersion: '1.51',
      engineApiVersion: '1.51',
      os: 'linux',
      arch: 'amd64',
      swarmState: 'inactive',
      swarmControl: false,
    },
    networks: [],
    containers: [],
  };
  const parts = new Map(
    ['a', 'b'].map((name) => [
      name,
      { desired: desiredForEngine(fleet, name), observed, host: `unix://${join(dir, `${name}.sock`)}` },
    ]),
  );
  const engines = [...parts].map(([engine, part]) => ({
    engine,
    host: part.host,
    plan: planChanges(part.desired, observed, {}),
  }));
  const file = buildFleetPlanFile({
    plan: { project: 'shop', engines, summary: engines[0]!.plan.summary },
    desired: fleet,
    options: {},
    engines: parts,
    netformVersion: '0.1.0',
    createdAt: '2026-11-30T00:00:00.000Z',
  });
  writeFileSync(join(dir, 'fleet.plan'), serializePlanFile(file));

  it('refuses --engine with it: the file records its engines', async () => {
    const result = await cli(['apply', 'fleet.plan', '--engine', 'a', '--auto-approve']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: --engine does not go with PLANFILE: a saved plan records its engines',
    );
    expect(result.stderr).toContain('netform plan --engine NAME --out FILE');
  });

  it('connects to the engines the file names, as its spec reaches them, and names those it cannot reach', async () => {
    const result = await cli(['apply', 'fleet.plan', '--auto-approve']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: cannot reach 2 of 2 engines');
    expect(result.stdout).toBe('');
  });
});
