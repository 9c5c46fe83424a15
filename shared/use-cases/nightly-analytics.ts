// The nightly analytics pipeline, scaled out in shards (docs/analytics.md has the whole picture):
//
//   schedule ─▶ coordinator: start an attempt, announce N × analytics.shard.requested (phase 1)
//   worker (phase 1): Scan its segment, summarise (quintile summaries, BG/NBD and Gamma-Gamma rows),
//                     store the summary, announce analytics.shard.completed
//   coordinator: when the last phase-1 shard is in, ONE invocation (claimed) merges, fits the
//                models, stores model and cut points, announces phase 2
//                     and keep the pages it read in the bucket (the run's snapshot)
//   worker (phase 2): read the shard's snapshot (no second Scan) and the customers' scores items,
//                     score, write only changed scores items (batch puts: only this job writes
//                     them), record and announce lifecycle changes (outbox on the scores item),
//                     store partials
//   coordinator: when the last phase-2 shard is in, ONE invocation stores segment profiles and
//                KPIs and announces analytics.run.completed once per as-of date.
//
// Every step can be repeated: summaries are functions of the data, writes compare before writing
// and are conditional, transitions and the completion event are claimed. A re-run of the same night
// starts a new attempt and converges to the same result without announcing anything twice.
import * as z from 'zod/mini';
import { customerFacts, type CustomerFacts } from '../domain/analytics/customer-facts.js';
import type { CustomerScores } from '../domain/customer-scores.js';
import {
  buildRunContext,
  createScorer,
  emptyPopulationSummary,
  emptyScoringSummary,
  finalizeSegments,
  mergePopulationSummaries,
  mergeScoringSummaries,
  PopulationAccumulator,
  type PopulationSummary,
  type RunContext,
  runSummaryOf,
  sameScores,
  ScoringAccumulator,
  type ScoringSummary,
  segmentIdsOf,
} from '../domain/analytics/nightly-run.js';
import type { SegmentationSettings } from '../domain/segmentation/settings.js';
import {
  addCustomerSkus,
  coPurchaseTable,
  mergePairCounts,
  type PairCounts,
} from '../domain/recommendations.js';
import { localDay } from '../domain/time.js';
import { type DomainEvent, publish } from '../clients/eventbridge.js';
import { ConfigError } from '../config.js';
import { businessTimeZone } from '../settings.js';
import { log } from '../log.js';
import {
  claimStep,
  claimSlice,
  clearOutbox,
  completeRun,
  countDoneShards,
  finishSlice,
  finishStep,
  type LifecycleOutbox,
  loadRunContext,
  loadStoredScores,
  loadShardSummaries,
  putKpis,
  putModel,
  putRunContext,
  putSegmentStats,
  putShardDone,
  putSliceSummary,
  type ScannedProfile,
  scanProfiles,
  startRunAttempt,
  putScores,
  profilesGone,
  deleteScores,
  type ScoresWrite,
} from '../store/analytics-repository.js';
import { analyticsKeys } from '../store/keys.js';
import { saveCoPurchaseTable } from '../store/recommendation-repository.js';
import { deleteSnapshot, putSnapshotPage, readSnapshotPage } from '../store/analytics-snapshot.js';
import { type AnalyticsSettings, analyticsSettings, segmentationSettings } from './analytics-settings.js';
import { mapLimit } from '../concurrency.js';

export const ANALYTICS_EVENTS = {
  shardRequested: 'analytics.shard.requested',
  shardCompleted: 'analytics.shard.completed',
  runCompleted: 'analytics.run.completed',
  lifecycleChanged: 'customer.lifecycle.changed',
} as const;

/** Phase 1 summarises the population, phase 2 scores it. */
export const PHASE = { population: 1, score: 2 } as const;

const day = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'));

/** One shard of one phase of an attempt. */
const shardSchema = z.object({
  runId: z.string(),
  asOf: day,
  attempt: z.int().check(z.positive()),
  phase: z.union([z.literal(1), z.literal(2)]),
  shard: z.int().check(z.gte(0)),
  totalShards: z.int().check(z.positive()),
});

