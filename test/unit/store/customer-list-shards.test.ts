// The customer list's shards (`indexKeys.customerList`): a customer's shard must never change (its
// index entry is written once, at creation, and found by listing every shard), and profiles must
// spread evenly, or one index partition would still take most order writes.
import { describe, expect, it } from 'vitest';
import { newCustomerId } from '../../../shared/ids.js';
import { CUSTOMER_LIST_SHARDS, customerListShard, indexKeys } from '../../../shared/store/keys.js';

describe('customer list shards', () => {
  it('puts a customer in the same shard every time, one of the partitions listed', () => {
    const id = 'cus_01JD3Z8X9Q4W5E6R7T8Y9U0I1O';
    const entry = indexKeys.customerList('2026-11-23T20:00:00.000Z', id);
    expect(indexKeys.customerList('1997-01-01T00:00:00.000Z', id).listPk).toBe(entry.listPk);
    expect(indexKeys.customerListPks()).toContain(entry.listPk);
    expect(indexKeys.customerListPks()).toHaveLength(CUSTOMER_LIST_SHARDS);
    expect(entry.listSk).toBe(`2026-11-23T20:00:00.000Z#${id}`);
  });

  it('is FNV-1a of the id: fixed values that a change of the hash would break', () => {
    // FNV-1a 32-bit reference values: "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
    expect(customerListShard('')).toBe(0x811c9dc5 % CUSTOMER_LIST_SHARDS);
    expect(customerListShard('a')).toBe(0xe40c292c % CUSTOMER_LIST_SHARDS);
    expect(customerListShard('foobar')).toBe(0xbf9cf968 % CUSTOMER_LIST_SHARDS);
  });

  it('spreads customer ids created in the same millisecond evenly over the shards', () => {
    const counts = new Array<number>(CUSTOMER_LIST_SHARDS).fill(0);
    const now = Date.UTC(2026, 10, 23);
    for (let n = 0; n < 80_000; n++) {
      const shard = customerListShard(newCustomerId(now));
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    const expected = 80_000 / CUSTOMER_LIST_SHARDS;
    for (const count of counts) expect(Math.abs(count - expected) / expected).toBeLessThan(0.05);
  });
});
