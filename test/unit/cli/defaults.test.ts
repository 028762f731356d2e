import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultLogLevel } from '../../../src/cli/logger.js';
import { runMain } from '../../support/run-main.js';

/*
 * Issue 15, "for people reading CI logs": one-shot commands log at warn wherever they run (a
 * non-terminal stderr used to get every info line as JSON), watch at info, --log-level over both;
 * and the unreachable-engine hint says what to do however netform was installed.
 */
const dir = mkdtempSync(join(tmpdir(), 'netform-cli-defaults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runMain(args, { env, cwd: dir });

describe('CLI defaults', () => {
  it('logs at warn for one-shot commands and at info for watch, whatever stderr is', () => {
    for (const command of ['validate', 'plan', 'apply', 'destroy', 'export', 'unlock', undefined]) {
      expect(defaultLogLevel(command)).toBe('warn');
    }
    expect(defaultLogLevel('watch')).toBe('info');
  });

  it('says how to start an engine without naming a script of the source tree', async () => {
    writeFileSync(join(dir, 'netform.yaml'), 'version: 1\nproject: p\nnetworks:\n  a: {}\n');
    const result = await run(['plan'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot reach the Docker engine at unix:\/\/\/nonexistent\/docker.sock/);
    expect(result.stderr).toContain('sudo systemctl start docker');
    expect(result.stderr).not.toMatch(/scripts\//);
    // No info lines on a non-terminal stderr: only the error.
    expect(result.stderr).not.toMatch(/"level":30/);
  });
});
