// Quantile scoring that runs in two passes: every shard summarises its values into a compact,
// mergeable summary; the coordinator merges the summaries and computes the cut points once;
// every shard then scores its customers against the same cut points.
//
// Summaries are exact while they are small: values are rounded to a grid (`resolution`: cents
// for money, days for recency, 1 for order counts) and the summary counts each distinct grid
// value. Only when a population has more than `maxExactValues` distinct grid values does it
// switch to a logarithmic sketch (the bucket layout of DDSketch, Masson et al., VLDB 2019), whose
// size is bounded by the value range, not by the population. The switch depends only on the
// merged population, never on how it was split into shards, so merging in any order or partition
// gives the same summary, bit for bit, as summarising the whole population at once.
//
// Ties: a value's position is its mid-rank percentile, PR(v) = (below(v) + equal(v) / 2) / N,
// the textbook percentile rank. Score = 1 + the number of quintile boundaries (20 %, 40 %, 60 %,
// 80 %) that PR(v) reaches. PR depends only on the value, so equal values always get the same
// score, and a large tied group lands in the quintile where its middle falls instead of being
// split arbitrarily (or pushed to the top by a "≤" rule).

/** A 1–5 score; 5 is best. */
export type Score = 1 | 2 | 3 | 4 | 5;

/** Which end of the scale is better. Recency measured as days since the last order is `lower_is_better`. */
export type ScoreDirection = 'higher_is_better' | 'lower_is_better';

/** How values are rounded and when the exact summary gives way to the sketch. */
export interface SummaryOptions {
  /** Grid step values are rounded to before counting (0.01 = cents, 1 = whole days or orders). */
  readonly resolution: number;
  /**
   * Relative accuracy α of the sketch fallback: every grid value in a sketch bucket is within a
   * relative α of the bucket's representative value.
   */
  readonly relativeAccuracy: number;
  /** Distinct grid values kept exactly; beyond this the summary becomes a sketch. */
  readonly maxExactValues: number;
}

/**
 * A mergeable summary of a population of numbers: ascending distinct keys with their counts.
 * Plain JSON, so a shard can send it in an event. In `exact` mode a key is a value in grid units
 * (`value / resolution`, rounded); in `sketch` mode it is a logarithmic bucket of grid units.
 */
export interface ValueSummary extends SummaryOptions {
  readonly kind: 'exact' | 'sketch';
  /** Number of values summarised. */
  readonly count: number;
  /** Distinct keys, ascending. */
  readonly keys: readonly number[];
  /** `counts[i]` values have key `keys[i]`. */
  readonly counts: readonly number[];
}

/**
 * Thresholds on a summary at given population shares. `keys[i]` is the smallest key whose
 * mid-rank percentile reaches `shares[i]`, `null` when no value of the population reaches it.
 */
export interface CutPoints {
  readonly kind: 'exact' | 'sketch';
  readonly resolution: number;
  readonly relativeAccuracy: number;
  /** Size of the population the cut points were computed on. */
  readonly population: number;
  /** Percentile boundaries, non-decreasing, each in [0, 1]. */
  readonly shares: readonly number[];
  /** Thresholds as summary keys; scoring compares keys so that it matches the summary exactly. */
  readonly keys: readonly (number | null)[];
  /** The same thresholds in value units, for display; approximate (within α + ½ resolution) in sketch mode. */
  readonly values: readonly (number | null)[];
}

/**
 * Defaults: cents, 1 % relative accuracy, 2048 exact values. 2048 keys and counts are about 20 kB
 * of JSON, small enough for three of them (R, F, M) to travel in one EventBridge event (256 kB).
 */
export const DEFAULT_SUMMARY_OPTIONS: SummaryOptions = {
  resolution: 0.01,
  relativeAccuracy: 0.01,
  maxExactValues: 2048,
};

/**
 * Summary options for the RFM inputs: recency in whole days since the last order, frequency in
 * orders, monetary in cents. With these, frequency is always exact and recency is exact for up to
 * 2048 distinct days (5.6 years of history).
 */
export const RFM_SUMMARY_OPTIONS = {
  recency: { ...DEFAULT_SUMMARY_OPTIONS, resolution: 1 },
  frequency: { ...DEFAULT_SUMMARY_OPTIONS, resolution: 1 },
  monetary: { ...DEFAULT_SUMMARY_OPTIONS, resolution: 0.01 },
} as const satisfies Record<'recency' | 'frequency' | 'monetary', SummaryOptions>;

