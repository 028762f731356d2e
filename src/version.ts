import { readFileSync } from 'node:fs';

/** netform's own version, read once from package.json (which ships beside dist/). */
export const NETFORM_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
