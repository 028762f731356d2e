import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A stack frame's location in a built file: `file:///…/x.js:LINE:COLUMN` or `/…/x.js:LINE:COLUMN`. */
const LOCATION = /(file:\/\/\/[^\s()]+?\.js|\/[^\s():]+?\.js):(\d+):(\d+)/g;

/**
 * `stack` with every location in a built file that has a source map beside it (`x.js.map`: the
 * bundle dist/netform.js, or tsc's dist/ files) replaced by the src/ file, line and column it was
 * built from. Done here, when an internal error is printed, instead of by `node
 * --enable-source-maps`, which would read and parse the bundle's map at every start.
 */
export function sourceMappedStack(stack: string): string {
  const maps = new Map<string, { map: SourceMap; dir: string } | undefined>();
  return stack.replace(LOCATION, (whole, built: string, line: string, column: string) => {
    const file = built.startsWith('file:') ? fileURLToPath(built) : built;
    if (!maps.has(file)) maps.set(file, readMap(file));
    const found = maps.get(file);
    if (!found) return whole;
    const entry = found.map.findEntry(Number(line) - 1, Number(column) - 1) as Partial<{
      originalSource: string;
      originalLine: number;
      originalColumn: number;
    }>;
    if (entry.originalSource === undefined || entry.originalLine === undefined) return whole;
    const source = entry.originalSource.startsWith('file:')
      ? fileURLToPath(entry.originalSource)
      : resolve(found.dir, entry.originalSource);
    return `${source}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
  });
}

function readMap(file: string): { map: SourceMap; dir: string } | undefined {
  try {
    const payload = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload;
    return { map: new SourceMap(payload), dir: resolve(dirname(file), payload.sourceRoot ?? '') };
  } catch {
    return undefined;
  }
}
