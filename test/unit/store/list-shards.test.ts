// The shards of the customer lists (`byList`; `bySegment`, `byLifecycle`, `byTier`): a customer's
// shard must never change (readers find an entry by querying every shard), and customers must
// spread evenly, or one index partition would still take most of the writes.
import { describe, expect, it } from 'vitest';
import { newCustomerId } from '../../../shared/ids.js';
import { indexKeys, LIST_SHARDS, listShard, scoreIndexKeys } from '../../../shared/store/keys.js';

describe('list shards', () => {
  it('puts a customer in the same shard every time, one of the partitions listed', () => {
    const id = 'cus_01JD3Z8X9Q4W5E6R7T8Y9U0I1O';
    const entry = indexKeys.customerList('2026-11-23T20:00:00.000Z', id);
    expect(indexKeys.customerList('1997-01-01T00:00:00.000Z', id).listPk).toBe(entry.listPk);
    expect(indexKeys.customerListPks()).toContain(entry.listPk);
    expect(indexKeys.customerListPks()).toHaveLength(LIST_SHARDS);
    expect(entry.listSk).toBe(`2026-11-23T20:00:00.000Z#${id}`);
  });

  it('puts a customer in the same shard of every list, and lists name every shard of one list', () => {
    const id = 'cus_01JD3Z8X9Q4W5E6R7T8Y9U0I1O';
    const shard = listShard(id);
    expect(indexKeys.customerList('2026-11-23T20:00:00.000Z', id).listPk).toBe(`CUSTOMERS#${shard}`);
    expect(scoreIndexKeys.segment('champions', id)).toEqual({
      segmentPk: `SEGMENT#champions#${shard}`,
      segmentSk: id,
    });
    expect(scoreIndexKeys.lifecycle('at_risk', id)).toEqual({
      lifecyclePk: `LIFECYCLE#at_risk#${shard}`,
      lifecycleSk: id,
    });
    expect(scoreIndexKeys.tier('high', id)).toEqual({ tierPk: `TIER#high#${shard}`, tierSk: id });
    expect(scoreIndexKeys.segmentPks('champions')).toContain(`SEGMENT#champions#${shard}`);
    expect(new Set(scoreIndexKeys.tierPks('high')).size).toBe(LIST_SHARDS);
  });

  it('is FNV-1a of the id: fixed values that a change of the hash would break', () => {
    // FNV-1a 32-bit reference values: "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
    expect(listShard('')).toBe(0x811c9dc5 % LIST_SHARDS);
    expect(listShard('a')).toBe(0xe40c292c % LIST_SHARDS);
    expect(listShard('foobar')).toBe(0xbf9cf968 % LIST_SHARDS);
  });

  it('spreads customer ids created in the same millisecond evenly over the shards', () => {
    const counts = new Array<number>(LIST_SHARDS).fill(0);
    const now = Date.UTC(2026, 10, 23);
    for (let n = 0; n < 80_000; n++) {
      const shard = listShard(newCustomerId(now));
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    const expected = 80_000 / LIST_SHARDS;
    for (const count of counts) expect(Math.abs(count - expected) / expected).toBeLessThan(0.05);
  });
});
