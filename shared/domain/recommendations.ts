// "Customers who bought X also bought Y": co-purchase counts from the distinct SKUs each customer
// bought (the `skus` kept on every profile). Counting is mergeable, so the nightly job can count
// per shard and add the shards up; the result is kept as a small table (each SKU with its most
// co-purchased SKUs), from which a customer's suggestions are read. Pure.

/** Co-purchase counts: `counts[x][y]` customers bought both x and y (symmetric, no diagonal). */
export type PairCounts = Record<string, Record<string, number>>;

/** The stored table: each SKU with its most co-purchased SKUs, most first. */
export type CoPurchaseTable = Record<string, Array<{ sku: string; count: number }>>;

/** Each customer's SKUs beyond this many (first bought first) are ignored: pairs grow quadratically. */
export const MAX_SKUS_PER_CUSTOMER = 50;

/** Add one customer's distinct SKUs to the counts (in place); each pair counts once per customer. */
export function addCustomerSkus(counts: PairCounts, skus: readonly string[]): PairCounts {
  const distinct = [...new Set(skus)].slice(0, MAX_SKUS_PER_CUSTOMER);
  for (const x of distinct) {
    for (const y of distinct) {
      if (x === y) continue;
      const row = counts[x] ?? {};
      row[y] = (row[y] ?? 0) + 1;
      counts[x] = row;
    }
  }
  return counts;
}

/** Counts over many customers (one shard's part). */
export function pairCounts(customers: Iterable<readonly string[] | undefined>): PairCounts {
  const counts: PairCounts = {};
  for (const skus of customers) if (skus) addCustomerSkus(counts, skus);
  return counts;
}

/** The sum of shard counts: merging in any order or grouping gives the same counts. */
export function mergePairCounts(...parts: readonly PairCounts[]): PairCounts {
  const merged: PairCounts = {};
  for (const part of parts) {
    for (const [x, row] of Object.entries(part)) {
      const target = merged[x] ?? {};
      for (const [y, count] of Object.entries(row)) target[y] = (target[y] ?? 0) + count;
      merged[x] = target;
    }
  }
  return merged;
}

/** Most first; ties by SKU, so the order never depends on how the counts were merged. */
const byCountThenSku = (a: { sku: string; count: number }, b: { sku: string; count: number }) =>
  b.count - a.count || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0);

/** The table to store: for each SKU its `perSku` most co-purchased SKUs (pairs bought by at least `minCount` customers). */
export function coPurchaseTable(counts: PairCounts, perSku = 10, minCount = 1): CoPurchaseTable {
  const table: CoPurchaseTable = {};
  for (const [x, row] of Object.entries(counts)) {
    const top = Object.entries(row)
      .filter(([, count]) => count >= minCount)
      .map(([sku, count]) => ({ sku, count }))
      .sort(byCountThenSku)
      .slice(0, perSku);
    if (top.length > 0) table[x] = top;
  }
  return table;
}

/**
 * Suggestions for a customer: SKUs co-purchased with the ones they bought, scored by the sum of
 * co-purchase counts over their SKUs, never one they already bought; at most `limit`.
 */
export function suggestionsFor(owned: readonly string[], table: CoPurchaseTable, limit = 3): string[] {
  const ownedSet = new Set(owned);
  const scores = new Map<string, number>();
  for (const sku of ownedSet) {
    for (const { sku: other, count } of table[sku] ?? []) {
      if (!ownedSet.has(other)) scores.set(other, (scores.get(other) ?? 0) + count);
    }
  }
  return [...scores]
    .map(([sku, count]) => ({ sku, count }))
    .sort(byCountThenSku)
    .slice(0, limit)
    .map(({ sku }) => sku);
}
