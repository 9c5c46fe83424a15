// A request's fingerprint: tells a replay of an idempotent request (same id, same content) from a
// client reusing an id for something else.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so the same content always gives the same text. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const fingerprint = (value: unknown): string =>
  createHash('sha256').update(stableJson(value)).digest('base64url');