export const shardRequestSchema = z.extend(shardSchema, {
  /**
   * A continuation: the shard's slice number (absent for the first, 0), where its Scan goes on,
   * and the counts of the slices before it.
   */
  slice: z.optional(z.int().check(z.positive())),
  after: z.optional(z.string()),
  carried: z.optional(z.record(z.string(), z.number())),
  /** Phase 2: how many snapshot pages each phase-1 slice of the shard stored, in slice order. */
  snapshot: z.optional(z.array(z.int().check(z.gte(0)))),
});
export type ShardRequest = z.infer<typeof shardRequestSchema>;

export const shardCompletedSchema = z.extend(shardSchema, {
  counts: z.record(z.string(), z.number()),
});
export type ShardCompleted = z.infer<typeof shardCompletedSchema>;

export const nightlyInputSchema = z.object({ job: z.literal('nightly'), asOf: z.optional(day) });

export interface NightlyDependencies {
  publish(events: DomainEvent[]): Promise<void>;
  now(): Date;
  /** Milliseconds the invocation has left before its function timeout (the Lambda context's). */
  remainingMillis(): number;
  timeZone: string;
  settings: { analytics: AnalyticsSettings; segmentation: SegmentationSettings };
}

/** The real dependencies: the bus, the clock, the business's time zone and settings. */
export function nightlyDependencies(
  remainingMillis: () => number = () => Number.POSITIVE_INFINITY,
): NightlyDependencies {
  return {
    publish,
    now: () => new Date(),
    remainingMillis,
    timeZone: businessTimeZone(),
    settings: { analytics: analyticsSettings(), segmentation: segmentationSettings() },
  };
}

const modelSettings = (deps: NightlyDependencies) => ({
  model: deps.settings.analytics,
  segmentation: deps.settings.segmentation,
});

// ---------------------------------------------------------------------------------------------
// Coordinator: start

export interface RunStarted {
  runId: string;
  asOf: string;
  attempt: number;
  shards: number;
}

/**
 * Starts (or re-starts) the run of `asOf` (default: today in the business time zone). Scores never
 * move back in time: a profile whose scores come from a later date than `asOf` is counted in that
 * date's model, segment profiles and KPIs but left alone (no write, no lifecycle event).
 */
export async function startNightly(input: { asOf?: string }, deps: NightlyDependencies): Promise<RunStarted> {
  if (deps.settings.segmentation.valueTiers.metric !== 'monetary') {
    // Tiers by CLV need the CLV of everyone before anyone is tiered: a third pass, not built yet.
    throw new ConfigError(
      'RETAIN_SETTINGS is invalid: segmentation.valueTiers.metric: only "monetary" is supported',
    );
  }
  const now = deps.now();
  const asOf = input.asOf ?? localDay(now, deps.timeZone);
  const shards = deps.settings.analytics.shards;
  const run = await startRunAttempt(asOf, shards, now.toISOString());
  await deps.publish(
    Array.from({ length: shards }, (_, shard) => ({
      detailType: ANALYTICS_EVENTS.shardRequested,
      detail: {
        runId: run.runId,
        asOf,
        attempt: run.attempt,
        phase: PHASE.population,
        shard,
        totalShards: shards,
      },
    })),
  );
  log.info('nightly analytics started', { runId: run.runId, asOf, shards });
  return { runId: run.runId, asOf, attempt: run.attempt, shards };
}

// ---------------------------------------------------------------------------------------------
// Worker

/** The profile's facts on asOf, or undefined when the customer was not yet a customer then. */
function factsOn(
  profile: ScannedProfile,
  asOf: string,
  deps: NightlyDependencies,
): CustomerFacts | undefined {
  const facts = customerFacts(profile, asOf, deps.settings.segmentation.membership.windowDays);
  if (facts.firstDay !== null) return facts;
  // A prospect belongs to the population from the day the profile was created.
  return localDay(profile.createdAt, deps.timeZone) <= asOf ? facts : undefined;
}

const demographics = (profile: ScannedProfile) => ({
  gender: profile.gender ?? null,
  birthDate: profile.birthDate ?? null,
  region: profile.address?.region ?? profile.address?.country ?? null,
  acquisitionChannel: profile.acquisitionChannel ?? null,
});

