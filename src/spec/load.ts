import { resolve } from 'node:path';
import { loadCompose, mayBeCompose, type Environment } from '../compose/load.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { CODES } from './codes.js';
import { compileSpec, projectFromPath, toResult, type SpecSource, type ValidationResult } from './compile.js';
import { diagnosticAt } from './diagnose.js';
import { MAX_SPEC_BYTES } from './parse.js';
import { describeReadProblem, readBounded } from './read-input.js';

export const DEFAULT_SPEC_FILE = 'netform.yaml';

export interface LoadOptions {
  /** Relative file names are resolved against this; default: process.cwd(). */
  cwd?: string;
  /** The environment a Compose file's `${VAR}` are substituted from (docs/compose.md); default: none. */
  env?: Environment;
}

/**
 * Reads the spec files (default `netform.yaml`) and compiles them. A missing or unreadable file,
 * a file that is too large or not UTF-8, is an error diagnostic, not an exception. A FIFO, pipe
 * or device is read as a stream bounded like a file (src/spec/read-input.ts). Diagnostics
 * name files as the caller wrote them.
 */
export async function loadSpec(
  files: readonly string[] = [],
  options: LoadOptions = {},
): Promise<ValidationResult> {
  const cwd = options.cwd ?? process.cwd();
  const names = files.length > 0 ? files : [DEFAULT_SPEC_FILE];
  const diagnostics: Diagnostic[] = [];
  const sources: SpecSource[] = [];
  for (const name of names) {
    const result = await readSpecFile(name, resolve(cwd, name));
    if ('diagnostic' in result) diagnostics.push(result.diagnostic);
    else sources.push(result);
  }
  if (diagnostics.length > 0) return toResult(diagnostics, undefined, [...names]);
  if (mayBeCompose(sources[0]!.text)) {
    const compose = await loadCompose(sources, { cwd, env: options.env });
    if (compose) return compose;
  }
  const first = resolve(cwd, names[0]!);
  return compileSpec(sources, { defaultProject: projectFromPath(first), baseDir: cwd });
}

async function readSpecFile(name: string, path: string): Promise<SpecSource | { diagnostic: Diagnostic }> {
  const at = { file: name, line: 1, column: 1 };
  const unreadable = (message: string, hint?: string) => ({
    diagnostic: diagnosticAt(CODES.fileUnreadable, [], undefined, { message, hint }),
  });
  let bytes: Buffer;
  try {
    const read = await readBounded(path, { maxBytes: MAX_SPEC_BYTES });
    if (!read.ok) {
      const { message, hint } = describeReadProblem(name, read, MAX_SPEC_BYTES, 'spec file');
      if (read.problem === 'directory')
        return unreadable(message, `pass the file inside it, e.g. -f ${name}/netform.yaml`);
      if (read.problem === 'too-large')
        return { diagnostic: diagnosticAt(CODES.fileTooLarge, [], at, { message, hint }) };
      return unreadable(message, hint);
    }
    bytes = read.bytes;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return unreadable(
        `spec file ${name} not found`,
        name === DEFAULT_SPEC_FILE
          ? 'create netform.yaml in this directory, or name the spec with -f FILE'
          : 'check the name; a relative path is taken from the working directory',
      );
    }
    if (code === 'EACCES' || code === 'EPERM')
      return unreadable(`spec file ${name} cannot be read: permission denied`);
    return unreadable(`spec file ${name} cannot be read: ${(error as Error).message}`);
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) {
    return {
      diagnostic: diagnosticAt(CODES.notUtf8, [], firstInvalidUtf8(bytes, name), {
        message: 'the file is not valid UTF-8',
        hint: 'save it as UTF-8 (iconv -f latin1 -t utf-8, or your editor\'s "save with encoding")',
      }),
    };
  }
  return { file: name, text };
}

function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Where the first byte that is not UTF-8 stands: the lenient decoder puts U+FFFD there (a file
 * that also holds a real U+FFFD earlier gets that position instead, close enough to look at).
 */
function firstInvalidUtf8(bytes: Buffer, file: string): { file: string; line: number; column: number } {
  const text = new TextDecoder('utf-8').decode(bytes);
  const prefix = text.slice(0, Math.max(text.indexOf('\uFFFD'), 0));
  const lines = prefix.split('\n');
  return { file, line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}
