/** The spec step of the pipeline: read, parse, merge, check and normalise a netform spec. */
export { compileSpec, type CompileOptions, type SpecSource, type ValidationResult } from './compile.js';
export { loadSpec, DEFAULT_SPEC_FILE, type LoadOptions } from './load.js';
export { normalizeSpec } from './normalize.js';
export { CODES, type CodeDefinition, type CodeName } from './codes.js';
