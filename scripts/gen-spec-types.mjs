// Generates src/model/spec.generated.ts from schemas/netform.schema.json, so the spec's
// TypeScript types and its JSON Schema cannot drift apart. `--stdout` prints instead of writing
// (the drift test compares that output with the committed file).
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';
import prettier from 'prettier';

const root = fileURLToPath(new URL('..', import.meta.url));
const schemaFile = `${root}schemas/netform.schema.json`;
const outFile = `${root}src/model/spec.generated.ts`;

const schema = JSON.parse(await readFile(schemaFile, 'utf8'));
const style = (await prettier.resolveConfig(outFile)) ?? {};
const text = await compile(schema, 'NetformSpec', {
  bannerComment:
    '/* Generated from schemas/netform.schema.json by scripts/gen-spec-types.mjs (npm run gen:types).\n' +
    ' * Do not edit: change the schema and regenerate. The raw spec as written, before normalisation. */',
  additionalProperties: false,
  unreachableDefinitions: false,
  cwd: `${root}schemas`,
  style: { ...style, parser: 'typescript' },
});

if (process.argv.includes('--stdout')) process.stdout.write(text);
else await writeFile(outFile, text);
