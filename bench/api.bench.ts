// The API through the local stack (real HTTP, real JWTs, the handler chain, DynamoDB Local) next
// to its I/O floor: a bare SDK loop making the same DynamoDB calls (captured from one request of
// the handler, replayed with fresh ids) with as many requests in flight. The load generator
// (autocannon) runs in its own process; the local API and the bare loop run in this one, so the
// handler's SDK client and the bare one live in the same kind of process.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LocalStack } from '../infra/local/local-stack.js';
import { routeFor } from '../shared/app.js';
import { newCustomerId } from '../shared/ids.js';
import { captureCalls, closedLoop, type RecordedCall, replayer } from './support/dynamo-replay.js';
import type { LoadPlan, LoadResult } from './support/load.js';
import { customerBody, orderBody, type RequestKind } from './support/requests.js';
import { quantile } from './support/stats.js';
import type { BenchContext, Benchmark, Figure } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const CONNECTIONS = 50;
const SIZES = {
  full: { seconds: 10, singleSeconds: 5, pool: 500 },
  quick: { seconds: 2, singleSeconds: 1, pool: 60 },
};
const GOAL_ADDED_MS = 2;
const ORDERS_ROUTE = 'POST /customers/{id}/orders';

function runLoad(plan: LoadPlan): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'support', 'load.ts'), JSON.stringify(plan)],
      {
        cwd: join(here, '..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`the load generator exited with ${code}`));
      else resolve(JSON.parse(output) as LoadResult);
    });
  });
}

interface Scenario {
  label: string;
  kind: RequestKind;
  calls: RecordedCall[];
  /** Fresh values for the probe's tokens, for the n-th replay. */
  values(n: number): Map<string, string>;
  tokens: string[];
}

