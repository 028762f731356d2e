import { readFileSync } from 'node:fs';

/** Set by scripts/bundle.mjs in the CLI's bundle, which has no package.json beside it to read. */
declare const NETFORM_BUNDLED_VERSION: string | undefined;

/** netform's own version: the bundle's, else read once from package.json (which ships beside dist/). */
export const NETFORM_VERSION: string =
  typeof NETFORM_BUNDLED_VERSION === 'string'
    ? NETFORM_BUNDLED_VERSION
    : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
        .version;