/** The pages of a Scan, the next one already requested while the caller works on the current one. */
async function* prefetched<T>(pages: AsyncGenerator<T>): AsyncGenerator<T> {
  let next = pages.next();
  for (;;) {
    const current = await next;
    if (current.done) return;
    next = pages.next();
    // A failed prefetch surfaces when awaited; never as an unhandled rejection meanwhile.
    next.catch(() => undefined);
    yield current.value;
  }
}

/** Time a worker keeps back from its function timeout to finish its page and hand on. */
const TIMEOUT_RESERVE_MS = 120_000;

/** The pages of a slice: from the request's Scan position until the time budget is spent. */
interface SliceScan {
  pages: AsyncGenerator<ScannedProfile[]>;
  /** Where the next slice starts, once `pages` ended (undefined: the shard's Scan is complete). */
  next(): string | undefined;
}

/** When the slice started and until when it may start another page. */
function sliceBudget(deps: NightlyDependencies) {
  const started = Date.now();
  const budget = Math.min(
    deps.settings.analytics.sliceSeconds * 1000,
    deps.remainingMillis() - TIMEOUT_RESERVE_MS,
  );
  return { spent: () => Date.now() - started >= budget };
}

/** Phase 1: the shard's stretch of the parallel Scan. */
function sliceScan(request: ShardRequest, deps: NightlyDependencies): SliceScan {
  const budget = sliceBudget(deps);
  const { scanPageSize } = deps.settings.analytics;
  let next = request.after;
  let complete = false;
  async function* pages() {
    const scan = scanProfiles(request.shard, request.totalShards, scanPageSize, request.after);
    for await (const page of prefetched(scan)) {
      yield page.profiles;
      next = page.next;
      if (next === undefined) complete = true;
      // At least one page per slice, so every slice makes progress.
      else if (budget.spent()) return;
    }
    complete = true;
  }
  return { pages: pages(), next: () => (complete ? undefined : next) };
}

/**
 * Phase 2: the pages phase 1 read, from the run's snapshot, in order. The position is the page's
 * number across the shard's phase-1 slices.
 */
function snapshotScan(request: ShardRequest, deps: NightlyDependencies): SliceScan {
  const { asOf, attempt, shard, snapshot, runId } = request;
  if (!snapshot) throw new Error(`run ${runId}: phase 2 of shard ${shard} came without its snapshot`);
  const positions = snapshot.flatMap((pages, slice) =>
    Array.from({ length: pages }, (_, page) => ({ slice, page })),
  );
  const budget = sliceBudget(deps);
  let next = request.after === undefined ? 0 : Number(request.after);
  async function* stored(from: number) {
    for (let index = from; index < positions.length; index++) {
      const { slice, page } = positions[index] as { slice: number; page: number };
      yield {
        index,
        profiles: await readSnapshotPage<ScannedProfile>({ asOf, attempt, shard }, slice, page),
      };
    }
  }
  async function* pages() {
    for await (const page of prefetched(stored(next))) {
      yield page.profiles;
      next = page.index + 1;
      if (next < positions.length && budget.spent()) return;
    }
  }
  return { pages: pages(), next: () => (next < positions.length ? String(next) : undefined) };
}

/** Phase 1 keeps each page it read, a few writes in flight while the Scan goes on. */
function snapshotWriter(request: ShardRequest) {
  const { asOf, attempt, shard, slice = 0 } = request;
  const inFlight: Promise<void>[] = [];
  let pages = 0;
  return {
    async add(profiles: ScannedProfile[]) {
      if (inFlight.length >= 4) await inFlight.shift();
      const write = putSnapshotPage({ asOf, attempt, shard }, slice, pages++, profiles);
      // A failed write surfaces when awaited; never as an unhandled rejection meanwhile.
      write.catch(() => undefined);
      inFlight.push(write);
    },
    async close(): Promise<number> {
      await Promise.all(inFlight);
      return pages;
    },
  };
}

