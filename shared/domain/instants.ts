// Points in time sent by clients (when an event occurred, a survey was answered, a complaint was
// received). Pure: the caller passes "now".
import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import type { FieldIssue } from './errors.js';

/** An ISO 8601 date-time with a UTC offset (`2024-05-01T10:00:00Z`, `…+08:00`). */
export const instantSchema = /* @__PURE__ */ lazy(() =>
  z.iso.datetime({
    offset: true,
    error: 'must be an ISO 8601 date-time with offset, e.g. 2024-05-01T10:00:00Z',
  }),
);

/**
 * The same instant in UTC with milliseconds (`2024-05-01T02:00:00.000Z`): fixed width, so sort
 * keys built from it order by time as plain text whatever offset the client used.
 */
export const toUtcIso = (iso: string): string => new Date(iso).toISOString();

/**
 * A client clock may run a little fast, but a date further in the future than `skewSeconds` is
 * a bug on the client's side (wrong time zone, milliseconds sent as seconds): refuse it.
 */
export function futureIssue(
  at: string,
  now: Date,
  skewSeconds: number,
  field: string,
): FieldIssue | undefined {
  const aheadMs = new Date(at).getTime() - now.getTime();
  return aheadMs > skewSeconds * 1000
    ? { field, message: `is in the future (more than ${skewSeconds} s ahead of the server clock)` }
    : undefined;
}

/** Whole seconds between two instants (later − earlier). */
export const secondsBetween = (earlier: string, later: string): number =>
  Math.round((new Date(later).getTime() - new Date(earlier).getTime()) / 1000);
