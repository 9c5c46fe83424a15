// The named RFM segments as data: a 5 × 5 grid of the recency score (R) against the combined
// frequency/monetary score (FM), each segment a set of rectangles on the grid. A business can
// pass its own map; a map is usable only when it covers every R × FM cell exactly once, so that
// every customer lands in exactly one segment.
import { type FieldIssue, ValidationError } from '../errors.js';
import type { Score } from './quintiles.js';

/** The 11 segments of the default map, in order from best to worst. */
export const RFM_SEGMENTS = [
  'champions',
  'loyal',
  'potential_loyalist',
  'new_customers',
  'promising',
  'need_attention',
  'about_to_sleep',
  'at_risk',
  'cannot_lose_them',
  'hibernating',
  'lost',
] as const;

export type RfmSegmentId = (typeof RFM_SEGMENTS)[number];

/** Display names of the default segments. */
export const RFM_SEGMENT_LABELS: Readonly<Record<RfmSegmentId, string>> = {
  champions: 'Champions',
  loyal: 'Loyal',
  potential_loyalist: 'Potential Loyalist',
  new_customers: 'New Customers',
  promising: 'Promising',
  need_attention: 'Need Attention',
  about_to_sleep: 'About to Sleep',
  at_risk: 'At Risk',
  cannot_lose_them: 'Cannot Lose Them',
  hibernating: 'Hibernating',
  lost: 'Lost',
};

/** An inclusive range of 1–5 scores. */
export interface ScoreRange {
  readonly min: number;
  readonly max: number;
}

/** One rectangle of the grid: customers whose R and FM scores fall in both ranges. */
export interface RfmSegmentRule<S extends string = string> {
  readonly segment: S;
  readonly recency: ScoreRange;
  readonly fm: ScoreRange;
}

/** A segment map: rules that together cover every R × FM cell exactly once. */
export type RfmMap<S extends string = string> = readonly RfmSegmentRule<S>[];

/**
 * The default map: the R-vs-FM grid popularised by the RFM segment charts (Putler and others),
 * with its bottom-left "Hibernating" block split by recency so that the oldest customers form
 * the 11th segment, "Lost".
 *
 * ```
 * FM 5 │ cannot_lose  cannot_lose  loyal           loyal               champions
 * FM 4 │ at_risk      at_risk      loyal           loyal               champions
 * FM 3 │ at_risk      at_risk      need_attention  potential_loyalist  potential_loyalist
 * FM 2 │ lost         hibernating  about_to_sleep  potential_loyalist  potential_loyalist
 * FM 1 │ lost         hibernating  about_to_sleep  promising           new_customers
 *      └ R 1          R 2          R 3             R 4                 R 5
 * ```
 */
export const DEFAULT_RFM_MAP: RfmMap<RfmSegmentId> = [
  { segment: 'champions', recency: { min: 5, max: 5 }, fm: { min: 4, max: 5 } },
  { segment: 'loyal', recency: { min: 3, max: 4 }, fm: { min: 4, max: 5 } },
  { segment: 'potential_loyalist', recency: { min: 4, max: 5 }, fm: { min: 2, max: 3 } },
  { segment: 'new_customers', recency: { min: 5, max: 5 }, fm: { min: 1, max: 1 } },
  { segment: 'promising', recency: { min: 4, max: 4 }, fm: { min: 1, max: 1 } },
  { segment: 'need_attention', recency: { min: 3, max: 3 }, fm: { min: 3, max: 3 } },
  { segment: 'about_to_sleep', recency: { min: 3, max: 3 }, fm: { min: 1, max: 2 } },
  { segment: 'at_risk', recency: { min: 1, max: 2 }, fm: { min: 3, max: 4 } },
  { segment: 'cannot_lose_them', recency: { min: 1, max: 2 }, fm: { min: 5, max: 5 } },
  { segment: 'hibernating', recency: { min: 2, max: 2 }, fm: { min: 1, max: 2 } },
  { segment: 'lost', recency: { min: 1, max: 1 }, fm: { min: 1, max: 2 } },
];

/** Segment ids end up in index keys (`SEGMENT#<id>`) and campaign names: keep them plain. */
const SEGMENT_ID = /^[a-z][a-z0-9_]{0,39}$/;

const SCORES: readonly Score[] = [1, 2, 3, 4, 5];

const isScore = (value: unknown): value is Score =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 5;

/**
 * The combined FM score: the mean of F and M, halves rounded up (F 4, M 5 → 5), as a
 * spreadsheet's ROUND does. Using the mean keeps frequency and monetary equally weighted.
 */
export function fmScore(f: Score, m: Score): Score {
  return Math.floor((f + m + 1) / 2) as Score;
}

