import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bandOf,
  cutPoints,
  cutPointsAt,
  emptySummary,
  medianOf,
  mergeSummaries,
  RFM_DIRECTIONS,
  RFM_SUMMARY_OPTIONS,
  type ScoreDirection,
  scoreValue,
  summarizeValues,
  type ValueSummary,
} from '../../../shared/domain/segmentation/quintiles.js';

const WHOLE = { resolution: 1 };

/** Scores of each value against cut points computed on the same population. */
function scoresOf(values: number[], direction: ScoreDirection = 'higher_is_better', options = WHOLE) {
  const cuts = cutPoints(summarizeValues(values, options));
  return values.map((value) => scoreValue(value, cuts, direction));
}

/**
 * Independent oracle: the mid-rank percentile PR = (below + equal / 2) / N from a plain scan, and
 * score = 1 + ⌊5 · PR⌋ capped at 5, in integer arithmetic.
 */
function oracleScore(values: readonly number[], value: number): number {
  const below = values.filter((v) => v < value).length;
  const equal = values.filter((v) => v === value).length;
  return Math.min(5, 1 + Math.floor((5 * (2 * below + equal)) / (2 * values.length)));
}

/** Splits values into `parts` shards by the given assignment, then merges the shards in `order`. */
function mergeInParts(values: number[], assignment: number[], parts: number, options: object): ValueSummary {
  const shards = Array.from({ length: parts }, (_, p) =>
    summarizeValues(
      values.filter((_, i) => (assignment[i] ?? 0) % parts === p),
      options,
    ),
  );
  return shards.reduce((acc, shard) => mergeSummaries(acc, shard), emptySummary(options));
}

