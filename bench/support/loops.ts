// The two ways the API benchmark drives load, used alike by the load generator (HTTP, in its own
// process) and by the bare SDK loop, so both sides of a comparison are driven the same way.

export interface LoopResult {
  /** Milliseconds from each successful operation's start to its end. */
  latencies: number[];
  seconds: number;
  failures: Record<string, number>;
  /** Paced loops only: operations that started over 5 ms after their slot (every connection was busy). */
  late?: number;
}

async function run(operation: () => Promise<void>, result: LoopResult): Promise<void> {
  const began = performance.now();
  try {
    await operation();
    result.latencies.push(performance.now() - began);
  } catch (error) {
    const name = (error as Error).name || 'Error';
    result.failures[name] = (result.failures[name] ?? 0) + 1;
  }
}

/**
 * `connections` workers each run `operation` back to back until `durationMs` is over: a closed
 * loop like autocannon's connections. It measures throughput: once the machine is saturated, every
 * operation waits for the ones ahead of it, so latency is connections / throughput.
 */
export async function closedLoop(
  connections: number,
  durationMs: number,
  operation: (n: number) => Promise<void>,
): Promise<LoopResult> {
  const result: LoopResult = { latencies: [], seconds: 0, failures: {} };
  let n = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const index = n++;
        await run(() => operation(index), result);
      }
    }),
  );
  result.seconds = (performance.now() - start) / 1000;
  return result;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A fixed offered load: operation n is due at start + n / `rate` seconds, evenly spaced, and
 * starts then on one of `connections` workers (late if all of them are busy). Two systems offered
 * the same rate can be compared on latency: each request's own cost, plus what queueing that
 * rate causes on each.
 */
export async function pacedLoop(
  connections: number,
  rate: number,
  durationMs: number,
  operation: (n: number) => Promise<void>,
): Promise<LoopResult> {
  const result: LoopResult = { latencies: [], seconds: 0, failures: {}, late: 0 };
  let n = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (;;) {
        const index = n++;
        const due = start + (index * 1000) / rate;
        if (due >= deadline) return;
        const wait = due - performance.now();
        if (wait > 0) await sleep(Math.ceil(wait));
        else if (wait < -5) result.late = (result.late ?? 0) + 1;
        await run(() => operation(index), result);
      }
    }),
  );
  result.seconds = (performance.now() - start) / 1000;
  return result;
}
