import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Diagnostic } from '../model/diagnostic.js';
import { CODES } from '../spec/codes.js';
import { toResult, type SpecSource, type ValidationResult } from '../spec/compile.js';
import { diagnosticAt } from '../spec/diagnose.js';
import { parseSpecText, type ParsedSpecFile } from '../spec/parse.js';
import { compileCompose, isComposeDocument } from './compile.js';
import { DotenvError, parseDotenv } from './dotenv.js';
import { InvalidTemplateError, RequiredVariableError, type Lookup } from './template.js';

/** The environment Compose substitutes from; the library reads no process.env by itself. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * A cheap test on the first file's text, so that a large netform spec is not parsed twice: a
 * top-level `services:` key at the start of a line. loadCompose decides exactly.
 */
export const mayBeCompose = (text: string): boolean => /^["']?services["']?[ \t]*:/m.test(text);

/** YAML tags Compose gives a meaning (docs/compose.md); the parser warns about unknown tags. */
const COMPOSE_TAG_WARNING = /\btag !(reset|override)\b/;

/**
 * Reads spec files that are Compose files (the first one decides: see isComposeDocument) as
 * `docker compose` does, with `.env` from the first file's directory (unless
 * COMPOSE_DISABLE_ENV_FILE is true) under the given environment. Returns undefined when the
 * first file is not a Compose file, so that the caller reads it as a netform spec.
 */
export async function loadCompose(
  sources: readonly SpecSource[],
  options: { cwd: string; env?: Environment },
): Promise<ValidationResult | undefined> {
  const names = sources.map((s) => s.file);
  const diagnostics: Diagnostic[] = [];
  const parsed: ParsedSpecFile[] = [];
  for (const source of sources) {
    const result = parseSpecText(source.file, source.text);
    diagnostics.push(
      ...result.diagnostics.filter(
        (d) => !(d.code === CODES.yamlWarning.code && COMPOSE_TAG_WARNING.test(d.message)),
      ),
    );
    if (result.ok) parsed.push(result.parsed);
  }
  if (parsed[0] && parsed[0].file === names[0] && !isComposeDocument(parsed[0].value)) return undefined;
  if (parsed.length !== sources.length) return toResult(diagnostics, undefined, names);

  const env = options.env ?? {};
  const directory = dirname(resolve(options.cwd, names[0]!));
  const dotenv = await readDotenv(directory, env, names[0]!);
  if ('diagnostic' in dotenv)
    return toResult([...diagnostics, dotenv.diagnostic], undefined, [
      ...names,
      dotenv.diagnostic.position?.file ?? '',
    ]);
  const lookup: Lookup = (name) => env[name] ?? dotenv.values.get(name);
  const result = compileCompose(parsed, { lookup, directory });
  return diagnostics.length === 0
    ? result
    : toResult(
        [...diagnostics, ...(result.ok ? result.warnings : [...result.errors, ...result.warnings])],
        result.ok ? result.spec : undefined,
        names,
      );
}

async function readDotenv(
  directory: string,
  env: Environment,
  firstFile: string,
): Promise<{ values: Map<string, string> } | { diagnostic: Diagnostic }> {
  const disabled = env.COMPOSE_DISABLE_ENV_FILE;
  if (disabled !== undefined && /^(1|t|true)$/i.test(disabled)) return { values: new Map() };
  const path = join(directory, '.env');
  // Named as the first file is named, so that diagnostics point at the right file.
  const shown = join(dirname(firstFile), '.env');
  let text: string;
  try {
    if (!(await stat(path)).isFile()) return { values: new Map() };
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { values: new Map() };
    return {
      diagnostic: diagnosticAt(
        CODES.composeDotenv,
        [],
        { file: shown, line: 1, column: 1 },
        {
          message: `${shown} cannot be read: ${(error as Error).message}`,
        },
      ),
    };
  }
  try {
    return { values: parseDotenv(text, (name) => env[name]) };
  } catch (error) {
    const known =
      error instanceof DotenvError ||
      error instanceof RequiredVariableError ||
      error instanceof InvalidTemplateError;
    if (!known) throw error;
    const line = error instanceof DotenvError ? error.line : 1;
    return {
      diagnostic: diagnosticAt(
        CODES.composeDotenv,
        [],
        { file: shown, line, column: 1 },
        {
          message: `${error.message}; Compose cannot read this .env file`,
          hint: 'write one KEY=VALUE per line; quote values with spaces or #',
        },
      ),
    };
  }
}