async function http(
  stack: LocalStack,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers = {},
) {
  return fetch(`${stack.urls.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function createCustomers(
  stack: LocalStack,
  token: string,
  count: number,
  unique: string,
): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 20) {
    const batch = Array.from({ length: Math.min(20, count - start) }, (_, index) => start + index);
    const created = await Promise.all(
      batch.map(async (n) => {
        const response = await http(stack, token, 'POST', '/customers', customerBody(`seed-${unique}-${n}`));
        if (response.status !== 201)
          throw new Error(`seeding answered ${response.status}: ${await response.text()}`);
        return ((await response.json()) as { id: string }).id;
      }),
    );
    ids.push(...created);
  }
  return ids;
}

/** Monotonic ISO times from now on: a replayed order is always the customer's latest. */
function laterTimes(): () => string {
  let last = 0;
  return () => {
    last = Math.max(Date.now(), last + 1);
    return new Date(last).toISOString();
  };
}

async function readScenario(stack: LocalStack, token: string, ids: string[]): Promise<Scenario> {
  const probeId = ids[0] as string;
  const { calls, requestId } = await captureCalls(stack, 'GET /customers/{id}', (headers) =>
    http(stack, token, 'GET', `/customers/${probeId}`, undefined, headers),
  );
  return {
    label: 'GET /customers/{id}',
    kind: 'get-customer',
    calls,
    tokens: [probeId, requestId],
    values: (n) =>
      new Map([
        [probeId, ids[n % ids.length] as string],
        [requestId, randomUUID()],
      ]),
  };
}

async function writeScenario(
  stack: LocalStack,
  token: string,
  ids: string[],
  unique: string,
): Promise<Scenario> {
  const time = laterTimes();
  if (routeFor(ORDERS_ROUTE)) {
    // The probe customer already has an order, so the probe's profile update only moves the last
    // order time, as the replays onto customers with orders do.
    const [probeCustomer] = await createCustomers(stack, token, 1, `probe-${unique}`);
    const first = await http(stack, token, 'POST', `/customers/${probeCustomer}/orders`, {
      ...orderBody(`probe-first-${unique}`, new Date(Date.now() - 3_600_000).toISOString()),
    });
    if (!first.ok) throw new Error(`the first probe order answered ${first.status}: ${await first.text()}`);
    const probeOrder = `probe-${unique}`;
    const probeTime = new Date(Date.now() - 60_000).toISOString();
    const { calls, requestId } = await captureCalls(stack, ORDERS_ROUTE, (headers) =>
      http(
        stack,
        token,
        'POST',
        `/customers/${probeCustomer}/orders`,
        orderBody(probeOrder, probeTime),
        headers,
      ),
    );
    return {
      label: ORDERS_ROUTE,
      kind: 'post-order',
      calls,
      tokens: [probeCustomer as string, probeOrder, probeTime, requestId],
      values: (n) =>
        new Map([
          [probeCustomer as string, ids[n % ids.length] as string],
          [probeOrder, `floor-${unique}-${n}`],
          [probeTime, time()],
          [requestId, randomUUID()],
        ]),
    };
  }
  const probeExternalId = `probe-${unique}`;
  const { calls, requestId, response } = await captureCalls(stack, 'POST /customers', (headers) =>
    http(stack, token, 'POST', '/customers', customerBody(probeExternalId), headers),
  );
  const probeCustomer = ((await response.json()) as { id: string }).id;
  return {
    label: 'POST /customers',
    kind: 'post-customer',
    calls,
    tokens: [probeCustomer, probeExternalId, requestId],
    values: (n) =>
      new Map([
        [probeCustomer, newCustomerId(Date.now())],
        [probeExternalId, `floor-${unique}-${n}`],
        [requestId, randomUUID()],
      ]),
  };
}

const fmt = (value: number) => value.toFixed(2);
const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

async function measure(
  context: BenchContext,
  size: (typeof SIZES)['full'],
  stack: LocalStack,
  token: string,
  ids: string[],
  scenario: Scenario,
  unique: string,
): Promise<Figure[]> {
  const client = new DynamoDBClient({ maxAttempts: 8 });
  const replay = replayer(scenario.calls, scenario.tokens);
  const unused = scenario.tokens.filter(
    (token) => !scenario.calls.some((call) => call.input.includes(token)),
  );
  const callNames = scenario.calls.map((call) => call.command.replace(/Command$/, '')).join(' → ');
  const figures: Figure[] = [];
  for (const connections of [CONNECTIONS, 1]) {
    const seconds = connections === 1 ? size.singleSeconds : size.seconds;
    context.log(
      `${scenario.label}: ${connections} connection(s), ${seconds} s through the API, then the bare loop…`,
    );
    // CPU time of this process (the local API with the handlers, then the bare loop): unlike
    // latency on a busy shared machine, it says what each request costs the stack itself.
    const apiCpu = process.cpuUsage();
    const api = await runLoad({
      url: stack.urls.api,
      token,
      kind: scenario.kind,
      ids,
      connections,
      durationSeconds: seconds,
      unique: `${unique}-${connections}`,
    });
    const apiCpuMs = cpuMs(process.cpuUsage(apiCpu)) / Math.max(1, api.latencies.length + api.non2xx);
    const bareCpu = process.cpuUsage();
    const bare = await closedLoop(connections, seconds * 1000, async (n) => {
      for (const command of replay(scenario.values(n + connections * 1_000_000))) await client.send(command);
    });
    const bareCpuMs = cpuMs(process.cpuUsage(bareCpu)) / Math.max(1, bare.latencies.length);
    const p = (samples: number[], q: number) => quantile(samples, q);
    const added = p(api.latencies, 0.5) - p(bare.latencies, 0.5);
    const failures = Object.entries(bare.failures).map(([name, count]) => `${count} ${name}`);
    const notes = [
      `adds ${fmt(added)} ms at p50`,
      `DynamoDB calls: ${callNames}`,
      api.non2xx || api.errors
        ? `API: ${api.non2xx} non-2xx, ${api.errors} errors (${JSON.stringify(api.statuses)})`
        : '',
      failures.length ? `bare loop failures: ${failures.join(', ')}` : '',
      unused.length ? `probe values not found in the calls (replayed unchanged): ${unused.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    const reference = (name: string, value: number, unit: string) => ({
      name: `bare SDK loop ${name}`,
      value,
      unit,
    });
    const at = `${connections} connection${connections === 1 ? '' : 's'}`;
    figures.push({
      name: `${scenario.label}: p50 at ${at}`,
      value: p(api.latencies, 0.5),
      unit: 'ms',
      reference: reference('p50', p(bare.latencies, 0.5), 'ms'),
      ...(connections === CONNECTIONS
        ? { goal: `adds < ${GOAL_ADDED_MS} ms`, met: added < GOAL_ADDED_MS }
        : {}),
      notes,
    });
    figures.push({
      name: `${scenario.label}: p99 at ${at}`,
      value: p(api.latencies, 0.99),
      unit: 'ms',
      reference: reference('p99', p(bare.latencies, 0.99), 'ms'),
    });
    figures.push({
      name: `${scenario.label}: throughput at ${at}`,
      value: api.latencies.length / api.seconds,
      unit: 'req/s',
      reference: reference('throughput', bare.latencies.length / bare.seconds, 'ops/s'),
    });
    figures.push({
      name: `${scenario.label}: CPU per request at ${at}`,
      value: apiCpuMs,
      unit: 'ms',
      reference: reference('CPU per op', bareCpuMs, 'ms'),
      notes: `adds ${fmt(apiCpuMs - bareCpuMs)} ms of CPU per request; this process only (DynamoDB Local and the load generator run in their own)`,
    });
  }
  client.destroy();
  return figures;
}

const benchmark: Benchmark = {
  title: `API on DynamoDB Local (${CONNECTIONS} connections, ${SIZES.full.seconds} s each)`,
  async run(context) {
    const size = context.quick ? SIZES.quick : SIZES.full;
    context.note(
      'The local API (its JWT check, the handler chain, the handlers from source) runs in the benchmark process; ' +
        'autocannon runs in a child process (latencies taken exactly from its response events: its own histogram ' +
        'rounds to whole ms). The floor replays the DynamoDB calls captured from one request of the handler, with ' +
        'fresh ids, through a bare SDK client in the benchmark process, as many in flight as there are connections.',
    );
    const stack = await context.stack();
    const token = await stack.auth.issue('admin');
    const unique = `${process.pid}x${Date.now().toString(36)}`;
    context.log(`creating ${size.pool} customers through the API…`);
    const ids = await createCustomers(stack, token, size.pool, unique);
    const read = await readScenario(stack, token, ids);
    const figures = await measure(context, size, stack, token, ids, read, unique);
    const write = await writeScenario(stack, token, ids, unique);
    if (write.kind !== 'post-order') {
      context.note(`${ORDERS_ROUTE} is not declared in shared/app.ts: POST /customers is measured instead`);
    }
    figures.push(...(await measure(context, size, stack, token, ids, write, unique)));
    return figures;
  },
};

export default benchmark;