const addCounts = (a: Record<string, number>, b: Record<string, number>) => {
  const sum = { ...a };
  for (const [name, value] of Object.entries(b)) sum[name] = (sum[name] ?? 0) + value;
  return sum;
};

/**
 * One slice of one shard of one phase: Scan its stretch of the segment, summarise or score, store
 * the slice's summary, then either announce the next slice (a continuation event with the Scan
 * position, when the time budget ran out before the segment did) or mark the shard done and report.
 * A shard of any size thus fits the worker's timeout. Each slice is claimed by the delivery that
 * started it: a retry of that delivery redoes only that slice (scores already written compare equal),
 * a duplicate continuation leaves it alone, and a finished slice is never redone, only announced on.
 */
export async function runShard(
  request: ShardRequest,
  eventId: string,
  deps: NightlyDependencies,
): Promise<Record<string, number>> {
  const started = Date.now();
  const { slice = 0, after: _after, carried = {}, ...shardRef } = request;
  const { asOf, attempt, phase, shard, totalShards, runId } = shardRef;
  const claim = analyticsKeys.shardSlice(asOf, attempt, phase, shard, slice);
  const claimed = await claimSlice(claim, eventId);
  if (!claimed) {
    log.info('nightly analytics slice handled elsewhere', { runId, phase, shard, slice });
    return {};
  }
  let end = claimed.end;
  if (!end) {
    const scan = phase === PHASE.population ? sliceScan(request, deps) : snapshotScan(request, deps);
    const { summary, counts } =
      phase === PHASE.population
        ? await summariseShard(request, scan, deps)
        : await scoreShard(request, scan, deps);
    await putSliceSummary(asOf, attempt, phase, shard, slice, summary);
    const next = scan.next();
    end = { counts: addCounts(carried, counts), ...(next === undefined ? {} : { next }) };
    await finishSlice(claim, eventId, end);
  }
  if (end.next !== undefined) {
    await deps.publish([
      {
        detailType: ANALYTICS_EVENTS.shardRequested,
        detail: { ...shardRef, slice: slice + 1, after: end.next, carried: end.counts },
      },
    ]);
  } else {
    await putShardDone(asOf, attempt, phase, shard, slice + 1, end.counts);
    await deps.publish([
      { detailType: ANALYTICS_EVENTS.shardCompleted, detail: { ...shardRef, counts: end.counts } },
    ]);
  }
  log.info(end.next === undefined ? 'nightly analytics shard done' : 'nightly analytics shard continues', {
    runId,
    phase,
    shard,
    slice,
    totalShards,
    ms: Date.now() - started,
    ...end.counts,
  });
  return end.counts;
}

/**
 * A phase-1 shard summary: the population summary plus the shard's co-purchase counts ("bought X,
 * also bought Y"), exact, stored with it in the shard's gzip'd parts (docs/messaging.md).
 */
type PopulationPartial = PopulationSummary & {
  readonly coPurchases?: PairCounts;
  /** Pages of the slice's snapshot (phase 2 reads them instead of scanning again). */
  readonly snapshotPages?: number;
};

const mergePopulationPartials = (a: PopulationPartial, b: PopulationPartial): PopulationPartial => ({
  ...mergePopulationSummaries(a, b),
  coPurchases: mergePairCounts(a.coPurchases ?? {}, b.coPurchases ?? {}),
});

async function summariseShard(request: ShardRequest, scan: SliceScan, deps: NightlyDependencies) {
  const accumulator = new PopulationAccumulator();
  const coPurchases: PairCounts = {};
  const snapshot = snapshotWriter(request);
  let scanned = 0;
  for await (const page of scan.pages) {
    await snapshot.add(page);
    for (const profile of page) {
      scanned++;
      const facts = factsOn(profile, request.asOf, deps);
      if (facts) accumulator.add(facts);
      // Buyers by asOf only; `skus` are undated, so what they bought later counts too.
      if (facts?.firstDay && profile.skus) addCustomerSkus(coPurchases, profile.skus);
    }
  }
  const snapshotPages = await snapshot.close();
  const summary: PopulationPartial = { ...accumulator.summary(), coPurchases, snapshotPages };
  return { summary, counts: { scanned, customers: summary.customers, buyers: summary.buyers } };
}