/** Scale direction of each RFM input: more recent (fewer days), more orders, more spend score higher. */
export const RFM_DIRECTIONS = {
  recency: 'lower_is_better',
  frequency: 'higher_is_better',
  monetary: 'higher_is_better',
} as const satisfies Record<'recency' | 'frequency' | 'monetary', ScoreDirection>;

/** The quintile boundaries. */
export const QUINTILE_SHARES: readonly number[] = [0.2, 0.4, 0.6, 0.8];

// Shares are compared in integer parts per million so that a boundary that falls exactly on a
// tied group (e.g. 2 of 10 customers = 20 %) is decided the same way on every machine, without
// floating-point noise. Exact for populations up to 4.5 billion values.
const PPM = 1_000_000;

function resolveOptions(options: Partial<SummaryOptions>): SummaryOptions {
  const resolved = { ...DEFAULT_SUMMARY_OPTIONS, ...options };
  if (!(Number.isFinite(resolved.resolution) && resolved.resolution > 0)) {
    throw new RangeError(`resolution must be a positive number, got ${resolved.resolution}`);
  }
  if (!(resolved.relativeAccuracy > 0 && resolved.relativeAccuracy < 1)) {
    throw new RangeError(`relativeAccuracy must be between 0 and 1, got ${resolved.relativeAccuracy}`);
  }
  if (!(Number.isInteger(resolved.maxExactValues) && resolved.maxExactValues >= 1)) {
    throw new RangeError(`maxExactValues must be a positive integer, got ${resolved.maxExactValues}`);
  }
  return resolved;
}

/** A value in grid units; `+ 0` turns -0 into 0 so keys serialise and compare plainly. */
function toUnits(value: number, resolution: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`values must be finite numbers, got ${value}`);
  return Math.round(value / resolution) + 0;
}

function fromUnits(units: number, resolution: number): number {
  // Dividing by an integer inverse (100 for cents) avoids 7 * 0.01 = 0.07000000000000001.
  const inverse = 1 / resolution;
  const rounded = Math.round(inverse);
  return Math.abs(inverse - rounded) < 1e-9 ? units / rounded : units * resolution;
}

function logGamma(relativeAccuracy: number): number {
  return Math.log((1 + relativeAccuracy) / (1 - relativeAccuracy));
}

/**
 * The sketch bucket of a value in grid units. Bucket k ≥ 1 holds units in [γ^(k-1), γ^k) with
 * γ = (1 + α) / (1 − α); 0 has its own bucket; negative values mirror positive ones. Units are
 * integers, so the narrow buckets near zero hold one integer each and small values stay exact.
 */
function sketchKey(units: number, lnGamma: number): number {
  if (units === 0) return 0;
  const bucket = 1 + Math.floor(Math.log(Math.abs(units)) / lnGamma);
  return units > 0 ? bucket : -bucket;
}

/**
 * Representative of a sketch bucket, in whole grid units (so it reads as a price in cents, not
 * 1017.5613…): within α of every unit in the bucket, plus half a unit for the rounding.
 */
function sketchUnits(key: number, lnGamma: number): number {
  if (key === 0) return 0;
  const k = Math.abs(key);
  const gamma = Math.exp(lnGamma);
  const lowest = Math.max(1, Math.ceil(Math.exp((k - 1) * lnGamma)));
  const highest = Math.max(lowest, Math.ceil(Math.exp(k * lnGamma)) - 1);
  const representative = Math.round(
    Math.min(highest, Math.max(lowest, (2 * Math.exp(k * lnGamma)) / (gamma + 1))),
  );
  return key > 0 ? representative : -representative;
}

/** The value (in value units) a summary key stands for. */
function valueOfKey(
  key: number,
  kind: 'exact' | 'sketch',
  resolution: number,
  relativeAccuracy: number,
): number {
  return fromUnits(kind === 'exact' ? key : sketchUnits(key, logGamma(relativeAccuracy)), resolution);
}

function fromCounts(
  options: SummaryOptions,
  kind: 'exact' | 'sketch',
  counts: Map<number, number>,
): ValueSummary {
  // A typed array sorts numerically, natively: much faster than a comparator on 10^5 keys.
  const keys = Array.from(Float64Array.from(counts.keys()).sort());
  let count = 0;
  const values = keys.map((key) => {
    const n = counts.get(key) ?? 0;
    count += n;
    return n;
  });
  return { ...pickOptions(options), kind, count, keys, counts: values };
}

