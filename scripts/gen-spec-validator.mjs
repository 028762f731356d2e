// Generates src/spec/schema-validator.generated.ts: the spec's JSON Schema compiled by ajv ahead
// of time (ajv's standalone mode), so `netform validate` does not spend ~100 ms compiling the
// schema on every run. `--stdout` prints instead of writing (the drift test compares that output
// with the committed file). The options must stay those of SPEC_AJV_OPTIONS in src/spec/schema.ts.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const schema = JSON.parse(await readFile(`${root}schemas/netform.schema.json`, 'utf8'));
const ajv = new Ajv({
  strict: true,
  allowUnionTypes: true,
  allErrors: true,
  verbose: true,
  code: { source: true, esm: true },
});
const code = standalone.default(ajv, ajv.compile(schema));
const text =
  '// @ts-nocheck\n' +
  '/* Generated from schemas/netform.schema.json by scripts/gen-spec-validator.mjs (npm run gen:types).\n' +
  ' * Do not edit: change the schema and regenerate. */\n' +
  `${code}\n`;

if (process.argv.includes('--stdout')) process.stdout.write(text);
else await writeFile(`${root}src/spec/schema-validator.generated.ts`, text);
