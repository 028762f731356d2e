/** Compose files read into the spec model: see docs/compose.md. */
export { compileCompose, isComposeDocument, type ComposeCompileOptions } from './compile.js';
export { loadCompose, mayBeCompose, type Environment } from './load.js';
export { composeEngineChecks } from './online.js';
