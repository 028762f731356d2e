import { dirname, isAbsolute, join, resolve } from 'node:path';
import { canonicalAddress, canonicalCidr } from '../core/cidr.js';
import type { DesiredEngine, DesiredNetworkOnEngine } from '../model/desired.js';
import type { EngineSpec, NetformSpec, NetworkEngines, NetworkSpec } from '../model/spec.generated.js';
import { setOwn } from './own.js';
import { keyPosition, nodeAt, type SourceNode, type SpecPath } from './source-map.js';

/** How normalize.ts turns a string map or labels into canonical strings (passed in: it keeps raw scalars). */
export interface MapNormalizers {
  strings(map: Record<string, string | number | boolean> | undefined, path: SpecPath): Record<string, string>;
  labels(labels: NetworkSpec['labels'], path: SpecPath): Record<string, string>;
}

/**
 * The spec's `engines:` (docs/spec.md#engines). TLS file names are relative to the spec file
 * that names them; with `baseDir` (the directory relative file names were given from) they
 * become absolute.
 */
export function normalizeEngines(
  spec: NetformSpec,
  source: SourceNode | undefined,
  baseDir: string | undefined,
): Record<string, DesiredEngine> | undefined {
  if (!spec.engines) return undefined;
  const engines: Record<string, DesiredEngine> = {};
  for (const [name, declared] of Object.entries(spec.engines)) {
    const entry: EngineSpec = declared ?? {};
    const engine: DesiredEngine = { name };
    if (entry.host !== undefined) engine.host = entry.host.trim();
    if (entry.context !== undefined) engine.context = entry.context.trim();
    if (entry.tls) {
      const tls: NonNullable<DesiredEngine['tls']> = {};
      for (const key of ['ca', 'cert', 'key'] as const) {
        const file = entry.tls[key];
        if (file === undefined) continue;
        tls[key] = tlsFilePath(file, source, ['engines', name, 'tls', key], baseDir);
      }
      engine.tls = tls;
    }
    if (source) engine.source = keyPosition(source, ['engines', name]);
    setOwn(engines, name, engine);
  }
  return engines;
}

function tlsFilePath(
  file: string,
  source: SourceNode | undefined,
  path: SpecPath,
  baseDir: string | undefined,
): string {
  if (isAbsolute(file)) return file;
  const specFile = source ? nodeAt(source, path).node.file.name : undefined;
  const relative = specFile ? join(dirname(specFile), file) : file;
  return baseDir ? resolve(baseDir, relative) : relative;
}

/** A network's `engines:` (list or map) as per-engine settings; undefined when absent. */
export function normalizeNetworkEngines(
  engines: NetworkEngines | undefined,
  path: SpecPath,
  maps: MapNormalizers,
): Record<string, DesiredNetworkOnEngine> | undefined {
  if (engines === undefined) return undefined;
  const out: Record<string, DesiredNetworkOnEngine> = {};
  if (Array.isArray(engines)) {
    for (const name of engines) setOwn(out, name, { ipRanges: [], gateways: [], driverOpts: {}, labels: {} });
    return out;
  }
  for (const [name, declared] of Object.entries(engines)) {
    const entry = declared ?? {};
    const where = [...path, name];
    const on: DesiredNetworkOnEngine = {
      ipRanges: listOf(entry.ip_range).map(canonicalCidr),
      gateways: listOf(entry.gateway).map(canonicalAddress),
      driverOpts: maps.strings(entry.driver_opts, [...where, 'driver_opts']),
      labels: maps.labels(entry.labels, [...where, 'labels']),
    };
    if (entry.parent !== undefined) on.parent = entry.parent;
    if (entry.aux_addresses !== undefined) {
      const aux: Record<string, string> = {};
      for (const [key, value] of Object.entries(entry.aux_addresses))
        setOwn(aux, key, canonicalAddress(value));
      on.auxAddresses = aux;
    }
    setOwn(out, name, on);
  }
  return out;
}

/** A container's engines, sorted, `all` (or nothing, with one engine) expanded; undefined without engines:. */
export function normalizeContainerEngines(
  engines: string[] | 'all' | undefined,
  specEngines: readonly string[] | undefined,
): string[] | undefined {
  if (!specEngines) return undefined;
  if (engines === undefined || engines === 'all') return [...specEngines].sort();
  return [...new Set(engines)].sort();
}

/** A per-engine `ip_range` or `gateway`: one string, or a list (one per subnet). */
export function listOf(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
