import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../shared/concurrency.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mapLimit', () => {
  it('returns every result in the order of the items, whatever order they finish in', async () => {
    const results = await mapLimit([30, 5, 20, 1, 10], 3, async (ms, index) => {
      await tick(ms);
      return `${index}:${ms}`;
    });
    expect(results).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10']);
  });

  it('never has more than `limit` calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    await mapLimit(
      Array.from({ length: 20 }, (_, i) => i),
      4,
      async () => {
        most = Math.max(most, ++inFlight);
        await tick(2);
        inFlight--;
      },
    );
    expect(most).toBe(4);
  });

  it('starts nothing after a failure, lets the calls in flight finish, then throws the first failure', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = mapLimit([0, 1, 2, 3, 4, 5], 2, async (item) => {
      started.push(item);
      if (item === 1) throw new Error('item 1 failed');
      await tick(10);
      finished.push(item);
    });
    await expect(run).rejects.toThrow('item 1 failed');
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([0]);
  });

  it('handles an empty list', async () => {
    expect(await mapLimit([], 8, async () => 1)).toEqual([]);
  });
});
