import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/domain/errors.js';
import type { Score } from '../../../shared/domain/segmentation/quintiles.js';
import {
  assertRfmMap,
  checkRfmMap,
  DEFAULT_RFM_MAP,
  fmScore,
  RFM_SEGMENT_LABELS,
  RFM_SEGMENTS,
  type RfmMap,
  rfmGrid,
  segmentFor,
} from '../../../shared/domain/segmentation/rfm-segments.js';

const SCORES: Score[] = [1, 2, 3, 4, 5];

describe('the combined FM score', () => {
  it.each([
    [1, 1, 1],
    [1, 2, 2],
    [2, 1, 2],
    [2, 3, 3],
    [3, 4, 4],
    [4, 5, 5],
    [5, 5, 5],
    [1, 5, 3],
    [5, 1, 3],
    [2, 2, 2],
  ] as const)('F %i and M %i give FM %i (mean, halves rounded up)', (f, m, fm) => {
    expect(fmScore(f, m)).toBe(fm);
  });
});

describe('the default RFM map', () => {
  it('is the R-vs-FM grid with Lost split from Hibernating', () => {
    // Rows by R (1 → 5), columns by FM (1 → 5); read off the chart in rfm-segments.ts.
    expect(rfmGrid(DEFAULT_RFM_MAP)).toEqual([
      ['lost', 'lost', 'at_risk', 'at_risk', 'cannot_lose_them'],
      ['hibernating', 'hibernating', 'at_risk', 'at_risk', 'cannot_lose_them'],
      ['about_to_sleep', 'about_to_sleep', 'need_attention', 'loyal', 'loyal'],
      ['promising', 'potential_loyalist', 'potential_loyalist', 'loyal', 'loyal'],
      ['new_customers', 'potential_loyalist', 'potential_loyalist', 'champions', 'champions'],
    ]);
  });

  it.each([
    [5, 5, 5, 'champions'],
    [5, 4, 4, 'champions'],
    [5, 3, 4, 'champions'], // FM = 3.5 → 4
    [4, 5, 5, 'loyal'],
    [3, 5, 4, 'loyal'],
    [5, 2, 3, 'potential_loyalist'],
    [4, 2, 3, 'potential_loyalist'],
    [4, 1, 2, 'potential_loyalist'], // FM = 1.5 → 2
    [5, 1, 1, 'new_customers'],
    [4, 1, 1, 'promising'],
    [3, 3, 3, 'need_attention'],
    [3, 2, 4, 'need_attention'],
    [3, 1, 2, 'about_to_sleep'],
    [3, 1, 1, 'about_to_sleep'],
    [2, 4, 4, 'at_risk'],
    [1, 3, 3, 'at_risk'],
    [1, 5, 5, 'cannot_lose_them'],
    [2, 4, 5, 'cannot_lose_them'], // FM = 4.5 → 5
    [2, 1, 1, 'hibernating'],
    [2, 2, 1, 'hibernating'],
    [1, 1, 1, 'lost'],
    [1, 2, 2, 'lost'],
  ] as const)('R %i F %i M %i is %s', (r, f, m, segment) => {
    expect(segmentFor(r, f, m)).toBe(segment);
  });

  it('covers every R × FM cell exactly once', () => {
    expect(checkRfmMap(DEFAULT_RFM_MAP)).toEqual([]);
    for (const r of SCORES) {
      for (const fm of SCORES) {
        const rules = DEFAULT_RFM_MAP.filter(
          (rule) => r >= rule.recency.min && r <= rule.recency.max && fm >= rule.fm.min && fm <= rule.fm.max,
        );
        expect(rules, `R=${r} FM=${fm}`).toHaveLength(1);
      }
    }
  });

  it('maps every one of the 125 R/F/M combinations to exactly one of the 11 segments, and uses all 11', () => {
    const seen = new Set<string>();
    for (const r of SCORES) {
      for (const f of SCORES) {
        for (const m of SCORES) {
          const segment = segmentFor(r, f, m);
          expect(RFM_SEGMENTS).toContain(segment);
          seen.add(segment);
        }
      }
    }
    expect([...seen].sort()).toEqual([...RFM_SEGMENTS].sort());
    expect(RFM_SEGMENTS).toHaveLength(11);
  });

  it('has a label for every segment', () => {
    expect(Object.keys(RFM_SEGMENT_LABELS).sort()).toEqual([...RFM_SEGMENTS].sort());
    expect(RFM_SEGMENT_LABELS.cannot_lose_them).toBe('Cannot Lose Them');
  });

  it.each([0, 6, 2.5, Number.NaN, -1])('rejects the score %s', (bad) => {
    expect(() => segmentFor(bad, 3, 3)).toThrow(RangeError);
    expect(() => segmentFor(3, bad, 3)).toThrow(/f must be a whole score from 1 to 5/);
    expect(() => segmentFor(3, 3, bad)).toThrow(RangeError);
  });
});