function pickOptions(options: SummaryOptions): SummaryOptions {
  return {
    resolution: options.resolution,
    relativeAccuracy: options.relativeAccuracy,
    maxExactValues: options.maxExactValues,
  };
}

function toSketch(summary: ValueSummary): ValueSummary {
  if (summary.kind === 'sketch') return summary;
  const lnGamma = logGamma(summary.relativeAccuracy);
  const counts = new Map<number, number>();
  summary.keys.forEach((units, i) => {
    const key = sketchKey(units, lnGamma);
    counts.set(key, (counts.get(key) ?? 0) + (summary.counts[i] ?? 0));
  });
  return fromCounts(summary, 'sketch', counts);
}

/** An empty summary with the given options (the identity of `mergeSummaries`). */
export function emptySummary(options: Partial<SummaryOptions> = {}): ValueSummary {
  return { ...pickOptions(resolveOptions(options)), kind: 'exact', count: 0, keys: [], counts: [] };
}

/**
 * Summarises a shard's values. Values are rounded to `options.resolution`; non-finite values are
 * rejected (a NaN would silently break the ordering).
 */
export function summarizeValues(
  values: Iterable<number>,
  options: Partial<SummaryOptions> = {},
): ValueSummary {
  const counter = new ValueCounter(options);
  for (const value of values) counter.add(value);
  return counter.summary();
}

/**
 * Summarises values one at a time, as they stream past, without keeping them: `summary()` is
 * `summarizeValues` of every value added.
 */
export class ValueCounter {
  private readonly options: SummaryOptions;
  private readonly counts = new Map<number, number>();

  constructor(options: Partial<SummaryOptions> = {}) {
    this.options = resolveOptions(options);
  }

  add(value: number): void {
    const units = toUnits(value, this.options.resolution);
    this.counts.set(units, (this.counts.get(units) ?? 0) + 1);
  }

  summary(): ValueSummary {
    const exact = fromCounts(this.options, 'exact', this.counts);
    return exact.keys.length > this.options.maxExactValues ? toSketch(exact) : exact;
  }
}

/**
 * Merges two summaries made with the same options. Commutative and associative: the result
 * depends only on the combined population.
 */
export function mergeSummaries(a: ValueSummary, b: ValueSummary): ValueSummary {
  if (
    a.resolution !== b.resolution ||
    a.relativeAccuracy !== b.relativeAccuracy ||
    a.maxExactValues !== b.maxExactValues
  ) {
    throw new RangeError(
      `cannot merge summaries made with different options: ${JSON.stringify(pickOptions(a))} and ${JSON.stringify(pickOptions(b))}`,
    );
  }
  const kind = a.kind === 'sketch' || b.kind === 'sketch' ? 'sketch' : 'exact';
  const left = kind === 'sketch' ? toSketch(a) : a;
  const right = kind === 'sketch' ? toSketch(b) : b;
  const keys: number[] = [];
  const counts: number[] = [];
  let i = 0;
  let j = 0;
  // Both key lists are ascending: a linear merge keeps the result ascending and distinct.
  while (i < left.keys.length || j < right.keys.length) {
    const leftKey = left.keys[i] ?? Number.POSITIVE_INFINITY;
    const rightKey = right.keys[j] ?? Number.POSITIVE_INFINITY;
    const key = Math.min(leftKey, rightKey);
    let n = 0;
    if (leftKey === key) n += left.counts[i++] ?? 0;
    if (rightKey === key) n += right.counts[j++] ?? 0;
    keys.push(key);
    counts.push(n);
  }
  const merged: ValueSummary = { ...pickOptions(a), kind, count: a.count + b.count, keys, counts };
  return merged.kind === 'exact' && merged.keys.length > merged.maxExactValues ? toSketch(merged) : merged;
}

/**
 * Thresholds at arbitrary population shares (e.g. [0.5, 0.8] for the value tiers). A value
 * reaches `shares[i]` when its mid-rank percentile is at least `shares[i]`; shares are resolved
 * to parts per million.
 */
