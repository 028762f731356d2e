import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceMap } from 'node:module';
import { Command, Help } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/cli/commands/index.js';
import type { CliContext } from '../../../src/cli/context.js';
import { sourceMappedStack } from '../../../src/cli/stack.js';
import { runMain } from '../../support/run-main.js';

/*
 * Start-up (docs/architecture.md, "Start-up"): `--help` lists every command from the small table
 * in src/cli/commands/index.ts, and only the command that runs is loaded. The table must say what
 * the loaded commands say.
 */
const run = (args: string[]) => runMain(args);

describe('the command table', () => {
  it("gives each command's help line as commander writes it for the loaded command", async () => {
    const help = new Help();
    for (const entry of COMMANDS) {
      const command = new Command(entry.name).description(entry.summary);
      (await entry.load())(command, {} as CliContext);
      expect(help.subcommandTerm(command), entry.name).toBe(entry.term);
    }
  });

  it('--help lists every command with its summary; help COMMAND and COMMAND --help show its options', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    const listed = top.stdout.replace(/\s+/g, ' ');
    for (const entry of COMMANDS) expect(listed).toContain(`${entry.term} ${entry.summary}`);

    const viaHelp = await run(['--log-level', 'warn', 'help', 'apply']);
    const viaFlag = await run(['apply', '--help']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toContain('Usage: netform apply [options] [planfile]');
    expect(viaHelp.stdout).toContain('--auto-approve');
    expect(viaFlag.stdout).toBe(viaHelp.stdout);
  });

  it('an unknown command is refused with the nearest name', async () => {
    const result = await run(['valdate']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("unknown command 'valdate'");
    expect(result.stderr).toContain('Did you mean validate?');
  });
});

describe('sourceMappedStack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netform-stack-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the source file, line and column of a built file that has a map beside it', () => {
    // Generated line 1, column 0 comes from ../src/cli/main.ts line 10, column 4 (VLQ "AASI").
    const map = {
      version: 3,
      file: 'built.js',
      sources: ['../src/cli/main.ts'],
      sourcesContent: [],
      sourceRoot: '',
      names: [],
      mappings: 'AASI',
    };
    expect(new SourceMap(map).findEntry(0, 0)).toMatchObject({ originalLine: 9, originalColumn: 4 });
    writeFileSync(join(dir, 'built.js'), '');
    writeFileSync(join(dir, 'built.js.map'), JSON.stringify(map));
    const stack = `Error: boom\n    at f (file://${dir}/built.js:1:1)\n    at g (/elsewhere/other.js:3:4)`;
    expect(sourceMappedStack(stack)).toBe(
      `Error: boom\n    at f (${join(dir, '..', 'src', 'cli', 'main.ts')}:10:5)\n    at g (/elsewhere/other.js:3:4)`,
    );
  });
});