describe('custom RFM maps', () => {
  const twoSegments: RfmMap<'recent' | 'lapsed'> = [
    { segment: 'recent', recency: { min: 3, max: 5 }, fm: { min: 1, max: 5 } },
    { segment: 'lapsed', recency: { min: 1, max: 2 }, fm: { min: 1, max: 5 } },
  ];

  it('uses a business map of its own', () => {
    expect(segmentFor(3, 1, 1, twoSegments)).toBe('recent');
    expect(segmentFor(2, 5, 5, twoSegments)).toBe('lapsed');
  });

  it.each([
    {
      name: 'a gap',
      map: [{ segment: 'all', recency: { min: 1, max: 5 }, fm: { min: 1, max: 4 } }],
      message:
        'every R × FM cell needs a segment; not covered: R=1 FM=5, R=2 FM=5, R=3 FM=5, R=4 FM=5, R=5 FM=5',
    },
    {
      name: 'an overlap',
      map: [
        { segment: 'a', recency: { min: 1, max: 5 }, fm: { min: 1, max: 5 } },
        { segment: 'b', recency: { min: 2, max: 2 }, fm: { min: 3, max: 3 } },
      ],
      message: 'cell R=2 FM=3 is covered by "a" (rule 0) and "b" (rule 1)',
    },
  ])('rejects a map with $name, naming the cells', ({ map, message }) => {
    expect(checkRfmMap(map)).toContainEqual({ field: 'rfmMap', message });
    expect(() => segmentFor(1, 1, 1, map)).toThrow(ValidationError);
    expect(() => segmentFor(1, 1, 1, map)).toThrow(message);
  });

  it.each([
    { range: { min: 0, max: 5 } },
    { range: { min: 1, max: 6 } },
    { range: { min: 4, max: 2 } },
    { range: { min: 1.5, max: 5 } },
  ])('rejects the range $range', ({ range }) => {
    const map = [{ segment: 'all', recency: range, fm: { min: 1, max: 5 } }];
    expect(checkRfmMap(map)).toContainEqual({
      field: 'rfmMap.0.recency',
      message: 'must be { min, max } with whole scores 1 ≤ min ≤ max ≤ 5',
    });
  });

  it.each(['', 'Champions', 'at risk', '1st', 'x'.repeat(41)])('rejects the segment id %j', (segment) => {
    const map = [{ segment, recency: { min: 1, max: 5 }, fm: { min: 1, max: 5 } }];
    expect(checkRfmMap(map).map((issue) => issue.field)).toEqual(['rfmMap.0.segment']);
    expect(() => assertRfmMap(map)).toThrow(ValidationError);
  });

  it('reports the field under the name it is given', () => {
    expect(checkRfmMap([], 'settings.rfmMap')[0]?.field).toBe('settings.rfmMap');
  });

  it('looks up any valid map cell by cell (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c_2'), { minLength: 25, maxLength: 25 }), (cells) => {
        const map: RfmMap = cells.map((segment, i) => {
          const r = Math.floor(i / 5) + 1;
          const fm = (i % 5) + 1;
          return { segment, recency: { min: r, max: r }, fm: { min: fm, max: fm } };
        });
        for (const r of SCORES) {
          for (const f of SCORES) {
            for (const m of SCORES) {
              expect(segmentFor(r, f, m, map)).toBe(cells[(r - 1) * 5 + fmScore(f, m) - 1]);
            }
          }
        }
      }),
      { numRuns: 50 },
    );
  });
});
