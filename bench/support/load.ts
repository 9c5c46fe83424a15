// The API load generator, run as its own process (`node --import tsx bench/support/load.ts <json>`)
// so it does not share an event loop with the local API it measures. Prints one JSON line: every
// 2xx latency (autocannon's own histogram rounds to whole milliseconds), counts and throughput.
import autocannon from 'autocannon';
import { type RequestKind, requestFor } from './requests.js';

export interface LoadPlan {
  url: string;
  token: string;
  kind: RequestKind;
  ids: string[];
  connections: number;
  durationSeconds: number;
  /** Makes order ids and external ids unique across runs. */
  unique: string;
}

export interface LoadResult {
  latencies: number[];
  seconds: number;
  non2xx: number;
  errors: number;
  statuses: Record<string, number>;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as LoadPlan;
let n = 0;
const latencies: number[] = [];
const statuses: Record<string, number> = {};
const instance = autocannon(
  {
    url: plan.url,
    connections: plan.connections,
    duration: plan.durationSeconds,
    headers: { authorization: `Bearer ${plan.token}`, 'content-type': 'application/json' },
    requests: [
      { setupRequest: (request) => ({ ...request, ...requestFor(plan.kind, n++, plan.ids, plan.unique) }) },
    ],
  },
  (error, result) => {
    if (error) {
      console.error(error);
      process.exit(1);
    }
    const output: LoadResult = {
      latencies,
      seconds: result.duration,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      statuses,
    };
    process.stdout.write(`${JSON.stringify(output)}\n`);
  },
);
instance.on('response', (_client, statusCode, _bytes, responseTime) => {
  statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
});
