// The nightly analytics pipeline end to end on the real local stack: the job fans out to shard
// workers over the local bus, they Scan DynamoDB Local, the coordinator fans in, fits, and
// completes; results are read back over HTTP.
//
// The population lives in 1984–1985 so that no other test's customers (orders dated now, or the
// CDNOW import of 1997) fall into it: a run on `asOf` only counts customers with an order up to
// asOf, and prospects created before it. Expected values are worked out by hand (lifecycle) or by a
// naive reference written here (RFM quintiles: sort and rank), never read from the code under test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, busEvents, runJob, unique, useStackEnvironment } from './support.js';

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
  { name: 'c1', orders: history(20, 1, 30, 100), gender: 'female', birthDate: '1960-03-01', region: 'Shanghai' },
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
  const last = orders.map((order) => order.day).sort().at(-1) as string;
  return {
    recency: (Date.parse(asOf) - Date.parse(last)) / 86_400_000,
    frequency: orders.length,
    monetary: Math.round(orders.reduce((sum, order) => sum + order.amount, 0) * 100) / 100,
  };
}

function referenceRfm(facts: Facts[]) {
  return facts.map((f) => {
    const r = quintile(f.recency, facts.map((x) => x.recency), false);
    const fScore = quintile(f.frequency, facts.map((x) => x.frequency), true);
    const m = quintile(f.monetary, facts.map((x) => x.monetary), true);
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

/** Records orders as the orders API stores them: per-day aggregates on the profile. */
async function recordOrders(customerId: string, orders: Seed['orders']): Promise<void> {
  const { documentClient, tableName } = await import('../../shared/clients/dynamodb.js');
  const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
  const { keys } = await import('../../shared/store/keys.js');
  for (const order of orders) {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.customer(customerId),
        UpdateExpression:
          'SET dailySpend.#day = if_not_exists(dailySpend.#day, :zero) + :amount, dailyOrders.#day = if_not_exists(dailyOrders.#day, :zero) + :one ADD orderCount :one, totalSpend :amount',
        ExpressionAttributeNames: { '#day': order.day },
        ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':amount': order.amount },
      }),
    );
  }
}

async function scoresOf(name: string) {
  const response = await api('GET', `/customers/${ids.get(name)}`, { role: 'marketer' });
  expect(response.status).toBe(200);
  return response.body.scores;
}

async function analyticsDeadLetters() {
  const { deadLetters } = (await busEvents()) as { deadLetters: Array<{ functionName: string; error: string }> };
  return deadLetters.filter((letter) => letter.functionName.startsWith('analytics-')).map((letter) => letter.error);
}

async function lifecycleEventsSince(count: number) {
  const { events } = await busEvents();
  const mine = new Set(ids.values());
  return events
    .slice(count)
    .filter((event) => event['detail-type'] === 'customer.lifecycle.changed' && mine.has(event.detail.customerId));
}

beforeAll(() => useStackEnvironment());

