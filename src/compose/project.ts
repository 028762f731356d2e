import { basename } from 'node:path';
import { substitute, type Lookup } from './template.js';

/** compose-go's NormalizeProjectName: lower-case, keep [a-z0-9_-], no leading _ or -. */
export function normalizeProjectName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

export const isValidProjectName = (name: string): boolean =>
  name !== '' && normalizeProjectName(name) === name;

/** Where the project name came from, for messages. */
export type ProjectNameSource = 'COMPOSE_PROJECT_NAME' | 'name' | 'directory';

export type ProjectNameResult =
  | { ok: true; name: string; from: ProjectNameSource }
  | { ok: false; from: ProjectNameSource; value: string; message: string };

/**
 * The project name as `docker compose` derives it (compose-go's cli/options.go and
 * loader.projectName): COMPOSE_PROJECT_NAME from the environment (or .env) when set, which must
 * already be a valid name; else the top-level `name:` of the last file that sets one,
 * substituted and normalised; else the project directory's name, normalised.
 */
export function composeProjectName(input: {
  lookup: Lookup;
  /** The raw top-level `name:` of each file, in order (undefined when a file has none). */
  names: readonly unknown[];
  /** The project directory: the first file's directory. */
  directory: string;
}): ProjectNameResult {
  const fromEnv = input.lookup('COMPOSE_PROJECT_NAME');
  if (fromEnv !== undefined && fromEnv !== '') {
    return isValidProjectName(fromEnv)
      ? { ok: true, name: fromEnv, from: 'COMPOSE_PROJECT_NAME' }
      : {
          ok: false,
          from: 'COMPOSE_PROJECT_NAME',
          value: fromEnv,
          message: `invalid project name ${JSON.stringify(fromEnv)} in COMPOSE_PROJECT_NAME: Compose needs lower-case letters, digits, - and _, starting with a letter or digit`,
        };
  }
  const named = input.names.filter((name): name is string => typeof name === 'string' && name !== '');
  if (named.length > 0) {
    let value: string;
    try {
      value = substitute(named[named.length - 1]!, input.lookup);
    } catch (error) {
      return { ok: false, from: 'name', value: named[named.length - 1]!, message: (error as Error).message };
    }
    const name = normalizeProjectName(value);
    return name !== ''
      ? { ok: true, name, from: 'name' }
      : {
          ok: false,
          from: 'name',
          value,
          message: `the project name ${JSON.stringify(value)} has nothing left after Compose normalises it`,
        };
  }
  const directory = basename(input.directory);
  const name = normalizeProjectName(directory);
  return name !== ''
    ? { ok: true, name, from: 'directory' }
    : {
        ok: false,
        from: 'directory',
        value: directory,
        message: `no project name is set and Compose can make none from the directory name ${JSON.stringify(directory)}`,
      };
}