describe('quintile scores (hand-computed)', () => {
  it.each([
    {
      name: 'ten distinct values fill the quintiles two by two',
      values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      // PR = 0.05, 0.15, …, 0.95
      expected: [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
    },
    {
      name: 'a large tie lands where its middle falls, not at the top',
      values: [1, 1, 1, 1, 1, 1, 2, 2, 3, 5],
      // PR(1) = 3/10 → 2, PR(2) = 7/10 → 4, PR(3) = 8.5/10 → 5, PR(5) = 9.5/10 → 5
      expected: [2, 2, 2, 2, 2, 2, 4, 4, 5, 5],
    },
    {
      name: 'a tie whose middle falls exactly on a boundary reaches that boundary',
      values: [1, 2, 2, 3, 3],
      // PR(1) = 0.1, PR(2) = (1 + 1) / 5 = 0.4 exactly → 3, PR(3) = (3 + 1) / 5 = 0.8 exactly → 5
      expected: [1, 3, 3, 5, 5],
    },
    { name: 'a population of equal values sits in the middle', values: [7, 7, 7], expected: [3, 3, 3] },
    { name: 'a single customer sits in the middle', values: [42], expected: [3] },
    {
      name: 'five values get one score each',
      values: [10, 20, 30, 40, 50],
      expected: [1, 2, 3, 4, 5],
    },
    {
      name: 'order of the input does not matter',
      values: [9, 3, 7, 1, 5, 10, 2, 8, 4, 6],
      expected: [5, 2, 4, 1, 3, 5, 1, 4, 2, 3],
    },
  ])('$name', ({ values, expected }) => {
    expect(scoresOf(values)).toEqual(expected);
  });

  it('scores recency so that the most recent customers (fewest days) get 5', () => {
    const days = [0, 10, 20, 30, 40];
    expect(scoresOf(days, RFM_DIRECTIONS.recency, RFM_SUMMARY_OPTIONS.recency)).toEqual([5, 4, 3, 2, 1]);
  });

  it('mirrors the boundary tie for lower-is-better', () => {
    expect(scoresOf([1, 2, 2, 3, 3], 'lower_is_better')).toEqual([5, 3, 3, 1, 1]);
  });

  it('treats amounts within the same cent as equal', () => {
    const cuts = cutPoints(summarizeValues([10.004, 10.001, 10, 20, 30], RFM_SUMMARY_OPTIONS.monetary));
    const scores = [10.004, 10.001, 10].map((v) => scoreValue(v, cuts, 'higher_is_better'));
    expect(new Set(scores).size).toBe(1);
    // The three tied at 10.00: PR = 1.5 / 5 = 0.3 → 2
    expect(scores[0]).toBe(2);
  });

  it('reports cut points in value units', () => {
    const cuts = cutPoints(summarizeValues([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], RFM_SUMMARY_OPTIONS.monetary));
    // Smallest value reaching 20 %, 40 %, 60 %, 80 %: 3 (PR 0.25), 5 (0.45), 7 (0.65), 9 (0.85)
    expect(cuts.values).toEqual([3, 5, 7, 9]);
    expect(cuts.keys).toEqual([300, 500, 700, 900]);
    expect(cuts.population).toBe(10);
    expect(cuts.kind).toBe('exact');
  });

  it('marks a quintile no value reaches with null and skips that score', () => {
    // 1 is 60 % of the population: PR(1) = 0.3 reaches only the 20 % cut, PR(2) = 0.8 reaches
    // the other three, so the scores are 2 and 5 and scores 3 and 4 go unused.
    const cuts = cutPoints(summarizeValues([1, 1, 1, 1, 1, 1, 2, 2, 2, 2], WHOLE));
    expect(cuts.values).toEqual([1, 2, 2, 2]);
    expect([1, 2].map((v) => scoreValue(v, cuts, 'higher_is_better'))).toEqual([2, 5]);
    // The top value is 5/6 of the population: its middle sits at 58 %, so nobody reaches 60 % or 80 %.
    const heavyTop = cutPoints(summarizeValues([1, 2, 2, 2, 2, 2], WHOLE));
    // PR(1) = 0.5 / 6 ≈ 0.083, PR(2) = (1 + 2.5) / 6 ≈ 0.583 → cuts at 20 % and 40 % reached by 2, 60 % and 80 % never
    expect(heavyTop.values).toEqual([2, 2, null, null]);
    expect(scoreValue(2, heavyTop, 'higher_is_better')).toBe(3);
    expect(scoreValue(1000, heavyTop, 'higher_is_better')).toBe(3);
  });

  it('places values outside the population by where they fall', () => {
    const cuts = cutPoints(summarizeValues([10, 20, 30, 40, 50], WHOLE));
    expect(scoreValue(-5, cuts, 'higher_is_better')).toBe(1);
    expect(scoreValue(1000, cuts, 'higher_is_better')).toBe(5);
    expect(scoreValue(25, cuts, 'higher_is_better')).toBe(2);
    expect(scoreValue(1000, cuts, 'lower_is_better')).toBe(1);
  });

  it('scores everything 1 (or 5 for lower-is-better) against an empty population', () => {
    const cuts = cutPoints(emptySummary(WHOLE));
    expect(cuts.keys).toEqual([null, null, null, null]);
    expect(scoreValue(3, cuts, 'higher_is_better')).toBe(1);
    expect(scoreValue(3, cuts, 'lower_is_better')).toBe(5);
  });

  it('handles negative values and zero', () => {
    expect(scoresOf([-20, -10, 0, 10, 20])).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('summaries', () => {
  it('keeps ascending distinct keys with counts', () => {
    const summary = summarizeValues([3, 1, 3, 2, 3], WHOLE);
    expect(summary).toMatchObject({ kind: 'exact', count: 5, keys: [1, 2, 3], counts: [1, 1, 3] });
  });

  it('is plain JSON', () => {
    const summary = summarizeValues([0.1, 0.2, 0.3, -0], RFM_SUMMARY_OPTIONS.monetary);
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
    expect(Object.is(summary.keys[0], 0)).toBe(true);
  });

  it('switches to the sketch past maxExactValues and bounds its size', () => {
    const values = Array.from({ length: 100_000 }, (_, i) => i + 1);
    const summary = summarizeValues(values, { resolution: 1, maxExactValues: 100 });
    expect(summary.kind).toBe('sketch');
    expect(summary.count).toBe(100_000);
    // 1 % buckets: ln(100 000) / ln(1.01 / 0.99) ≈ 576 buckets at most
    expect(summary.keys.length).toBeLessThan(600);
  });

  it('rejects values that are not finite', () => {
    expect(() => summarizeValues([1, Number.NaN])).toThrow(/finite/);
    expect(() => summarizeValues([Number.POSITIVE_INFINITY])).toThrow(/finite/);
  });

  it('rejects bad options', () => {
    expect(() => summarizeValues([1], { resolution: 0 })).toThrow(/resolution/);
    expect(() => summarizeValues([1], { relativeAccuracy: 1 })).toThrow(/relativeAccuracy/);
    expect(() => summarizeValues([1], { maxExactValues: 0 })).toThrow(/maxExactValues/);
  });

  it('refuses to merge summaries made with different options', () => {
    expect(() =>
      mergeSummaries(summarizeValues([1], WHOLE), summarizeValues([1], { resolution: 0.01 })),
    ).toThrow(/different options/);
  });

  it('rejects shares that are out of range or out of order', () => {
    const summary = summarizeValues([1, 2, 3], WHOLE);
    expect(() => cutPointsAt(summary, [0.5, 0.2])).toThrow(/ascending/);
    expect(() => cutPointsAt(summary, [1.2])).toThrow(/\[0, 1\]/);
  });

  it('refuses to score against cut points that are not quintiles', () => {
    const cuts = cutPointsAt(summarizeValues([1, 2, 3], WHOLE), [0.5]);
    expect(() => scoreValue(1, cuts, 'higher_is_better')).toThrow(/quintile/);
    expect(bandOf(3, cuts)).toBe(1);
  });
});

describe('medians', () => {
  it.each([
    { values: [] as number[], options: WHOLE, expected: null },
    { values: [5], options: WHOLE, expected: 5 },
    { values: [1, 2, 3, 4], options: WHOLE, expected: 2.5 },
    { values: [4, 1, 3], options: WHOLE, expected: 3 },
    { values: [1, 1, 1, 9], options: WHOLE, expected: 1 },
    { values: [0.07, 0.08], options: RFM_SUMMARY_OPTIONS.monetary, expected: 0.075 },
    { values: [19.99, 5.01, 100], options: RFM_SUMMARY_OPTIONS.monetary, expected: 19.99 },
  ])('median of $values is $expected', ({ values, options, expected }) => {
    expect(medianOf(summarizeValues(values, options))).toBe(expected);
  });
});

// Values on a small range so that ties are common, and on a wide one so that the sketch kicks in.
const smallValues = fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 200 });
const wideValues = fc.array(fc.integer({ min: -5_000, max: 1_000_000 }), { minLength: 1, maxLength: 300 });
const direction = fc.constantFrom<ScoreDirection>('higher_is_better', 'lower_is_better');

describe('quintile properties', () => {
  it('scores are always whole numbers 1–5, for population values and any other value', () => {
    fc.assert(
      fc.property(
        wideValues,
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        direction,
        (values, other, dir) => {
          const cuts = cutPoints(summarizeValues(values, WHOLE));
          for (const value of [...values, other]) {
            expect([1, 2, 3, 4, 5]).toContain(scoreValue(value, cuts, dir));
          }
        },
      ),
    );
  });

  it('equal values always get the same score, and a larger value never scores lower', () => {
    fc.assert(
      fc.property(smallValues, direction, (values, dir) => {
        const cuts = cutPoints(summarizeValues(values, WHOLE));
        const byValue = new Map<number, number>();
        for (const value of values) {
          const score = scoreValue(value, cuts, dir);
          expect(byValue.get(value) ?? score).toBe(score);
          byValue.set(value, score);
        }
        const sorted = [...byValue.keys()].sort((a, b) => a - b);
        for (let i = 1; i < sorted.length; i++) {
          const before = byValue.get(sorted[i - 1] as number) as number;
          const after = byValue.get(sorted[i] as number) as number;
          if (dir === 'higher_is_better') expect(after).toBeGreaterThanOrEqual(before);
          else expect(after).toBeLessThanOrEqual(before);
        }
      }),
    );
  });

  it('exact scores agree with the mid-rank oracle', () => {
    fc.assert(
      fc.property(smallValues, (values) => {
        const cuts = cutPoints(summarizeValues(values, WHOLE));
        for (const value of values)
          expect(scoreValue(value, cuts, 'higher_is_better')).toBe(oracleScore(values, value));
      }),
    );
  });

  it('distinct values fill each quintile with a fifth of the population (±1)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 300 }),
        (values) => {
          const scores = scoresOf(values);
          for (const score of [1, 2, 3, 4, 5]) {
            const n = scores.filter((s) => s === score).length;
            expect(Math.abs(n - values.length / 5)).toBeLessThanOrEqual(1);
          }
        },
      ),
    );
  });

  it('merging shard summaries in any partition and order gives the summary and cut points of the whole', () => {
    for (const options of [WHOLE, { resolution: 1, maxExactValues: 8 }]) {
      fc.assert(
        fc.property(
          wideValues.chain((values) =>
            fc.tuple(
              fc.constant(values),
              fc.array(fc.nat(), { minLength: values.length, maxLength: values.length }),
              fc.integer({ min: 1, max: 6 }),
            ),
          ),
          fc.array(fc.nat(5), { maxLength: 6 }),
          ([values, assignment, parts], rotation) => {
            const whole = summarizeValues(values, options);
            const merged = mergeInParts(values, assignment, parts, options);
            // Merge the same shards again in a different order.
            const shards = Array.from({ length: parts }, (_, p) =>
              summarizeValues(
                values.filter((_, i) => (assignment[i] ?? 0) % parts === p),
                options,
              ),
            );
            const reordered = rotation
              .reduce(
                (list, r) => [...list.slice(r % list.length), ...list.slice(0, r % list.length)],
                shards,
              )
              .reverse()
              .reduce((acc, shard) => mergeSummaries(shard, acc), emptySummary(options));
            expect(merged).toEqual(whole);
            expect(reordered).toEqual(whole);
            expect(cutPoints(merged)).toEqual(cutPoints(whole));
          },
        ),
      );
    }
  });

  it('merging is associative and commutative', () => {
    const options = { resolution: 1, maxExactValues: 16 };
    fc.assert(
      fc.property(wideValues, wideValues, wideValues, (a, b, c) => {
        const [sa, sb, sc] = [a, b, c].map((v) => summarizeValues(v, options)) as [
          ValueSummary,
          ValueSummary,
          ValueSummary,
        ];
        expect(mergeSummaries(mergeSummaries(sa, sb), sc)).toEqual(
          mergeSummaries(sa, mergeSummaries(sb, sc)),
        );
        expect(mergeSummaries(sa, sb)).toEqual(mergeSummaries(sb, sa));
      }),
    );
  });

  it('the sketch median is within the documented bound of the exact median', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 300 }),
        (values) => {
          const sketch = summarizeValues(values, { resolution: 1, maxExactValues: 1 });
          const exact = medianOf(summarizeValues(values, WHOLE)) as number;
          const approx = medianOf(sketch) as number;
          // α = 1 %, plus half a grid step for representatives rounded to whole units
          expect(Math.abs(approx - exact)).toBeLessThanOrEqual(0.01 * exact + 0.5);
        },
      ),
    );
  });

  it('sketch scores agree with the oracle on values rounded to their bucket', () => {
    // Values 3 % apart never share a (2 % wide) bucket, so the sketch must then score them exactly.
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { minLength: 2, maxLength: 150 }),
        (exponents) => {
          const values = exponents.map((e) => Math.round(1000 * 1.03 ** e));
          const cuts = cutPoints(summarizeValues(values, { resolution: 1, maxExactValues: 1 }));
          expect(cuts.kind).toBe('sketch');
          for (const value of values)
            expect(scoreValue(value, cuts, 'higher_is_better')).toBe(oracleScore(values, value));
        },
      ),
    );
  });
});