async function scoreShard(request: ShardRequest, scan: SliceScan, deps: NightlyDependencies) {
  const { asOf, attempt, runId } = request;
  const context = await loadRunContext<RunContext>(asOf, attempt);
  if (!context) throw new Error(`run ${runId}: no model context stored for phase 2`);
  const scorer = createScorer(context, modelSettings(deps), { asOf, runId });
  const accumulator = new ScoringAccumulator(asOf);
  let scanned = 0;

  const announce = async (changes: LifecycleOutbox[]) => {
    if (changes.length === 0) return;
    await deps.publish(
      changes.map((change) => ({
        detailType: ANALYTICS_EVENTS.lifecycleChanged,
        // changeId lets consumers drop the rare duplicate (a crash between publishing and clearing).
        detail: { ...change, changeId: `${change.customerId}/${change.asOf}` },
      })),
    );
    accumulator.eventsPublished += changes.length;
    await mapLimit(changes, deps.settings.analytics.writeConcurrency, clearOutbox);
  };

  for await (const page of scan.pages) {
    scanned += page.length;
    // The scores the customers carry now (read afresh: a retried slice sees its earlier attempt's).
    const stored = await loadStoredScores(page.map((profile) => profile.id));
    // Changes an earlier, interrupted attempt recorded but may not have announced.
    await announce(
      [...stored.values()].flatMap((item) => (item.lifecycleOutbox ? [item.lifecycleOutbox] : [])),
    );
    const scored: Array<{ profile: ScannedProfile; facts: CustomerFacts; scores: CustomerScores }> = [];
    const writes: ScoresWrite[] = [];
    for (const profile of page) {
      const facts = factsOn(profile, asOf, deps);
      if (!facts) continue;
      const current = stored.get(profile.id)?.scores;
      // Scores from a later date stay: this run counts the customer as they were on asOf.
      const later = current !== undefined && current.asOf > asOf;
      const previous = later ? undefined : current;
      const scores = scorer.score(facts, previous);
      scored.push({ profile, facts, scores });
      if (later || sameScores(scores, current)) continue;
      const from = previous?.lifecycle.stage;
      const change =
        from !== undefined && from !== scores.lifecycle.stage
          ? { customerId: profile.id, from, to: scores.lifecycle.stage, asOf, runId }
          : undefined;
      writes.push({ customerId: profile.id, scores, change });
    }
    const batches: ScoresWrite[][] = [];
    for (let start = 0; start < writes.length; start += 25) batches.push(writes.slice(start, start + 25));
    await mapLimit(batches, deps.settings.analytics.writeConcurrency, putScores);
    // Erased or merged away while being scored: take the write back, count and announce nothing.
    const gone = await profilesGone(writes.map((write) => write.customerId));
    if (gone.size > 0) await deleteScores(writes.filter((write) => gone.has(write.customerId)));
    for (const { profile, facts, scores } of scored) {
      if (!gone.has(profile.id)) accumulator.add(facts, scores, demographics(profile));
    }
    const kept = writes.filter((write) => !gone.has(write.customerId));
    const fresh = kept.flatMap((write) => (write.change ? [write.change] : []));
    accumulator.written += kept.length;
    accumulator.lifecycleChanges += fresh.length;
    await announce(fresh);
  }
  const summary = accumulator.summary();
  const { customers, written, lifecycleChanges, eventsPublished } = summary;
  return { summary, counts: { scanned, customers, written, lifecycleChanges, eventsPublished } };
}

// ---------------------------------------------------------------------------------------------
// Coordinator: fan-in

/**
 * A shard reported. If it was the last of its phase, exactly one invocation (the one whose claim
 * succeeds; a retried delivery of the same event may resume it) merges the shards' summaries and
 * moves the run on.
 */
