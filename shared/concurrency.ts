// Bounded concurrency for work over a known list (DynamoDB batches, HTTP calls, transactions).

/**
 * Runs `work` over `items` with at most `limit` calls in flight and returns the results in the
 * items' order. After the first failure no further item is started; once the calls already in
 * flight have settled, that first failure is thrown (so no work outlives the returned promise).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        if (!failed) [failed, failure] = [true, error];
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw failure;
  return results;
}
