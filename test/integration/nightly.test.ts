// The nightly analytics pipeline end to end on a real local stack of this file's own
// (private-stack.ts: DynamoDB Local, the local bus with its retries, the real handlers in this
// process), so that no other test file's customers fall into the population and no other run
// rescores these customers: the job fans out to shard workers over the bus, they Scan DynamoDB
// Local, the coordinator fans in, fits and completes; results are read back over HTTP.
//
// Expected values are worked out by hand (lifecycle stages, tiers) or by a naive reference written
// here (RFM quintiles: sort and rank), never read from the code under test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../shared/auth/roles.js';
import { ENV } from '../../shared/config.js';
import { type PrivateStack, startPrivateStack } from './private-stack.js';

let local: PrivateStack;

/** An HTTP call to the private stack's API; `role: null` sends no token. */
async function api(method: string, path: string, options: { body?: unknown; role?: Role | null } = {}) {
  const role = options.role === undefined ? 'admin' : options.role;
  const headers: Record<string, string> = role ? { authorization: `Bearer ${await local.token(role)}` } : {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${local.stack.urls.api}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const runJob = (job: string, input: Record<string, unknown>) => local.stack.runJob(job, input);
interface LifecycleDetail {
  customerId: string;
  from: string;
  to: string;
  asOf: string;
}
const busEvents = async () => ({
  events: local.stack.bus.events as unknown as Array<{
    'detail-type': string;
    detail: LifecycleDetail & Record<string, unknown>;
  }>,
  deadLetters: local.stack.bus.deadLetters,
});
let serial = 0;
const unique = (prefix: string) => `${prefix}${process.pid}x${serial++}`;

const AS_OF_1 = '1985-06-30';
const AS_OF_2 = '1985-07-31';

/** Days before a date, as `YYYY-MM-DD`. */
function daysBefore(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

interface Seed {
  name: string;
  /** Purchase days (YYYY-MM-DD) with the amount of each order; a day listed twice has two orders. */
  orders: Array<{ day: string; amount: number }>;
  gender?: 'female' | 'male';
  birthDate?: string;
  region?: string;
}

/** `count` orders every `spacing` days, the last `recency` days before AS_OF_1, `monetary` split evenly. */
function history(recency: number, count: number, spacing: number, monetary: number) {
  return Array.from({ length: count }, (_, i) => ({
    day: daysBefore(AS_OF_1, recency + i * spacing),
    amount: Math.round((monetary / count) * 100) / 100,
  }));
}

// Ranks (10 = best) chosen so the ten customers land in different RFM cells; recency in days,
// frequency in orders, monetary in money. c2 places two orders on its last day: 10 orders on 9
// purchase days.
const SEEDS: Seed[] = [
  {
    name: 'c1',
    orders: history(20, 1, 30, 100),
    gender: 'female',
    birthDate: '1960-03-01',
    region: 'Shanghai',
  },
  {
    name: 'c2',
    orders: [...history(35, 9, 30, 450), { day: daysBefore(AS_OF_1, 35), amount: 50 }],
    gender: 'female',
    birthDate: '1950-01-01',
    region: 'Shanghai',
  },
  { name: 'c3', orders: history(50, 8, 30, 450), gender: 'male', region: 'Beijing' },
  { name: 'c4', orders: history(65, 2, 60, 50), gender: 'male', region: 'Beijing' },
  { name: 'c5', orders: history(80, 6, 50, 250), gender: 'female' },
  { name: 'c6', orders: history(95, 3, 30, 200), gender: 'male' },
  { name: 'c7', orders: history(110, 9, 30, 400) },
  { name: 'c8', orders: history(125, 7, 30, 300) },
  { name: 'c9', orders: history(140, 4, 30, 150) },
  { name: 'c10', orders: history(200, 5, 30, 350) },
];

// ---------------------------------------------------------------------------------------------
// Naive reference for the RFM scores: rank, mid-rank percentile, count the quintile boundaries.

/** The 11-segment grid typed out by hand: GRID[r - 1][fm - 1]. */
const GRID = [
  ['lost', 'lost', 'at_risk', 'at_risk', 'cannot_lose_them'],
  ['hibernating', 'hibernating', 'at_risk', 'at_risk', 'cannot_lose_them'],
  ['about_to_sleep', 'about_to_sleep', 'need_attention', 'loyal', 'loyal'],
  ['promising', 'potential_loyalist', 'potential_loyalist', 'loyal', 'loyal'],
  ['new_customers', 'potential_loyalist', 'potential_loyalist', 'champions', 'champions'],
];

function quintile(value: number, population: number[], higherIsBetter: boolean): number {
  const below = population.filter((v) => v < value).length;
  const equal = population.filter((v) => v === value).length;
  const percentile = (below + equal / 2) / population.length;
  const band = [0.2, 0.4, 0.6, 0.8].filter((boundary) => percentile >= boundary - 1e-12).length;
  return higherIsBetter ? band + 1 : 5 - band;
}

interface Facts {
  recency: number;
  frequency: number;
  monetary: number;
}

function factsOn(seed: Seed, asOf: string, extra: Seed['orders'] = []): Facts {
  const orders = [...seed.orders, ...extra].filter((order) => order.day <= asOf);
  const last = orders
    .map((order) => order.day)
    .sort()
    .at(-1) as string;
  return {
    recency: (Date.parse(asOf) - Date.parse(last)) / 86_400_000,
    frequency: orders.length,
    monetary: Math.round(orders.reduce((sum, order) => sum + order.amount, 0) * 100) / 100,
  };
}

function referenceRfm(facts: Facts[]) {
  return facts.map((f) => {
    const r = quintile(
      f.recency,
      facts.map((x) => x.recency),
      false,
    );
    const fScore = quintile(
      f.frequency,
      facts.map((x) => x.frequency),
      true,
    );
    const m = quintile(
      f.monetary,
      facts.map((x) => x.monetary),
      true,
    );
    const fm = Math.floor((fScore + m + 1) / 2);
    return { r, f: fScore, m, segment: GRID[r - 1]?.[fm - 1] };
  });
}

// ---------------------------------------------------------------------------------------------

const ids = new Map<string, string>();

async function createCustomer(seed: Seed): Promise<string> {
  const created = await api('POST', '/customers', {
    body: {
      externalId: unique(`nightly-${seed.name}-`),
      ...(seed.gender ? { gender: seed.gender } : {}),
      ...(seed.birthDate ? { birthDate: seed.birthDate } : {}),
      ...(seed.region ? { address: { region: seed.region, country: 'CN' } } : {}),
    },
  });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

/** Records orders through the orders API (a date is a business-local day). */
async function recordOrders(customerId: string, orders: Seed['orders']): Promise<void> {
  for (const order of orders) {
    const posted = await api('POST', `/customers/${customerId}/orders`, {
      role: 'ingest',
      body: { orderId: unique('order-'), orderedAt: order.day, amount: order.amount, currency: 'USD' },
    });
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
  }
}

/** A BatchWriteItem of scores items (the nightly run's score writes). */
const isScoresPut = (input: unknown) => {
  const text = JSON.stringify(input);
  return text.includes('"PutRequest"') && text.includes('PROFILE#SCORES');
};

async function scoresOf(name: string) {
  const response = await api('GET', `/customers/${ids.get(name)}`, { role: 'marketer' });
  expect(response.status).toBe(200);
  return response.body.scores;
}

async function analyticsDeadLetters() {
  const { deadLetters } = (await busEvents()) as {
    deadLetters: Array<{ functionName: string; error: string }>;
  };
  return deadLetters
    .filter((letter) => letter.functionName.startsWith('analytics-'))
    .map((letter) => letter.error);
}

async function lifecycleEventsSince(count: number) {
  const { events } = await busEvents();
  const mine = new Set(ids.values());
  return events
    .slice(count)
    .filter(
      (event) => event['detail-type'] === 'customer.lifecycle.changed' && mine.has(event.detail.customerId),
    );
}

beforeAll(async () => {
  local = await startPrivateStack('nightly');
}, 180_000);

afterAll(async () => {
  await local?.stop();
});

describe('the nightly job', () => {
  let eventsBefore = 0;

  beforeAll(async () => {
    for (const seed of SEEDS) {
      const id = await createCustomer(seed);
      ids.set(seed.name, id);
      await recordOrders(id, seed.orders);
    }
  });

  it('scores every customer of the population with RFM quintiles and the segment map', async () => {
    eventsBefore = (await busEvents()).events.length;
    const run = await runJob('nightly', { asOf: AS_OF_1 });
    expect(run.result).toMatchObject({ asOf: AS_OF_1, shards: 4 });
    expect(run.events.filter((type) => type === 'analytics.shard.requested')).toHaveLength(8);
    expect(run.events.filter((type) => type === 'analytics.shard.completed')).toHaveLength(8);
    expect(run.events.filter((type) => type === 'analytics.run.completed')).toHaveLength(1);
    expect(await analyticsDeadLetters()).toEqual([]);
    // Phase 2 scored from the pages phase 1 kept in the bucket; the completed run removed them.
    const { s3 } = await import('../../shared/clients/s3.js');
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const { SNAPSHOT_PREFIX } = await import('../../shared/store/bucket-prefixes.js');
    const left = await s3().send(
      new ListObjectsV2Command({ Bucket: local.stack.env[ENV.bucketName], Prefix: SNAPSHOT_PREFIX }),
    );
    expect(left.KeyCount ?? 0).toBe(0);

    const expected = referenceRfm(SEEDS.map((seed) => factsOn(seed, AS_OF_1)));
    // By hand, for the table above: c2 champions, c3 loyal, c5 need_attention, c7 cannot_lose_them…
    expect(expected.map((e) => e.segment)).toEqual([
      'new_customers',
      'champions',
      'loyal',
      'promising',
      'need_attention',
      'about_to_sleep',
      'cannot_lose_them',
      'at_risk',
      'lost',
      'at_risk',
    ]);
    for (const [i, seed] of SEEDS.entries()) {
      const scores = await scoresOf(seed.name);
      expect(scores.asOf, seed.name).toBe(AS_OF_1);
      expect(scores.rfm, seed.name).toEqual(expected[i]);
    }
  });

  it('places customers in lifecycle stages by their own order rhythm', async () => {
    // By hand: c1 one order 20 days ago → new; c2 ordered every ~27 days, last 35 days ago → loyal;
    // c4 orders 60 days apart, last 65 days ago → active (at risk after 120); c6 every 30 days, last
    // 95 days ago → at risk after 60; c10 last ordered 200 days ago → churned (> 180).
    const stages = Object.fromEntries(
      await Promise.all(SEEDS.map(async (seed) => [seed.name, (await scoresOf(seed.name)).lifecycle.stage])),
    );
    expect(stages).toEqual({
      c1: 'new',
      c2: 'loyal',
      c3: 'loyal',
      c4: 'active',
      c5: 'loyal',
      c6: 'at_risk',
      c7: 'at_risk',
      c8: 'at_risk',
      c9: 'at_risk',
      c10: 'churned',
    });
    // A first placement is no change: nothing is announced.
    expect(await lifecycleEventsSince(eventsBefore)).toEqual([]);
  });

  it('gives value tiers, membership levels, and marked fallbacks when the population is too small for the models', async () => {
    const model = await api('GET', `/analytics/model?asOf=${AS_OF_1}`, { role: 'marketer' });
    expect(model.status).toBe(200);
    expect(model.body).toMatchObject({
      asOf: AS_OF_1,
      timeUnit: 'week',
      customers: 10,
      buyers: 10,
      bgNbd: null,
    });
    expect(model.body.fallbackReasons.bgNbd).toMatch(/fewer than 20 buyers/);

    // By hand: spend 500 (c2) and 450 (c3) are the top 20 % → high; c8, c10, c7 the next 30 % → medium.
    const c2 = await scoresOf('c2');
    expect(c2.tier).toBe('high');
    expect((await scoresOf('c7')).tier).toBe('medium');
    expect((await scoresOf('c4')).tier).toBe('low');
    // Default levels: green for any buyer, gold from 500 in the trailing 365 days: c2 spent 500.
    expect(c2.membership).toBe('gold');
    expect((await scoresOf('c3')).membership).toBe('green');
    expect(c2.churn.method).toBe('fallback');
    expect(c2.value.method).toBe('fallback');
    expect(c2.churn.pAlive).toBeGreaterThanOrEqual(0);
    expect(c2.churn.pAlive).toBeLessThanOrEqual(1);
    expect(c2.value.clv12).toBeGreaterThan(0);
  });

  it('announces each real lifecycle change once, with its date, and a re-run announces nothing', async () => {
    const before = (await busEvents()).events.length;
    // c10 comes back on 1985-07-20: churned → reactivated.
    const comeback = [{ day: '1985-07-20', amount: 80 }];
    await recordOrders(ids.get('c10') as string, comeback);
    const run = await runJob('nightly', { asOf: AS_OF_2 });
    expect(run.events.filter((type) => type === 'analytics.run.completed')).toHaveLength(1);

    // By hand, 31 days later: c1's single order is 51 days old (new → active); c2 (threshold 53 days)
    // last ordered 66 days ago, c3 (60) 81 days ago, c5 (100) 111 days ago → at risk.
    const changes = (await lifecycleEventsSince(before)).map((event) => event.detail);
    const byName = new Map([...ids].map(([name, id]) => [id, name]));
    expect(
      changes
        .map((change) => `${byName.get(change.customerId)}:${change.from}→${change.to}@${change.asOf}`)
        .sort(),
    ).toEqual(
      [
        'c1:new→active@1985-07-31',
        'c10:churned→reactivated@1985-07-31',
        'c2:loyal→at_risk@1985-07-31',
        'c3:loyal→at_risk@1985-07-31',
        'c5:loyal→at_risk@1985-07-31',
      ].sort(),
    );
    expect((await scoresOf('c10')).lifecycle).toEqual({ stage: 'reactivated', since: AS_OF_2 });
    expect((await scoresOf('c4')).lifecycle).toEqual({ stage: 'active', since: AS_OF_1 });

    // The scores follow the new population (naive reference again).
    const expected = referenceRfm(
      SEEDS.map((seed) => factsOn(seed, AS_OF_2, seed.name === 'c10' ? comeback : [])),
    );
    for (const [i, seed] of SEEDS.entries())
      expect((await scoresOf(seed.name)).rfm, seed.name).toEqual(expected[i]);

    // The same night again: same result, nothing written, nothing announced.
    const again = (await busEvents()).events.length;
    const rerun = await runJob('nightly', { asOf: AS_OF_2 });
    expect(rerun.events.filter((type) => type === 'analytics.run.completed')).toHaveLength(0);
    expect(await lifecycleEventsSince(again)).toEqual([]);
    for (const [i, seed] of SEEDS.entries())
      expect((await scoresOf(seed.name)).rfm, seed.name).toEqual(expected[i]);
  });

  it('lists members of a segment, stage or tier from their indexes', async () => {
    const expected = referenceRfm(
      SEEDS.map((seed) =>
        factsOn(seed, AS_OF_2, seed.name === 'c10' ? [{ day: '1985-07-20', amount: 80 }] : []),
      ),
    );
    const champions = SEEDS.filter((_, i) => expected[i]?.segment === 'champions').map((seed) =>
      ids.get(seed.name),
    );
    const listed = await api('GET', '/customers?segment=champions&limit=100', { role: 'marketer' });
    expect(listed.status).toBe(200);
    const mine = new Set(ids.values());
    expect(
      listed.body.items
        .map((item: { id: string }) => item.id)
        .filter((id: string) => mine.has(id))
        .sort(),
    ).toEqual(champions.sort());
    expect(listed.body.items[0].scores.rfm.segment).toBe('champions');

    const atRisk = await api('GET', '/customers?lifecycle=at_risk&limit=100', { role: 'marketer' });
    const atRiskMine = atRisk.body.items
      .map((item: { id: string }) => item.id)
      .filter((id: string) => mine.has(id));
    // c2, c3, c5 became at risk; c6–c9 stayed.
    expect(atRiskMine.sort()).toEqual(
      ['c2', 'c3', 'c5', 'c6', 'c7', 'c8', 'c9'].map((name) => ids.get(name)).sort(),
    );

    // The stage's entries are spread over the index's shards: paged two at a time, every member
    // comes once, in customer id order across the shards, as in the one page above.
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api(
        'GET',
        `/customers?lifecycle=at_risk&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        {
          role: 'marketer',
        },
      );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.body.items.map((item: { id: string }) => item.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(atRisk.body.items.map((item: { id: string }) => item.id));
    expect(paged).toEqual([...paged].sort());

    const combined = await api('GET', '/customers?lifecycle=at_risk&tier=high&limit=100', {
      role: 'marketer',
    });
    for (const item of combined.body.items) {
      expect(item.scores.lifecycle.stage).toBe('at_risk');
      expect(item.scores.tier).toBe('high');
    }

    const bad = await api('GET', '/customers?lifecycle=sleepy&segment=Champions!', { role: 'marketer' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      'query.lifecycle',
      'query.segment',
    ]);
  });

  it('profiles each segment for marketers, with its trend over the runs', async () => {
    const response = await api('GET', `/segments?asOf=${AS_OF_2}`, { role: 'marketer' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ asOf: AS_OF_2, buyers: 10, customers: 10 });
    const facts = SEEDS.map((seed) =>
      factsOn(seed, AS_OF_2, seed.name === 'c10' ? [{ day: '1985-07-20', amount: 80 }] : []),
    );
    const expected = referenceRfm(facts);
    for (const segment of response.body.segments) {
      const members = facts.filter((_, i) => expected[i]?.segment === segment.name);
      expect(segment.size, segment.name).toBe(members.length);
      expect(segment.shareOfPopulation).toBeCloseTo(members.length / 10, 10);
      if (members.length > 0) {
        const spends = members.map((m) => m.monetary).sort((a, b) => a - b);
        const mid = (spends.length - 1) / 2;
        expect(segment.spend.average).toBeCloseTo(spends.reduce((a, b) => a + b, 0) / spends.length, 6);
        expect(segment.spend.median).toBeCloseTo(
          ((spends[Math.floor(mid)] ?? 0) + (spends[Math.ceil(mid)] ?? 0)) / 2,
          6,
        );
        expect(segment.averageFrequency).toBeCloseTo(
          members.reduce((a, m) => a + m.frequency, 0) / members.length,
          6,
        );
        expect(segment.averageRecencyDays).toBeCloseTo(
          members.reduce((a, m) => a + m.recency, 0) / members.length,
          3,
        );
      }
      // Trend: the two runs, oldest first.
      expect(segment.trend.map((point: { asOf: string }) => point.asOf)).toEqual([AS_OF_1, AS_OF_2]);
    }
    const champions = await api('GET', `/segments/champions?asOf=${AS_OF_2}`, { role: 'marketer' });
    expect(champions.status).toBe(200);
    expect(champions.body.segment.name).toBe('champions');
    expect(champions.body.segment.label).toBe('Champions');
    const genders = champions.body.segment.gender as Record<string, { count: number }>;
    expect(Object.values(genders).reduce((n, g) => n + g.count, 0)).toBe(champions.body.segment.size);

    expect((await api('GET', '/segments/nobody_here', { role: 'marketer' })).status).toBe(404);
    expect((await api('GET', '/segments/Bad-Name', { role: 'marketer' })).status).toBe(400);
    expect((await api('GET', '/segments', { role: 'support' })).status).toBe(403);
    expect((await api('GET', '/segments', { role: null })).status).toBe(401);
  });

  it('reports KPIs: retention by cohort, repeat-purchase rate, CAC per channel from supplied costs', async () => {
    const put = await api('PUT', '/analytics/acquisition-costs', {
      role: 'marketer',
      body: { month: '1984-09', costs: { unknown: 300 } },
    });
    expect(put.status).toBe(200);
    const bad = await api('PUT', '/analytics/acquisition-costs', {
      role: 'marketer',
      body: { month: '1984-13', costs: { web: -1 }, extra: true },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      'costs.web',
      'extra',
      'month',
    ]);

    const kpis = await api('GET', `/analytics/kpis?asOf=${AS_OF_2}&from=1984-01&to=1985-07`, {
      role: 'marketer',
    });
    expect(kpis.status).toBe(200);
    // By hand: every customer but c1 (one order) ordered at least twice.
    expect(kpis.body.repeatPurchaseRate).toBeCloseTo(9 / 10, 10);
    const firstMonths = SEEDS.map((seed) =>
      seed.orders
        .map((o) => o.day)
        .sort()[0]
        ?.slice(0, 7),
    );
    for (const row of kpis.body.retention) {
      expect(row.size).toBe(firstMonths.filter((month) => month === row.cohort).length);
      expect(row.retention[0]).toBe(1);
    }
    // No channel recorded: all ten count as `unknown`; 300 spent on them in Sept 1984.
    const newInRange = firstMonths.filter(
      (month) => month !== undefined && month >= '1984-01' && month <= '1985-07',
    ).length;
    expect(kpis.body.acquisition.byChannel.unknown).toEqual({
      cost: 300,
      newCustomers: newInRange,
      cac: 300 / newInRange,
    });
  });

  it('a worker that crashes mid-shard is retried and converges: every change announced exactly once', async () => {
    // The faults are injected, as nothing else can provoke them: the handlers run in this process,
    // and SDK middleware on their clients makes the 4th profile write throw (a Lambda dying
    // mid-shard) and the first put of lifecycle events fail (dying after recording changes, before
    // announcing them). The local bus retries the failed shards, as EventBridge would.
    const asOf = '1985-09-30';
    const stagesBefore = new Map<string, string>();
    for (const [name, id] of ids) stagesBefore.set(id, (await scoresOf(name)).lifecycle.stage);

    const { documentClient } = await import('../../shared/clients/dynamodb.js');
    const { eventBridge } = await import('../../shared/clients/eventbridge.js');
    const bus = local.stack.bus;
    const eventsBefore = bus.events.length;
    let scoreWrites = 0;
    let lifecyclePuts = 0;
    let crashes = 0;
    eventBridge.middlewareStack.add(
      (next) => async (args) => {
        if (
          JSON.stringify((args as { input: unknown }).input).includes('customer.lifecycle.changed') &&
          ++lifecyclePuts === 1
        ) {
          crashes++;
          throw new Error('injected crash: the worker died before announcing');
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectedPublishCrash' },
    );
    documentClient.middlewareStack.add(
      (next) => async (args) => {
        if (isScoresPut((args as { input: unknown }).input) && ++scoreWrites === 2) {
          crashes++;
          throw new Error('injected crash: the worker died mid-shard');
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectedCrash' },
    );
    try {
      await runJob('nightly', { asOf });
    } finally {
      documentClient.middlewareStack.remove('injectedCrash');
      eventBridge.middlewareStack.remove('injectedPublishCrash');
    }
    expect(crashes).toBe(2);
    expect(await analyticsDeadLetters()).toEqual([]);
    const runEvents = bus.events.slice(eventsBefore);
    expect(runEvents.filter((event) => event['detail-type'] === 'analytics.run.completed')).toHaveLength(1);

    const stagesAfter = new Map<string, string>();
    for (const [name, id] of ids) stagesAfter.set(id, (await scoresOf(name)).lifecycle.stage);
    const changed = [...ids.values()].filter((id) => stagesBefore.get(id) !== stagesAfter.get(id));
    expect(changed.length).toBeGreaterThan(0);
    const announced = runEvents
      .filter((event) => event['detail-type'] === 'customer.lifecycle.changed')
      .map((event) => event.detail as { customerId: string; from: string; to: string; asOf: string })
      .filter((change) => stagesBefore.has(change.customerId));
    // Exactly the changed customers, each once, each with what changed.
    expect(announced.map((change) => change.customerId).sort()).toEqual(changed.sort());
    for (const change of announced) {
      expect(change).toMatchObject({
        from: stagesBefore.get(change.customerId),
        to: stagesAfter.get(change.customerId),
        asOf,
      });
    }

    // Re-running the same night on the stack finds nothing left to write or announce.
    const before = (await busEvents()).events.length;
    const rerun = await runJob('nightly', { asOf });
    expect(rerun.events.filter((type) => type === 'analytics.run.completed')).toHaveLength(0);
    expect(await lifecycleEventsSince(before)).toEqual([]);
    const { loadRun } = await import('../../shared/store/analytics-repository.js'); // this process is the stack's
    const run = await loadRun(asOf);
    expect(run).toMatchObject({ attempt: 2, status: 'completed' });
    expect(run?.summary).toMatchObject({ written: 0, customers: 10 });
  });
});
