// The API through the local stack (real HTTP, real JWTs, the handler chain, DynamoDB Local) next
// to its I/O floor: a bare SDK loop making the same DynamoDB calls (captured from one request of
// the handler, replayed with fresh ids) with as many requests in flight. The load generator
// (autocannon) runs in its own process; the local API and the bare loop run in this one, so the
// handler's SDK client and the bare one live in the same kind of process.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LocalStack } from '../infra/local/local-stack.js';
import { routeFor } from '../shared/app.js';
import { newCustomerId } from '../shared/ids.js';
import { captureCalls, type RecordedCall, replayer } from './support/dynamo-replay.js';
import { closedLoop, pacedLoop } from './support/loops.js';
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

/**
 * A load generator kept running for paced slices (see `paced` in support/load.ts): `slice` runs
 * one and resolves with its result; `close` ends the process.
 */
function pacedLoad(plan: LoadPlan) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'support', 'load.ts'), JSON.stringify(plan)],
    { cwd: join(here, '..'), stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const waiting: Array<{ resolve: (result: LoadResult) => void; reject: (error: Error) => void }> = [];
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(JSON.parse(line)));
  child.on('exit', (code) => {
    for (const { reject } of waiting.splice(0)) reject(new Error(`the load generator exited with ${code}`));
  });
  return {
    slice: (seconds: number, offset: number) =>
      new Promise<LoadResult>((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(`${JSON.stringify({ seconds, offset })}\n`);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
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
/** The offered load of the latency comparison, as a share of the lower saturated throughput. */
const OFFERED_SHARE = 0.5;

/** Seconds per slice of the paced comparison. */
const SLICE_SECONDS = 1;

const emptyLoad = (): LoadResult => ({
  latencies: [],
  seconds: 0,
  non2xx: 0,
  errors: 0,
  statuses: {},
  late: 0,
});

const apiProblems = (api: LoadResult) =>
  api.non2xx || api.errors
    ? `API: ${api.non2xx} non-2xx, ${api.errors} errors (${JSON.stringify(api.statuses)})`
    : '';

interface Side {
  latencies: number[];
  seconds: number;
  /** CPU time of this process per request (the local API with the handlers, or the bare loop). */
  cpuMs: number;
  late?: number;
  problems: string;
}

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
  let runs = 0;
  // CPU time of this process (the local API with the handlers, or the bare loop): unlike latency
  // on a busy shared machine, it says what each request costs the stack itself.
  const throughApi = async (connections: number, seconds: number): Promise<Side> => {
    const cpu = process.cpuUsage();
    const api = await runLoad({
      url: stack.urls.api,
      token,
      kind: scenario.kind,
      ids,
      connections,
      durationSeconds: seconds,
      unique: `${unique}-${runs++}`,
    });
    const cpuMsPerRequest = cpuMs(process.cpuUsage(cpu)) / Math.max(1, api.latencies.length + api.non2xx);
    return { ...api, cpuMs: cpuMsPerRequest, problems: apiProblems(api) };
  };
  const bareLoop = async (connections: number, seconds: number, rate?: number): Promise<Side> => {
    const cpu = process.cpuUsage();
    const offset = 1_000_000 * ++runs;
    const operation = async (n: number) => {
      for (const command of replay(scenario.values(n + offset))) await client.send(command);
    };
    const bare = rate
      ? await pacedLoop(connections, rate, seconds * 1000, operation)
      : await closedLoop(connections, seconds * 1000, operation);
    const failures = Object.entries(bare.failures).map(([name, count]) => `${count} ${name}`);
    return {
      ...bare,
      cpuMs: cpuMs(process.cpuUsage(cpu)) / Math.max(1, bare.latencies.length),
      problems: failures.length ? `bare loop failures: ${failures.join(', ')}` : '',
    };
  };
  // The same offered load on both sides, in alternating slices (bare, API, API, bare, …) of one
  // load generator process, so a machine that speeds up or slows down during the run weighs on
  // both sides alike.
  const pacedPair = async (rate: number): Promise<{ api: Side; bare: Side }> => {
    const load = pacedLoad({
      url: stack.urls.api,
      token,
      kind: scenario.kind,
      ids,
      connections: CONNECTIONS,
      durationSeconds: SLICE_SECONDS,
      rate,
      unique: `${unique}-${runs++}`,
    });
    const api = { ...emptyLoad(), cpu: 0 };
    const bare: Side[] = [];
    const apiSlice = async (k: number) => {
      const cpu = process.cpuUsage();
      const slice = await load.slice(SLICE_SECONDS, 1_000_000 * k);
      api.cpu += cpuMs(process.cpuUsage(cpu));
      api.latencies.push(...slice.latencies);
      api.seconds += slice.seconds;
      api.late = (api.late ?? 0) + (slice.late ?? 0);
      api.non2xx += slice.non2xx;
      api.errors += slice.errors;
      for (const [status, count] of Object.entries(slice.statuses))
        api.statuses[status] = (api.statuses[status] ?? 0) + count;
    };
    const bareSlice = async () => {
      bare.push(await bareLoop(CONNECTIONS, SLICE_SECONDS, rate));
    };
    await apiSlice(0); // warms the load generator up (its start compiles TypeScript); not counted
    Object.assign(api, { ...emptyLoad(), cpu: 0 });
    const slices = Math.max(2, Math.round(size.seconds / SLICE_SECONDS));
    for (let k = 1; k <= slices; k++) {
      if (k % 2 === 1) {
        await bareSlice();
        await apiSlice(k);
      } else {
        await apiSlice(k);
        await bareSlice();
      }
    }
    await load.close();
    const served = bare.reduce((sum, side) => sum + side.latencies.length, 0);
    return {
      api: {
        ...api,
        cpuMs: api.cpu / Math.max(1, api.latencies.length + api.non2xx),
        problems: apiProblems(api),
      },
      bare: {
        latencies: bare.flatMap((side) => side.latencies),
        seconds: bare.reduce((sum, side) => sum + side.seconds, 0),
        cpuMs: bare.reduce((sum, side) => sum + side.cpuMs * side.latencies.length, 0) / Math.max(1, served),
        late: bare.reduce((sum, side) => sum + (side.late ?? 0), 0),
        problems: bare
          .map((side) => side.problems)
          .filter(Boolean)
          .join('; '),
      },
    };
  };
  const p = (side: Side, q: number) => quantile(side.latencies, q);
  const throughput = (side: Side) => side.latencies.length / side.seconds;
  const bareReference = (name: string, value: number, unit: string) => ({
    name: `bare SDK loop ${name}`,
    value,
    unit,
  });
  const notesOf = (api: Side, bare: Side, extra: string[] = []) =>
    [
      `adds ${fmt(p(api, 0.5) - p(bare, 0.5))} ms at p50`,
      `DynamoDB calls: ${callNames}`,
      ...extra,
      api.problems,
      bare.problems,
      unused.length ? `probe values not found in the calls (replayed unchanged): ${unused.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
  const latencyFigures = (
    at: string,
    api: Side,
    bare: Side,
    goal: boolean,
    extra: string[] = [],
  ): Figure[] => [
    {
      name: `${scenario.label}: p50 at ${at}`,
      value: p(api, 0.5),
      unit: 'ms',
      reference: bareReference('p50', p(bare, 0.5), 'ms'),
      ...(goal
        ? { goal: `adds < ${GOAL_ADDED_MS} ms`, met: p(api, 0.5) - p(bare, 0.5) < GOAL_ADDED_MS }
        : {}),
      notes: notesOf(api, bare, extra),
    },
    {
      name: `${scenario.label}: p99 at ${at}`,
      value: p(api, 0.99),
      unit: 'ms',
      reference: bareReference('p99', p(bare, 0.99), 'ms'),
    },
  ];
  const costFigures = (at: string, api: Side, bare: Side): Figure[] => [
    {
      name: `${scenario.label}: throughput at ${at}`,
      value: throughput(api),
      unit: 'req/s',
      reference: bareReference('throughput', throughput(bare), 'ops/s'),
    },
    {
      name: `${scenario.label}: CPU per request at ${at}`,
      value: api.cpuMs,
      unit: 'ms',
      reference: bareReference('CPU per op', bare.cpuMs, 'ms'),
      notes: `adds ${fmt(api.cpuMs - bare.cpuMs)} ms of CPU per request; this process only (DynamoDB Local and the load generator run in their own)`,
    },
  ];

  // 50 connections, saturated: each side as fast as it goes (closed loops), for throughput.
  const many = `${CONNECTIONS} connections`;
  context.log(`${scenario.label}: ${many}, ${size.seconds} s saturated through the API, then the bare loop…`);
  const apiSaturated = await throughApi(CONNECTIONS, size.seconds);
  const bareSaturated = await bareLoop(CONNECTIONS, size.seconds);
  // 50 connections, the same offered load on both sides (half the lower saturated throughput), for
  // latency: saturated, p50 is just connections / throughput, so any CPU the stack spends on this
  // 2-core machine (shared with DynamoDB Local and the load generator) shows up as queueing.
  const rate = Math.max(
    1,
    Math.floor(OFFERED_SHARE * Math.min(throughput(apiSaturated), throughput(bareSaturated))),
  );
  context.log(
    `${scenario.label}: ${many}, ${rate} req/s offered to the bare loop and through the API, alternating ${SLICE_SECONDS} s slices…`,
  );
  const { api: apiPaced, bare: barePaced } = await pacedPair(rate);
  const late = (side: Side) => `${side.late ?? 0} of ${side.latencies.length}`;
  const figures = [
    ...latencyFigures(`${many}, ${rate} req/s offered`, apiPaced, barePaced, true, [
      `${rate} req/s is ${OFFERED_SHARE * 100}% of the lower saturated throughput, offered evenly spaced to both sides in alternating ${SLICE_SECONDS} s slices`,
      `requests started over 5 ms late (every connection busy): API ${late(apiPaced)}, bare ${late(barePaced)}`,
    ]),
    ...latencyFigures(`${many}, saturated`, apiSaturated, bareSaturated, false, [
      'closed loops: p50 is connections / throughput',
    ]),
    ...costFigures(many, apiSaturated, bareSaturated),
  ];

  // 1 connection: one request at a time, nothing queues.
  context.log(
    `${scenario.label}: 1 connection, ${size.singleSeconds} s through the API, then the bare loop…`,
  );
  const apiSingle = await throughApi(1, size.singleSeconds);
  const bareSingle = await bareLoop(1, size.singleSeconds);
  figures.push(
    ...latencyFigures('1 connection', apiSingle, bareSingle, false),
    ...costFigures('1 connection', apiSingle, bareSingle),
  );
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
        'fresh ids, through a bare SDK client in the benchmark process, as many in flight as there are connections. ' +
        `At ${CONNECTIONS} connections each side runs twice: saturated (closed loops, for throughput), then offered the ` +
        `same evenly spaced load, ${OFFERED_SHARE * 100}% of the lower saturated throughput, in alternating ${SLICE_SECONDS} s slices, for latency: the goal is ` +
        'judged there, since at saturation p50 is connections / throughput and measures CPU left on a 2-core ' +
        'machine shared with DynamoDB Local and the load generator, not what a request costs.',
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
