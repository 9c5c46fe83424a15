// The API load generator, run as its own process (`node --import tsx bench/support/load.ts <json>`)
// so it does not share an event loop with the local API it measures. Prints one JSON line: every
// 2xx latency, counts and throughput. Without a rate, autocannon drives a closed loop (latencies
// taken from its response events: its own histogram rounds to whole milliseconds); with a rate,
// the same paced loop as the bare SDK loop's sends requests over keep-alive connections, one slice
// per line on stdin (see `paced`).
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { pacedLoop } from './loops.js';
import { type RequestKind, requestFor } from './requests.js';

export interface LoadPlan {
  url: string;
  token: string;
  kind: RequestKind;
  ids: string[];
  connections: number;
  /** Closed loop only: how long it runs (paced slices say their own). */
  durationSeconds: number;
  /** Requests a second, evenly spaced (see `pacedLoop`); none: a closed loop. */
  rate?: number;
  /** Makes order ids and external ids unique across runs. */
  unique: string;
}

export interface LoadResult {
  latencies: number[];
  seconds: number;
  non2xx: number;
  errors: number;
  statuses: Record<string, number>;
  /** Paced only: requests that started over 5 ms after their slot. */
  late?: number;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as LoadPlan;
const headers = { authorization: `Bearer ${plan.token}`, 'content-type': 'application/json' };
const statuses: Record<string, number> = {};
const print = (output: LoadResult) => process.stdout.write(`${JSON.stringify(output)}\n`);

function closed(): void {
  let n = 0;
  const latencies: number[] = [];
  const instance = autocannon(
    {
      url: plan.url,
      connections: plan.connections,
      duration: plan.durationSeconds,
      headers,
      requests: [
        { setupRequest: (req) => ({ ...req, ...requestFor(plan.kind, n++, plan.ids, plan.unique) }) },
      ],
    },
    (error, result) => {
      if (error) {
        console.error(error);
        process.exit(1);
      }
      print({
        latencies,
        seconds: result.duration,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
        statuses,
      });
    },
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
}

class Non2xx extends Error {
  override name = 'Non2xx';
}

/**
 * Paced slices on demand: after the plan, every line on stdin (`{"seconds":1,"offset":n}`) runs one
 * slice of `pacedLoop` on the same keep-alive connections (request numbers from `offset`, so ids
 * stay unique) and answers with one JSON line; the process ends with its stdin. One process for
 * every slice, so the benchmark can alternate short slices with the bare loop's.
 */
async function paced(rate: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: plan.connections });
  const send = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const { method, path, body } = requestFor(plan.kind, n, plan.ids, plan.unique);
      const req = request(new URL(path, plan.url), { method, headers, agent }, (response) => {
        const status = response.statusCode ?? 0;
        statuses[status] = (statuses[status] ?? 0) + 1;
        response.on('end', () => (status >= 200 && status < 300 ? resolve() : reject(new Non2xx())));
        response.on('error', reject);
        response.resume();
      });
      req.on('error', reject);
      req.end(body);
    });
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    const slice = JSON.parse(line) as { seconds: number; offset: number };
    for (const key of Object.keys(statuses)) delete statuses[key];
    const result = await pacedLoop(plan.connections, rate, slice.seconds * 1000, (n) =>
      send(slice.offset + n),
    );
    const non2xx = result.failures.Non2xx ?? 0;
    const errors = Object.values(result.failures).reduce((sum, count) => sum + count, 0) - non2xx;
    print({
      latencies: result.latencies,
      seconds: result.seconds,
      non2xx,
      errors,
      statuses,
      late: result.late,
    });
  }
  agent.destroy();
}

if (plan.rate) await paced(plan.rate);
else closed();
