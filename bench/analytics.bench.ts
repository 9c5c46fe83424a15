// The nightly analytics: the BG/NBD fit on CDNOW, scoring 1,000,000 synthetic customers in memory,
// and the whole pipeline on 100,000 customers in DynamoDB Local next to its I/O floor (a bare
// parallel Scan of the same items plus a bare batch write of the items the pipeline changed),
// all measured in this run.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bgNbdTotalLogLikelihood, fitBgNbd } from '../shared/domain/analytics/bgnbd.js';
import { parseCdnowLog } from '../shared/domain/analytics/cdnow.js';
import { addDays, type CustomerFacts, customerFacts } from '../shared/domain/analytics/customer-facts.js';
import {
  buildRunContext,
  createScorer,
  DEFAULT_MODEL_SETTINGS,
  PopulationAccumulator,
  UNIT_DAYS,
} from '../shared/domain/analytics/nightly-run.js';
import { EMPTY_ACTIVITY } from '../shared/domain/customer-activity.js';
import { DEFAULT_SEGMENTATION_SETTINGS } from '../shared/domain/segmentation/settings.js';
import type { BenchContext, Benchmark, Figure } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const SETTINGS = { model: DEFAULT_MODEL_SETTINGS, segmentation: DEFAULT_SEGMENTATION_SETTINGS };
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
/** CPU milliseconds this process spent since `start` (on a shared machine, the wall time also counts waiting for a core). */
const cpuMs = (start: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
};
const load = () => loadavg()[0]?.toFixed(1) ?? '?';

/** A deterministic generator (mulberry32), so every run benchmarks the same customers. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const HISTORY_START = '2024-01-01';
const AS_OF = '2025-12-31';
const HISTORY_DAYS = 730;

/**
 * One synthetic customer's purchase days as profile aggregates: born on a random day of two years,
 * buying as a Poisson process with a gamma-distributed rate until they drop out after a purchase
 * with a beta-ish probability (the BG/NBD story), spending around a basket of their own; a few with
 * hundreds of purchases, some zero-value.
 */
function syntheticActivity(next: () => number) {
  const birth = Math.floor(next() * (HISTORY_DAYS - 1));
  const heavy = next() < 0.001;
  const ratePerDay = heavy ? 0.5 + next() : -Math.log(1 - next()) * next() * 0.05;
  const dropout = heavy ? 0.002 : 0.05 + next() * 0.5;
  // Each customer has a typical basket (exponential across customers), each purchase varies around it.
  const basket = 15 - Math.log(1 - next()) * 60;
  const dailySpend: Record<string, number> = {};
  const dailyOrders: Record<string, number> = {};
  let day = birth;
  for (;;) {
    const key = addDays(HISTORY_START, day);
    const amount = next() < 0.01 ? 0 : Math.round(basket * (0.5 + next()) * 100) / 100;
    dailySpend[key] = Math.round(((dailySpend[key] ?? 0) + amount) * 100) / 100;
    dailyOrders[key] = (dailyOrders[key] ?? 0) + 1;
    if (next() < dropout || ratePerDay <= 0) break;
    day += Math.max(1, Math.round(-Math.log(1 - next()) / ratePerDay));
    if (day >= HISTORY_DAYS) break;
  }
  return { dailySpend, dailyOrders };
}