describe('the nightly job', () => {
  let eventsBefore = 0;

  beforeAll(async () => {
    for (const seed of SEEDS) {
      const id = await createCustomer(seed);
      ids.set(seed.name, id);
      await recordOrders(id, seed.orders);
    }
  });

  afterAll(async () => {
    // Leave no 1985 buyers behind for other runs (the CDNOW run below counts buyers up to 1997).
    for (const id of ids.values()) await api('DELETE', `/customers/${id}`);
  });

  it('scores every customer of the population with RFM quintiles and the segment map', async () => {
    eventsBefore = (await busEvents()).events.length;
    const run = await runJob('nightly', { asOf: AS_OF_1 });
    expect(run.result).toMatchObject({ asOf: AS_OF_1, shards: 4 });
    expect(run.events.filter((type) => type === 'analytics.shard.requested')).toHaveLength(8);
    expect(run.events.filter((type) => type === 'analytics.shard.completed')).toHaveLength(8);
    expect(run.events.filter((type) => type === 'analytics.run.completed')).toHaveLength(1);
    expect(await analyticsDeadLetters()).toEqual([]);

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
    expect(model.body).toMatchObject({ asOf: AS_OF_1, timeUnit: 'week', customers: 10, buyers: 10, bgNbd: null });
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
      changes.map((change) => `${byName.get(change.customerId)}:${change.from}→${change.to}@${change.asOf}`).sort(),
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
    for (const [i, seed] of SEEDS.entries()) expect((await scoresOf(seed.name)).rfm, seed.name).toEqual(expected[i]);

    // The same night again: same result, nothing written, nothing announced.
    const again = (await busEvents()).events.length;
    const rerun = await runJob('nightly', { asOf: AS_OF_2 });
    expect(rerun.events.filter((type) => type === 'analytics.run.completed')).toHaveLength(0);
    expect(await lifecycleEventsSince(again)).toEqual([]);
    for (const [i, seed] of SEEDS.entries()) expect((await scoresOf(seed.name)).rfm, seed.name).toEqual(expected[i]);
  });

  it('lists members of a segment, stage or tier from their indexes', async () => {
    const expected = referenceRfm(
      SEEDS.map((seed) => factsOn(seed, AS_OF_2, seed.name === 'c10' ? [{ day: '1985-07-20', amount: 80 }] : [])),
    );
    const champions = SEEDS.filter((_, i) => expected[i]?.segment === 'champions').map((seed) => ids.get(seed.name));
    const listed = await api('GET', '/customers?segment=champions&limit=100', { role: 'marketer' });
    expect(listed.status).toBe(200);
    const mine = new Set(ids.values());
    expect(listed.body.items.map((item: { id: string }) => item.id).filter((id: string) => mine.has(id)).sort()).toEqual(
      champions.sort(),
    );
    expect(listed.body.items[0].scores.rfm.segment).toBe('champions');

    const atRisk = await api('GET', '/customers?lifecycle=at_risk&limit=100', { role: 'marketer' });
    const atRiskMine = atRisk.body.items.map((item: { id: string }) => item.id).filter((id: string) => mine.has(id));
    // c2, c3, c5 became at risk; c6–c9 stayed.
    expect(atRiskMine.sort()).toEqual(['c2', 'c3', 'c5', 'c6', 'c7', 'c8', 'c9'].map((name) => ids.get(name)).sort());

    const combined = await api('GET', '/customers?lifecycle=at_risk&tier=high&limit=100', { role: 'marketer' });
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
        expect(segment.spend.median).toBeCloseTo(((spends[Math.floor(mid)] ?? 0) + (spends[Math.ceil(mid)] ?? 0)) / 2, 6);
        expect(segment.averageFrequency).toBeCloseTo(members.reduce((a, m) => a + m.frequency, 0) / members.length, 6);
        expect(segment.averageRecencyDays).toBeCloseTo(members.reduce((a, m) => a + m.recency, 0) / members.length, 3);
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
    expect(bad.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(['costs.web', 'extra', 'month']);

    const kpis = await api('GET', `/analytics/kpis?asOf=${AS_OF_2}&from=1984-01&to=1985-07`, { role: 'marketer' });
    expect(kpis.status).toBe(200);
    // By hand: every customer but c1 (one order) ordered at least twice.
    expect(kpis.body.repeatPurchaseRate).toBeCloseTo(9 / 10, 10);
    const firstMonths = SEEDS.map((seed) => seed.orders.map((o) => o.day).sort()[0]?.slice(0, 7));
    for (const row of kpis.body.retention) {
      expect(row.size).toBe(firstMonths.filter((month) => month === row.cohort).length);
      expect(row.retention[0]).toBe(1);
    }
    // No channel recorded: all ten count as `unknown`; 300 spent on them in Sept 1984.
    const newInRange = firstMonths.filter((month) => month !== undefined && month >= '1984-01' && month <= '1985-07').length;
    expect(kpis.body.acquisition.byChannel.unknown).toEqual({ cost: 300, newCustomers: newInRange, cac: 300 / newInRange });
  });

  it('a worker that crashes mid-shard is retried and converges: every change announced exactly once', async () => {
    // The faults are injected, as nothing else can provoke them: the job runs in THIS process, on the
    // real handlers, a real local bus (with its retries) and DynamoDB Local, and SDK middleware makes
    // the 4th profile write throw (a Lambda dying mid-shard) and the first put of lifecycle events
    // fail (dying after recording changes, before announcing them). Everything else is real.
    const asOf = '1985-09-30';
    const stagesBefore = new Map<string, string>();
    for (const [name, id] of ids) stagesBefore.set(id, (await scoresOf(name)).lifecycle.stage);

    const { stack } = await import('./support.js');
    const { freePort } = await import('../../infra/local/emulators.js');
    const { startLocalBus } = await import('../../infra/local/local-bus.js');
    const { loadFunctions } = await import('../../infra/local/lambda-runtime.js');
    const { documentClient } = await import('../../shared/clients/dynamodb.js');
    const port = await freePort();
    const stackBus = process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
    process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = `http://127.0.0.1:${port}`;
    const runtime = await loadFunctions();
    const bus = await startLocalBus({ port, runtime, appBusName: stack.env.EVENT_BUS_NAME as string });
    const { eventBridge } = await import('../../shared/clients/eventbridge.js');
    let scoreWrites = 0;
    let lifecyclePuts = 0;
    let crashes = 0;
    eventBridge.middlewareStack.add(
      (next) => async (args) => {
        if (JSON.stringify((args as { input: unknown }).input).includes('customer.lifecycle.changed') && ++lifecyclePuts === 1) {
          crashes++;
          throw new Error('injected crash: the worker died before announcing');
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectedPublishCrash' },
    );
    documentClient.middlewareStack.add(
      (next) => async (args) => {
        if (JSON.stringify((args as { input: unknown }).input).includes('#scores = :scores') && ++scoreWrites === 4) {
          crashes++;
          throw new Error('injected crash: the worker died mid-shard');
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectedCrash' },
    );
    try {
      await runtime.invoke('analytics-coordinator', { job: 'nightly', asOf });
      await bus.idle();
    } finally {
      documentClient.middlewareStack.remove('injectedCrash');
      eventBridge.middlewareStack.remove('injectedPublishCrash');
      await bus.stop();
      process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = stackBus;
    }
    expect(crashes).toBe(2);
    expect(bus.deadLetters.filter((letter) => letter.functionName.startsWith('analytics-'))).toEqual([]);
    expect(bus.events.filter((event) => event['detail-type'] === 'analytics.run.completed')).toHaveLength(1);

    const stagesAfter = new Map<string, string>();
    for (const [name, id] of ids) stagesAfter.set(id, (await scoresOf(name)).lifecycle.stage);
    const changed = [...ids.values()].filter((id) => stagesBefore.get(id) !== stagesAfter.get(id));
    expect(changed.length).toBeGreaterThan(0);
    const announced = bus.events
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
    const { loadRun } = await import('../../shared/store/analytics-repository.js');
    const run = await loadRun(asOf);
    expect(run).toMatchObject({ attempt: 2, status: 'completed' });
    expect((run?.summary as { written: number; customers: number }).written).toBe(0);
    expect((run?.summary as { written: number; customers: number }).customers).toBe(10);
  });
});

describe('on the CDNOW benchmark (shared/data/cdnow), through the real import and the real job', () => {
  // README there: the published BG/NBD fit (Fader, Hardie & Lee 2005) at high precision, the
  // Gamma-Gamma fit (Fader & Hardie 2013) printed to 2 decimals, and the spot checks of customer 1.
  const BG_NBD = { r: 0.2425945, alpha: 4.4136019, a: 0.7929199, b: 2.4258881 };
  const BG_NBD_LL = -9582.429;
  const GAMMA_GAMMA = { p: 6.25, q: 3.74, gamma: 15.44 };
  const GAMMA_GAMMA_LL = -4055.92;
  const AS_OF = '1997-09-30';
  let model: any;

  beforeAll(async () => {
    const { readFileSync } = await import('node:fs');
    const { resolve } = await import('node:path');
    const { parseCsvTable } = await import('../../shared/import/csv.js');
    const { importOrders } = await import('../../shared/import/http-importer.js');
    const { stack, token } = await import('./support.js');
    // The raw log as the orders CSV a business would export: one row per purchase line.
    const log = readFileSync(resolve(__dirname, '../../../shared/data/cdnow/CDNOW_sample.txt'), 'utf8');
    const csv = ['customer_ref,order_id,ordered_at,amount,currency'];
    log.split(/\r?\n/).forEach((line, index) => {
      const [, sampleId, date, , dollars] = line.trim().split(/\s+/);
      if (sampleId && date && dollars) csv.push(`cdnow-${Number(sampleId)},cdnow-line-${index + 1},${date},${dollars},USD`);
    });
    expect(csv.length - 1).toBe(6919);
    const table = parseCsvTable(csv.join('\n'));
    const report = await importOrders(table.rows, {
      api: stack.urls.api,
      token: await token('ingest'),
      createMissing: true,
      concurrency: 4,
    });
    expect(report).toMatchObject({ rows: 6919, created: 6919, failed: 0, customersCreated: 2357 });

    const run = await runJob('nightly', { asOf: AS_OF });
    expect(run.events.filter((type) => type === 'analytics.run.completed')).toHaveLength(1);
    const response = await api('GET', `/analytics/model?asOf=${AS_OF}`, { role: 'marketer' });
    expect(response.status).toBe(200);
    model = response.body;
  }, 300_000);

  const within = (actual: number, expected: number, relative: number) =>
    expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(relative);

  it('fits BG/NBD to the published parameters and log-likelihood within 0.1 %', () => {
    expect(model).toMatchObject({ asOf: AS_OF, timeUnit: 'week', customers: 2357, buyers: 2357 });
    expect(model.bgNbd.customers).toBe(2357);
    for (const name of ['r', 'alpha', 'a', 'b'] as const) within(model.bgNbd.params[name], BG_NBD[name], 0.001);
    within(model.bgNbd.logLikelihood, BG_NBD_LL, 0.001);
  });

  it('fits Gamma-Gamma to the published table on the 946 repeat buyers', () => {
    expect(model.gammaGamma.customers).toBe(946);
    // Printed to 2 decimals: each fitted value must print the same, and lie within 0.1 % or half a
    // printed unit (q = 3.74 is itself rounded by up to 0.13 %), whichever is larger.
    for (const name of ['p', 'q', 'gamma'] as const) {
      const fitted = model.gammaGamma.params[name] as number;
      expect(fitted.toFixed(2), name).toBe(GAMMA_GAMMA[name].toFixed(2));
      expect(Math.abs(fitted - GAMMA_GAMMA[name])).toBeLessThanOrEqual(Math.max(0.001 * GAMMA_GAMMA[name], 0.005));
    }
    within(model.gammaGamma.logLikelihood, GAMMA_GAMMA_LL, 0.001);
  });

  it('reproduces the spot checks of customer 1 (x = 2, t_x = 30.43, T = 38.86 weeks)', async () => {
    const found = await api('GET', '/customers?externalId=cdnow-1', { role: 'marketer' });
    const scores = found.body.items[0].scores;
    // Published: P(alive) = 0.727, 1.226 repeat purchases expected in the next 39 weeks.
    expect(scores.churn.method).toBe('model');
    expect(Math.abs(scores.churn.pAlive - 0.727)).toBeLessThan(0.001);
    const { bgNbdConditionalExpectedTransactions } = await import('../../shared/domain/analytics/bgnbd.js');
    const expected39 = bgNbdConditionalExpectedTransactions(model.bgNbd.params, { x: 2, tx: 30.43, T: 38.86 }, 39);
    expect(Math.abs(expected39 - 1.226)).toBeLessThan(0.001);
    // The profile's own horizons bracket it: 90 days < 39 weeks < 365 days.
    expect(scores.churn.expected90).toBeLessThan(expected39);
    expect(scores.churn.expected365).toBeGreaterThan(expected39);
    expect(scores.value.method).toBe('model');
    expect(scores.value.clv12).toBeGreaterThan(0);
  });
});
