import type { FieldChange } from '../model/plan.js';
import { canonicalJson } from './canonical-json.js';
import type { ComparableNetwork } from './normalize-observed.js';
import { poolInSpecForm, sortedRecord } from './spec-form.js';

const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

/**
 * The immutable fields in which two comparable networks differ, as spec paths (old -> new).
 * Both sides must come from normalize-observed.ts, so daemon defaults are already out. Maps and
 * pool lists are reported whole (the renderer shows them line by line); when both sides have the
 * same subnets, a pool's changed member is reported on its own (`ipam.config[0].gateway`).
 */
export function diffNetwork(before: ComparableNetwork, after: ComparableNetwork): FieldChange[] {
  const changes: FieldChange[] = [];
  const compare = (path: string, a: unknown, b: unknown): void => {
    if (!same(a, b)) changes.push({ path, before: a, after: b });
  };
  compare('driver', before.driver, after.driver);
  if (after.scope !== undefined || before.scope !== undefined) {
    compare('scope', before.scope ?? null, after.scope ?? null);
  }
  compare('attachable', before.attachable, after.attachable);
  compare('internal', before.internal, after.internal);
  compare('enable_ipv4', before.enableIPv4, after.enableIPv4);
  compare('enable_ipv6', before.enableIPv6, after.enableIPv6);
  compare('ingress', before.ingress, after.ingress);
  compare('ipam.driver', before.ipam.driver, after.ipam.driver);
  compare('ipam.options', sortedRecord(before.ipam.options), sortedRecord(after.ipam.options));
  changes.push(...diffPools(before, after));
  compare('labels', sortedRecord(before.labels), sortedRecord(after.labels));
  compare('driver_opts', sortedRecord(before.driverOpts), sortedRecord(after.driverOpts));
  if (before.configOnly || after.configOnly)
    compare('config_only', before.configOnly === true, after.configOnly === true);
  if (before.configFrom !== undefined || after.configFrom !== undefined) {
    compare('config_from', before.configFrom ?? null, after.configFrom ?? null);
  }
  return changes;
}

function diffPools(before: ComparableNetwork, after: ComparableNetwork): FieldChange[] {
  const a = before.ipam.config.map(poolInSpecForm);
  const b = after.ipam.config.map(poolInSpecForm);
  const subnetsOf = (pools: { subnet: string }[]): string => pools.map((p) => p.subnet).join(',');
  if (subnetsOf(a) !== subnetsOf(b)) return [{ path: 'ipam.config', before: a, after: b }];
  const changes: FieldChange[] = [];
  b.forEach((pool, index) => {
    const old = a[index] ?? { subnet: pool.subnet };
    for (const key of ['ip_range', 'gateway', 'aux_addresses'] as const) {
      const x = old[key] ?? null;
      const y = pool[key] ?? null;
      if (!same(x, y)) changes.push({ path: `ipam.config[${index}].${key}`, before: x, after: y });
    }
  });
  return changes;
}