function cdnowFacts(): CustomerFacts[] {
  const log = parseCdnowLog(readFileSync(resolve(here, '../../shared/data/cdnow/CDNOW_sample.txt'), 'utf8'));
  const byCustomer = new Map<
    string,
    { dailySpend: Record<string, number>; dailyOrders: Record<string, number> }
  >();
  for (const { customerId, date, amount } of log) {
    const activity = byCustomer.get(customerId) ?? { dailySpend: {}, dailyOrders: {} };
    activity.dailySpend[date] = (activity.dailySpend[date] ?? 0) + amount;
    activity.dailyOrders[date] = (activity.dailyOrders[date] ?? 0) + 1;
    byCustomer.set(customerId, activity);
  }
  return [...byCustomer.values()].map((activity) => customerFacts(activity, '1997-09-30', 365));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function fitFigure(): Promise<Figure> {
  const accumulator = new PopulationAccumulator();
  for (const facts of cdnowFacts()) accumulator.add(facts);
  const rows = accumulator
    .summary()
    .purchases.map(([x, tx, T, count]) => ({ x, tx: tx / UNIT_DAYS, T: T / UNIT_DAYS, count }));
  const params = fitBgNbd(rows).params; // warm up
  const fits: number[] = [];
  const evaluations: number[] = [];
  for (let i = 0; i < 7; i++) {
    let start = process.hrtime.bigint();
    fitBgNbd(rows);
    fits.push(ms(start));
    start = process.hrtime.bigint();
    bgNbdTotalLogLikelihood(params, rows);
    evaluations.push(ms(start));
  }
  const value = median(fits);
  return {
    name: `BG/NBD fit on CDNOW (2,357 customers, ${rows.length} rows), median of 7`,
    value,
    unit: 'ms',
    reference: { name: 'one log-likelihood evaluation, same rows', value: median(evaluations), unit: 'ms' },
    goal: 'fit < 1,000 ms',
    met: value < 1000,
  };
}

async function scoringFigure({ log, quick }: BenchContext): Promise<Figure> {
  const count = quick ? 100_000 : 1_000_000;
  const next = random(42);
  const facts: CustomerFacts[] = new Array(count);
  for (let i = 0; i < count; i++) facts[i] = customerFacts(syntheticActivity(next), AS_OF, 365);
  log(`generated ${count.toLocaleString()} synthetic customers`);
  let start = process.hrtime.bigint();
  let cpu = process.cpuUsage();
  const loadBefore = load();
  const accumulator = new PopulationAccumulator();
  for (const f of facts) accumulator.add(f);
  const summary = accumulator.summary();
  const summariseMs = ms(start);
  const summariseCpuMs = cpuMs(cpu);
  const context = buildRunContext(summary, SETTINGS, { asOf: AS_OF, runId: 'bench' });
  log(
    `pass 1 in ${summariseMs.toFixed(0)} ms; fit on ${context.model.bgNbd?.rows} rows in ${context.model.fitMillis} ms`,
  );
  start = process.hrtime.bigint();
  cpu = process.cpuUsage();
  const scorer = createScorer(context, SETTINGS, { asOf: AS_OF, runId: 'bench' });
  let models = 0;
  for (const f of facts) if (scorer.score(f, undefined).churn?.method === 'model') models++;
  const value = ms(start);
  const scoreCpuMs = cpuMs(cpu);
  log(`scored in ${value.toFixed(0)} ms, ${models.toLocaleString()} with the model`);
  return {
    name: `scoring ${count.toLocaleString()} synthetic customers in memory (RFM, tier, membership, lifecycle, BG/NBD, CLV)`,
    value,
    unit: 'ms',
    reference: { name: 'pass-1 summary of the same customers', value: summariseMs, unit: 'ms' },
    goal: '< 2,000 ms',
    met: value < 2000,
    notes:
      `CPU time of this process: scoring ${scoreCpuMs.toFixed(0)} ms, pass 1 ${summariseCpuMs.toFixed(0)} ms ` +
      `(wall time above includes waiting for a core); 1-minute load average ${loadBefore} before, ${load()} after`,
  };
}

async function pipelineFigures(context: Parameters<Benchmark['run']>[0]): Promise<Figure[]> {
  const stack = await context.stack();
  const { batchWrite, putRequest } = await import('../shared/store/dynamo-helpers.js');
  const { toItem, loadScoresItems } = await import('../shared/store/customer-repository.js');
  const { scanProfiles } = await import('../shared/store/analytics-repository.js');
  const { analyticsSettings } = await import('../shared/use-cases/analytics-settings.js');
  const count = context.quick ? 5_000 : 100_000;
  const { shards, writeConcurrency } = analyticsSettings();
  const next = random(7);
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const id = `cus_BENCH${String(i).padStart(21, '0')}`;
    const createdAt = '2023-12-31T00:00:00.000Z';
    items.push({
      ...EMPTY_ACTIVITY,
      ...toItem({ id, version: 1, createdAt, updatedAt: createdAt, externalId: `bench-${i}` }),
      ...syntheticActivity(next),
    });
  }
  let start = process.hrtime.bigint();
  const seedChunks = Array.from({ length: 8 }, (_, k) => items.filter((_, i) => i % 8 === k));
  await Promise.all(seedChunks.map((chunk) => batchWrite(chunk.map(putRequest))));
  context.log(`seeded ${count.toLocaleString()} profiles in ${(ms(start) / 1000).toFixed(1)} s`);

  // The floor's read: the same items as the pipeline reads them (before the run), by a bare parallel
  // Scan (as many segments as shards, the same index, filter and attributes as the pipeline's Scan).
  start = process.hrtime.bigint();
  const scannedCount = (
    await Promise.all(
      Array.from({ length: shards }, async (_, segment) => {
        let found = 0;
        for await (const page of scanProfiles(segment, shards)) found += page.profiles.length;
        return found;
      }),
    )
  ).reduce((sum, n) => sum + n, 0);
  const scanMs = ms(start);

  start = process.hrtime.bigint();
  const run = await stack.runJob('nightly', { asOf: AS_OF });
  const pipelineMs = ms(start);
  const completed = stack.bus.events.find(
    (event) => event['detail-type'] === 'analytics.run.completed' && event.detail.asOf === AS_OF,
  );
  if (!completed) {
    // A half-run pipeline has no meaningful ratio: say why it stopped instead.
    const failures = stack.bus.deadLetters.map(
      (letter) => `${letter.functionName} ${letter.event['detail-type']}: ${letter.error}`,
    );
    throw new Error(
      `the nightly run did not complete after ${(pipelineMs / 1000).toFixed(0)} s; dead letters: ${failures.join('; ') || 'none'}`,
    );
  }
  const summary = completed.detail.summary as { written: number; customers: number };
  context.log(
    `pipeline: ${run.events.length} events, ${summary.customers} customers, ${summary.written} written`,
  );

  // The floor's writes: the changed items written back whole (the scores items as stored after the
  // run, with their index keys, so DynamoDB Local maintains the same indexes) by bare BatchWriteItem
  // with as many requests in flight as the pipeline allows writes (shards × writeConcurrency).
  const stored = await loadScoresItems(items.map((item) => String(item.id)));
  const changed = [...stored.values()]
    .filter((item) => (item.scores as { asOf?: string } | undefined)?.asOf === AS_OF)
    .slice(0, summary.written);
  const writers = shards * writeConcurrency;
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < changed.length; i += 25) batches.push(changed.slice(i, i + 25));
  start = process.hrtime.bigint();
  let nextBatch = 0;
  await Promise.all(
    Array.from({ length: Math.min(writers, batches.length) }, async () => {
      while (nextBatch < batches.length) await batchWrite((batches[nextBatch++] ?? []).map(putRequest));
    }),
  );
  const writeMs = ms(start);
  const floor = scanMs + writeMs;
  context.log(
    `floor: scan ${(scanMs / 1000).toFixed(1)} s of ${scannedCount} items + batch write ${(writeMs / 1000).toFixed(1)} s of ${changed.length} (${writers} requests in flight)`,
  );
  const ratio = pipelineMs / floor;
  return [
    {
      name: `nightly pipeline, ${count.toLocaleString()} customers, ${shards} shards, DynamoDB Local (1 Scan + ${summary.written} scores items written)`,
      value: pipelineMs / 1000,
      unit: 's',
      reference: {
        name: 'I/O floor: bare parallel Scan + bare BatchWrite of the changed items',
        value: floor / 1000,
        unit: 's',
      },
      goal: '≤ 1.5x the I/O floor',
      met: ratio <= 1.5,
      notes:
        `floor: Scan ${(scanMs / 1000).toFixed(0)} s (before the run, the items as the pipeline read them) + ` +
        `BatchWriteItem ${(writeMs / 1000).toFixed(0)} s (after it)`,
    },
  ];
}

const benchmark: Benchmark = {
  title: 'Nightly analytics (RFM, lifecycle, BG/NBD + Gamma-Gamma, CLV)',
  async run(context) {
    const figures: Figure[] = [await fitFigure()];
    figures.push(await scoringFigure(context));
    figures.push(...(await pipelineFigures(context)));
    return figures;
  },
};

export default benchmark;
