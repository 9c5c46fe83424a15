import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { customerLanes } from '../../../shared/import/http-importer.js';

const rows = (ref: string, count: number) => Array.from({ length: count }, (_, i) => ({ ref, i }));

describe('customerLanes', () => {
  it('fills batches up to 100 rows without splitting a customer, and gives big customers their own lane', () => {
    const lanes = customerLanes([...rows('a', 60), ...rows('b', 30), ...rows('c', 20), ...rows('big', 250)]);
    expect(lanes.map((lane) => lane.map((batch) => batch.length))).toEqual([[100, 100, 50], [90], [20]]);
    expect(lanes[1]?.[0]?.map((row) => row.ref)).toEqual(
      [...rows('a', 60), ...rows('b', 30)].map((row) => row.ref),
    );
  });

  it('sends every row exactly once, in batches of at most 100, each customer in one lane', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.nat()), { maxLength: 600 }),
        (pairs) => {
          const entries = pairs.map(([ref], index) => ({ ref, index }));
          const lanes = customerLanes(entries);
          const sent = lanes
            .flat(2)
            .map((entry) => entry.index)
            .sort((x, y) => x - y);
          expect(sent).toEqual(entries.map((entry) => entry.index));
          for (const batch of lanes.flat()) expect(batch.length).toBeLessThanOrEqual(100);
          for (const ref of new Set(entries.map((entry) => entry.ref))) {
            expect(lanes.filter((lane) => lane.flat().some((entry) => entry.ref === ref))).toHaveLength(1);
          }
        },
      ),
    );
  });
});
