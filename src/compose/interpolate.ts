import type { Diagnostic } from '../model/diagnostic.js';
import { CODES } from '../spec/codes.js';
import { diagnosticAt } from '../spec/diagnose.js';
import { setOwn } from '../spec/own.js';
import type { SourceNode } from '../spec/source-map.js';
import { InvalidTemplateError, RequiredVariableError, substitute, type Lookup } from './template.js';
import { isMapping, type Tree } from './tree.js';

/** Network booleans Compose casts from strings after substitution (compose-go's loader/interpolate.go). */
const NETWORK_BOOLEANS = new Set(['external', 'internal', 'attachable', 'enable_ipv4', 'enable_ipv6']);

/** Where a value lands in netform's reading of the file: unset variables are reported only there. */
export function isNetworkPath(path: readonly (string | number)[]): boolean {
  if (path[0] === 'name' || path[0] === 'networks') return true;
  return path[0] === 'services' && (path[2] === 'networks' || path[2] === 'network_mode');
}

/**
 * Substitutes variables in every string value of one Compose file (keys are never substituted),
 * as Compose does before merging files, and casts the network booleans Compose casts. Values keep
 * their positions. Errors are diagnostics at the value; Compose stops on each of them.
 */
export function interpolateFile(tree: Tree, lookup: Lookup): { tree: Tree; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const visit = (value: unknown, source: SourceNode, path: (string | number)[]): unknown => {
    if (typeof value === 'string') return interpolateString(value, source, path, lookup, diagnostics);
    if (Array.isArray(value)) {
      return value.map((item, index) =>
        visit(item, source.children?.get(String(index)) ?? source, [...path, index]),
      );
    }
    if (isMapping(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) {
        setOwn(out, key, visit(child, source.children?.get(key) ?? source, [...path, key]));
      }
      return out;
    }
    return value;
  };
  return { tree: { value: visit(tree.value, tree.source, []), source: tree.source }, diagnostics };
}

function interpolateString(
  value: string,
  source: SourceNode,
  path: (string | number)[],
  lookup: Lookup,
  diagnostics: Diagnostic[],
): unknown {
  const at = source.file.position(source.valueOffset);
  let result: string;
  try {
    result = substitute(value, lookup, (name) => {
      if (!isNetworkPath(path)) return;
      diagnostics.push(
        diagnosticAt(CODES.composeUnsetVariable, path, at, {
          severity: 'warning',
          message: `the variable ${name} is not set; Compose substitutes an empty string`,
          hint: `set ${name} in the environment or in .env beside the Compose file, or give a default: \${${name}:-value}`,
        }),
      );
    });
  } catch (error) {
    if (error instanceof RequiredVariableError) {
      diagnostics.push(
        diagnosticAt(CODES.composeInterpolation, path, at, {
          message: error.message,
          hint: `set ${error.variable} in the environment or in .env beside the Compose file`,
        }),
      );
    } else if (error instanceof InvalidTemplateError) {
      diagnostics.push(
        diagnosticAt(CODES.composeInterpolation, path, at, {
          message: `invalid interpolation format in ${JSON.stringify(value)}`,
          hint: 'write ${NAME} or ${NAME:-default}; a literal $ is written $$',
        }),
      );
    } else {
      throw error;
    }
    return value;
  }
  const key = path[path.length - 1];
  if (path.length === 3 && path[0] === 'networks' && typeof key === 'string' && NETWORK_BOOLEANS.has(key)) {
    const cast = toBoolean(result);
    if (cast !== undefined) return cast;
  }
  return result;
}

/** YAML 1.1 words Compose still reads as booleans in these fields (with a warning of its own). */
function toBoolean(value: string): boolean | undefined {
  switch (value.toLowerCase()) {
    case 'true':
    case 'y':
    case 'yes':
    case 'on':
      return true;
    case 'false':
    case 'n':
    case 'no':
    case 'off':
      return false;
    default:
      return undefined;
  }
}