/**
 * Everything wrong with a map, as field issues (`rfmMap.3.recency` …); empty when the map is
 * usable. Checks ranges, segment ids, and that every R × FM cell is covered exactly once.
 */
export function checkRfmMap(map: RfmMap, field = 'rfmMap'): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!Array.isArray(map)) return [{ field, message: 'must be a list of rules' }];
  const owners: number[][][] = SCORES.map(() => SCORES.map(() => []));
  map.forEach((rule, index) => {
    const at = `${field}.${index}`;
    let valid = true;
    if (typeof rule.segment !== 'string' || !SEGMENT_ID.test(rule.segment)) {
      issues.push({
        field: `${at}.segment`,
        message: 'must be 1–40 lowercase letters, digits or _, e.g. at_risk',
      });
    }
    for (const axis of ['recency', 'fm'] as const) {
      const range = rule[axis];
      if (!range || !isScore(range.min) || !isScore(range.max) || range.min > range.max) {
        issues.push({
          field: `${at}.${axis}`,
          message: 'must be { min, max } with whole scores 1 ≤ min ≤ max ≤ 5',
        });
        valid = false;
      }
    }
    if (!valid) return;
    for (let r = rule.recency.min; r <= rule.recency.max; r++) {
      for (let fm = rule.fm.min; fm <= rule.fm.max; fm++) owners[r - 1]?.[fm - 1]?.push(index);
    }
  });
  const name = (index: number) => `"${map[index]?.segment}" (rule ${index})`;
  const uncovered: string[] = [];
  for (const [r, row] of owners.entries()) {
    for (const [fm, cell] of row.entries()) {
      if (cell.length === 0) uncovered.push(`R=${r + 1} FM=${fm + 1}`);
      if (cell.length > 1) {
        issues.push({
          field,
          message: `cell R=${r + 1} FM=${fm + 1} is covered by ${cell.map(name).join(' and ')}`,
        });
      }
    }
  }
  if (uncovered.length > 0) {
    issues.push({
      field,
      message: `every R × FM cell needs a segment; not covered: ${uncovered.join(', ')}`,
    });
  }
  return issues;
}

/** Throws a `ValidationError` listing every problem when the map is not usable. */
export function assertRfmMap(map: RfmMap, field = 'rfmMap'): void {
  const issues = checkRfmMap(map, field);
  if (issues.length > 0) throw new ValidationError(issues);
}

// A map is checked once and turned into a 25-cell lookup table; the nightly job then looks up
// millions of customers against the same map object without re-checking it.
const compiled = new WeakMap<RfmMap, readonly string[]>();

function lookupTable(map: RfmMap): readonly string[] {
  const cached = compiled.get(map);
  if (cached) return cached;
  assertRfmMap(map);
  const table: string[] = new Array(25).fill('');
  for (const rule of map) {
    for (let r = rule.recency.min; r <= rule.recency.max; r++) {
      for (let fm = rule.fm.min; fm <= rule.fm.max; fm++) table[(r - 1) * 5 + (fm - 1)] = rule.segment;
    }
  }
  compiled.set(map, table);
  return table;
}

/**
 * The grid of a map as rows by recency score: `rfmGrid(map)[r - 1][fm - 1]` is the segment of
 * cell (R = r, FM = fm). Throws a `ValidationError` when the map does not cover every cell once.
 */
export function rfmGrid<S extends string>(map: RfmMap<S>): readonly (readonly S[])[] {
  const table = lookupTable(map) as readonly S[];
  return SCORES.map((r) => table.slice((r - 1) * 5, r * 5));
}

/**
 * The segment of a customer with recency, frequency and monetary scores `r`, `f`, `m` (each a
 * whole 1–5 score). Throws a `RangeError` for a score outside 1–5 and a `ValidationError` for a
 * map that does not cover every R × FM cell exactly once.
 */
export function segmentFor(r: number, f: number, m: number): RfmSegmentId;
export function segmentFor<S extends string>(r: number, f: number, m: number, map: RfmMap<S>): S;
export function segmentFor(r: number, f: number, m: number, map: RfmMap = DEFAULT_RFM_MAP): string {
  // Checked without allocating: this runs once per customer per night.
  const bad = !isScore(r) ? 'r' : !isScore(f) ? 'f' : !isScore(m) ? 'm' : null;
  if (bad) {
    const score = { r, f, m }[bad];
    throw new RangeError(`${bad} must be a whole score from 1 to 5, got ${score}`);
  }
  const table = lookupTable(map);
  return table[(r - 1) * 5 + (fmScore(f as Score, m as Score) - 1)] as string;
}
