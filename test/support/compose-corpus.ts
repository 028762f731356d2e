import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Compose corpus: one project per folder under test/fixtures/compose/corpus/, written for
 * netform to reproduce the network patterns of public projects (each file's first comment names
 * the project whose pattern it follows; their content is not copied, see its README.md).
 */
export const CORPUS = fileURLToPath(new URL('../fixtures/compose/corpus/', import.meta.url));

export const corpusProjects: string[] = readdirSync(CORPUS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** The files of a corpus project, as `docker compose` picks them without -f. */
export const corpusFiles = (name: string): string[] =>
  ['compose.yaml', 'compose.override.yaml'].filter((file) => existsSync(join(CORPUS, name, file)));
