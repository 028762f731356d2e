/**
 * Summaries of V8 CPU profiles (`node --cpu-prof`): self time by module group and by function, and
 * inclusive time by function. Used by bench/profile-summary.ts (the command) and by the bench's
 * report ("where netform's time goes").
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** `node_modules/ajv/...` -> `ajv`; `.../dist/spec/x.js` -> `netform spec/`; `node:internal/...` -> `node internals`. */
export function moduleGroup(url: string): string {
  if (!url) return '(native, GC, idle)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const dist = /\/dist\/([^/]+)\//.exec(url);
  if (dist) return `netform ${dist[1]}/`;
  if (url.startsWith('node:')) return 'node internals';
  return url.replace(/^file:\/\//, '');
}

export function summarise(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const label = (n: ProfileNode): string =>
    `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  const groups = new Map<string, number>();
  const selfByFn = new Map<string, number>();
  const inclusiveByFn = new Map<string, number>();
  for (const [id, micros] of self) {
    const node = byId.get(id)!;
    const group =
      node.callFrame.functionName === '(garbage collector)'
        ? '(garbage collector)'
        : moduleGroup(node.callFrame.url);
    groups.set(group, (groups.get(group) ?? 0) + micros);
    selfByFn.set(label(node), (selfByFn.get(label(node)) ?? 0) + micros);
    // Inclusive: charge every distinct function on the stack once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = label(byId.get(at)!);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusiveByFn.set(name, (inclusiveByFn.get(name) ?? 0) + micros);
    }
  }
  const total = (profile.endTime - profile.startTime) / 1000;
  const ms = (micros: number): string => `${(micros / 1000).toFixed(0).padStart(6)} ms`;
  const table = (map: Map<string, number>): string[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => `${ms(micros)}  ${name}`);
  return [
    `profile span ${total.toFixed(0)} ms`,
    '',
    'self time by module group:',
    ...table(groups),
    '',
    'self time by function:',
    ...table(selfByFn),
    '',
    'inclusive time by function:',
    ...table(inclusiveByFn),
    '',
  ].join('\n');
}

/** Reads a `.cpuprofile` file and summarises it, `top` lines per table. */
export async function profileSummary(file: string, top: number): Promise<string> {
  return summarise(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, top);
}
