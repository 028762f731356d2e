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
  requireOneEngine(result.spec);
  return result.spec;
}

/**
 * Until plan, apply and destroy work across engines, a spec with engines: is refused by them:
 * the single-engine pipeline would apply the whole spec to one engine (docs/spec.md#engines).
 */
export function requireOneEngine(spec: DesiredState): void {
  if (!spec.engines) return;
  throw new NetformError(
    `this spec names engines (${Object.keys(spec.engines).join(', ')}); planning and applying across several engines is not available in this version`,
    {
      hint: '`netform validate` checks it against every engine; for one engine, use a spec without engines:',
    },
  );
}
