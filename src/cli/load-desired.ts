import type { DesiredState } from '../model/desired.js';
import { NetformError } from '../model/errors.js';
import { formatDiagnostic } from '../render/diagnostics.js';
import { loadSpec } from '../spec/index.js';
import type { CliContext } from './context.js';

/** Loads and validates the spec; prints its problems and throws when it has errors. */
export async function loadDesired(ctx: CliContext, files: string[] = []): Promise<DesiredState> {
  const result = await loadSpec(files, { cwd: ctx.io.cwd });
  for (const warning of result.warnings) ctx.io.stderr(`${formatDiagnostic(warning, ctx.globals().color)}\n`);
  if (!result.ok) {
    for (const error of result.errors) ctx.io.stderr(`${formatDiagnostic(error, ctx.globals().color)}\n`);
    const n = result.errors.length;
    throw new NetformError(
      `the spec has ${n} error${n === 1 ? '' : 's'} (listed above); nothing was changed`,
      {
        hint: 'run `netform validate` for details',
      },
    );
  }
  if (result.spec.compose) {
    throw new NetformError(
      `${files.join(', ')} is a Compose file: netform validates Compose files but never plans, applies or destroys their networks`,
      {
        hint: 'run `netform validate -f FILE` before `docker compose up`, which creates them (docs/compose.md)',
      },
    );
  }
  return result.spec;
}

/**
 * A command that works on one engine only (`unlock`) refuses a spec with engines:, whose parts
 * live on several engines (docs/spec.md#engines), unless told which engine.
 */
export function requireOneEngine(spec: DesiredState, command: string): void {
  if (!spec.engines) return;
  throw new NetformError(
    `this spec names engines (${Object.keys(spec.engines).join(', ')}); \`netform ${command}\` works on one engine`,
    {
      hint: `name the engine: \`netform --host ADDRESS ${command}\` (or --context NAME)`,
    },
  );
}
