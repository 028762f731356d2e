import type { FieldChange } from '../model/plan.js';

/** One value as a short, single-line text: strings bare, maps as `{k=v, ...}`, lists in brackets. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '(none)';
  if (typeof value === 'string') return value === '' ? '""' : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${k}=${formatValue(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

/** `path: old → new`, for diagnostics and reasons. */
export function describeChange(change: FieldChange): string {
  return `${change.path}: ${formatValue(change.before)} → ${formatValue(change.after)}`;
}