export async function onShardCompleted(
  event: ShardCompleted,
  eventId: string,
  deps: NightlyDependencies,
): Promise<{ outcome: 'waiting' | 'claimed-elsewhere' | 'phase-2-started' | 'completed' }> {
  const { asOf, attempt, phase, totalShards, runId } = event;
  if ((await countDoneShards(asOf, attempt, phase)) < totalShards) return { outcome: 'waiting' };
  const claim = analyticsKeys.phaseClaim(asOf, attempt, phase);
  if (!(await claimStep(claim, eventId, attempt))) return { outcome: 'claimed-elsewhere' };

  if (phase === PHASE.population) {
    const summaries = await shardSummaries<PopulationPartial>(event);
    const merged = mergeInOrder<PopulationPartial>(
      summaries,
      mergePopulationPartials,
      emptyPopulationSummary(),
    );
    const context = buildRunContext(merged, modelSettings(deps), { asOf, runId });
    await putRunContext(asOf, attempt, context);
    await putModel(asOf, { ...context.model });
    // Whole entries, put again as they are by a resumed or repeated step: a re-run converges.
    const coPurchaseSkus = await saveCoPurchaseTable(
      coPurchaseTable(merged.coPurchases ?? {}),
      runId,
      deps.now().toISOString(),
    );
    await deps.publish(
      Array.from({ length: totalShards }, (_, shard) => ({
        detailType: ANALYTICS_EVENTS.shardRequested,
        detail: {
          ...{ runId, asOf, attempt, phase: PHASE.score, shard, totalShards },
          snapshot: (summaries.get(shard) ?? []).map((slice) => slice.snapshotPages ?? 0),
        },
      })),
    );
    await finishStep(claim, eventId);
    log.info('nightly analytics models fitted', {
      runId,
      buyers: context.model.buyers,
      bgNbd: context.model.bgNbd ? 'model' : 'fallback',
      gammaGamma: context.model.gammaGamma ? 'model' : 'fallback',
      fitMillis: context.model.fitMillis,
      coPurchaseSkus,
    });
    return { outcome: 'phase-2-started' };
  }

  const merged = mergeInOrder(
    await shardSummaries<ScoringSummary>(event),
    mergeScoringSummaries,
    emptyScoringSummary(),
  );
  const segments = finalizeSegments(merged, segmentIdsOf(deps.settings.segmentation.rfmMap));
  const buyers = Object.values(merged.segments).reduce((n, partial) => n + partial.size, 0);
  await putSegmentStats(asOf, { asOf, runId, customers: merged.customers, buyers, segments });
  await putKpis(asOf, { asOf, runId, kpi: merged.kpi });
  const summary = runSummaryOf(merged);
  await completeRun(asOf, attempt, summary, deps.now().toISOString());
  await finishStep(claim, eventId);
  // Announced once per as-of date: a re-run after a completed run converges silently; a later
  // attempt takes over an earlier attempt's claim only if that one never finished.
  const completion = analyticsKeys.completion(asOf);
  if (await claimStep(completion, eventId, attempt, true)) {
    await deps.publish([{ detailType: ANALYTICS_EVENTS.runCompleted, detail: { runId, asOf, summary } }]);
    await finishStep(completion, eventId);
  }
  // The snapshot's work is done. A failure here loses nothing: the bucket's lifecycle rule removes it.
  const snapshotObjects = await deleteSnapshot(asOf, attempt).catch(() => -1);
  log.info('nightly analytics completed', { runId, asOf, snapshotObjects, ...summary.lifecycle });
  return { outcome: 'completed' };
}

/** Every shard's slice summaries of the event's phase (all of them, or an error). */
async function shardSummaries<T>(event: ShardCompleted): Promise<Map<number, T[]>> {
  const summaries = await loadShardSummaries<T>(event.asOf, event.attempt, event.phase);
  if (summaries.size < event.totalShards) {
    throw new Error(`run ${event.runId}: ${summaries.size} of ${event.totalShards} shard summaries found`);
  }
  return summaries;
}

/** In shard and slice order, so the merge (and the fit after it) is the same on every re-run. */
function mergeInOrder<T>(summaries: Map<number, T[]>, merge: (a: T, b: T) => T, empty: T): T {
  return [...summaries.keys()]
    .sort((x, y) => x - y)
    .flatMap((shard) => summaries.get(shard) as T[])
    .reduce(merge, empty);
}