export function cutPointsAt(summary: ValueSummary, shares: readonly number[]): CutPoints {
  shares.forEach((share, i) => {
    if (!(share >= 0 && share <= 1)) throw new RangeError(`shares must be in [0, 1], got ${share}`);
    if (i > 0 && share < (shares[i - 1] ?? 0)) throw new RangeError('shares must be in ascending order');
  });
  const needed = shares.map((share) => 2 * summary.count * Math.round(share * PPM));
  const keys: (number | null)[] = shares.map(() => null);
  let below = 0;
  let next = 0;
  summary.keys.forEach((key, i) => {
    const equal = summary.counts[i] ?? 0;
    // PR(key) >= share  ⇔  (2·below + equal) / 2N >= ppm / 10⁶, in integers.
    const reached = (2 * below + equal) * PPM;
    while (next < needed.length && reached >= (needed[next] ?? 0)) keys[next++] = key;
    below += equal;
  });
  return {
    kind: summary.kind,
    resolution: summary.resolution,
    relativeAccuracy: summary.relativeAccuracy,
    population: summary.count,
    shares: [...shares],
    keys,
    values: keys.map((key) =>
      key === null ? null : valueOfKey(key, summary.kind, summary.resolution, summary.relativeAccuracy),
    ),
  };
}

/** Quintile cut points (20 %, 40 %, 60 %, 80 %) of a merged summary. */
export function cutPoints(summary: ValueSummary): CutPoints {
  return cutPointsAt(summary, QUINTILE_SHARES);
}

/**
 * How many of the cut points a value reaches (0 … `cuts.shares.length`), on the ascending scale.
 * A value that was not in the population is placed by where it falls between population values.
 */
export function bandOf(value: number, cuts: CutPoints): number {
  return bandFunction(cuts)(value);
}

/**
 * {@link bandOf} for one set of cut points, with everything that does not depend on the value
 * worked out once: for scoring millions of customers against the same cut points.
 */
export function bandFunction(cuts: CutPoints): (value: number) => number {
  const thresholds = cuts.keys.filter((key) => key !== null);
  const { resolution } = cuts;
  const lnGamma = cuts.kind === 'sketch' ? logGamma(cuts.relativeAccuracy) : Number.NaN;
  return (value) => {
    const units = toUnits(value, resolution);
    const key = cuts.kind === 'exact' ? units : sketchKey(units, lnGamma);
    let band = 0;
    for (const threshold of thresholds) if (key >= threshold) band++;
    return band;
  };
}

/**
 * The 1–5 score of a value against quintile cut points. `lower_is_better` mirrors the ascending
 * score (6 − s), so one set of cut points serves both directions and a tie group on an exact
 * boundary is placed consistently.
 */
export function scoreValue(value: number, cuts: CutPoints, direction: ScoreDirection): Score {
  return quintileScorer(cuts, direction)(value);
}

/** {@link scoreValue} for one set of cut points and a direction, worked out once. */
export function quintileScorer(cuts: CutPoints, direction: ScoreDirection): (value: number) => Score {
  if (cuts.keys.length !== 4) {
    throw new RangeError(`scoreValue needs quintile cut points (4 boundaries), got ${cuts.keys.length}`);
  }
  const band = bandFunction(cuts);
  return direction === 'higher_is_better'
    ? (value) => (band(value) + 1) as Score
    : (value) => (5 - band(value)) as Score;
}

/**
 * The median of a summary (mean of the two middle values for an even count); `null` when empty.
 * Exact in `exact` mode (up to the grid resolution); in `sketch` mode within a relative α of the
 * true median (plus half a resolution step), because each middle value is replaced by its
 * bucket's representative.
 */
export function medianOf(summary: ValueSummary): number | null {
  if (summary.count === 0) return null;
  const lowerRank = Math.floor((summary.count - 1) / 2);
  const upperRank = Math.ceil((summary.count - 1) / 2);
  let lower: number | undefined;
  let upper: number | undefined;
  let seen = 0;
  for (let i = 0; i < summary.keys.length && upper === undefined; i++) {
    seen += summary.counts[i] ?? 0;
    const key = summary.keys[i] ?? 0;
    if (lower === undefined && seen > lowerRank) lower = key;
    if (seen > upperRank) upper = key;
  }
  // Average in grid units, then convert once: (7 + 8) / 2 units = 0.075, without float drift.
  const units = (key: number | undefined) =>
    summary.kind === 'exact' ? (key ?? 0) : sketchUnits(key ?? 0, logGamma(summary.relativeAccuracy));
  return fromUnits((units(lower) + units(upper)) / 2, summary.resolution);
}
