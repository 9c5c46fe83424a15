// The nightly analytics pipeline, scaled out in shards (docs/analytics.md has the whole picture):
//
//   schedule ─▶ coordinator: start an attempt, announce N × analytics.shard.requested (phase 1)
//   worker (phase 1): Scan its segment, summarise (quintile summaries, BG/NBD and Gamma-Gamma rows),
//                     store the summary, announce analytics.shard.completed
//   coordinator: when the last phase-1 shard is in, ONE invocation (claimed) merges, fits the
//                models, stores model and cut points, announces phase 2
//   worker (phase 2): Scan again, score, write only changed profiles (conditionally), record and
//                     announce lifecycle changes (outbox on the profile), store partials
//   coordinator: when the last phase-2 shard is in, ONE invocation stores segment profiles and
//                KPIs and announces analytics.run.completed once per as-of date.
//
// Every step can be repeated: summaries are functions of the data, writes compare before writing
// and are conditional, transitions and the completion event are claimed. A re-run of the same night
// starts a new attempt and converges to the same result without announcing anything twice.
import * as z from 'zod/mini';
import { customerFacts, type CustomerFacts } from '../domain/analytics/customer-facts.js';
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
  clearOutbox,
  completeRun,
  countDoneShards,
  finishStep,
  type LifecycleOutbox,
  loadRunContext,
  loadScannedProfile,
  loadShardSummaries,
  putKpis,
  putModel,
  putRunContext,
  putSegmentStats,
  putShardSummary,
  type ScannedProfile,
  scanProfiles,
  startRunAttempt,
  writeScores,
} from '../store/analytics-repository.js';
import { analyticsKeys } from '../store/keys.js';
import { saveCoPurchaseTable } from '../store/recommendation-repository.js';
import { type AnalyticsSettings, analyticsSettings, segmentationSettings } from './analytics-settings.js';

export const ANALYTICS_EVENTS = {
  shardRequested: 'analytics.shard.requested',
  shardCompleted: 'analytics.shard.completed',
  runCompleted: 'analytics.run.completed',
  lifecycleChanged: 'customer.lifecycle.changed',
} as const;

/** Phase 1 summarises the population, phase 2 scores it. */
export const PHASE = { population: 1, score: 2 } as const;

const day = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'));

export const shardRequestSchema = z.object({
  runId: z.string(),
  asOf: day,
  attempt: z.int().check(z.positive()),
  phase: z.union([z.literal(1), z.literal(2)]),
  shard: z.int().check(z.gte(0)),
  totalShards: z.int().check(z.positive()),
});
export type ShardRequest = z.infer<typeof shardRequestSchema>;

export const shardCompletedSchema = z.extend(shardRequestSchema, {
  counts: z.record(z.string(), z.number()),
});
export type ShardCompleted = z.infer<typeof shardCompletedSchema>;

export const nightlyInputSchema = z.object({ job: z.literal('nightly'), asOf: z.optional(day) });

export interface NightlyDependencies {
  publish(events: DomainEvent[]): Promise<void>;
  now(): Date;
  timeZone: string;
  settings: { analytics: AnalyticsSettings; segmentation: SegmentationSettings };
}

/** The real dependencies: the bus, the clock, the business's time zone and settings. */
export function nightlyDependencies(): NightlyDependencies {
  return {
    publish,
    now: () => new Date(),
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

/** Runs `work` over `items` with at most `limit` in flight. */
async function inPool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(runners);
}

/** One shard of one phase: Scan its segment, summarise or score, store the result, report. */
export async function runShard(
  request: ShardRequest,
  deps: NightlyDependencies,
): Promise<Record<string, number>> {
  const started = Date.now();
  const { asOf, attempt, phase, shard, totalShards } = request;
  const { summary, counts } =
    phase === PHASE.population ? await summariseShard(request, deps) : await scoreShard(request, deps);
  await putShardSummary(asOf, attempt, phase, shard, summary, counts);
  await deps.publish([{ detailType: ANALYTICS_EVENTS.shardCompleted, detail: { ...request, counts } }]);
  log.info('nightly analytics shard done', {
    runId: request.runId,
    phase,
    shard,
    totalShards,
    ms: Date.now() - started,
    ...counts,
  });
  return counts;
}

/**
 * A phase-1 shard summary: the population summary plus the shard's co-purchase counts ("bought X,
 * also bought Y"), exact, stored with it in the shard's gzip'd parts (docs/messaging.md).
 */
type PopulationPartial = PopulationSummary & { readonly coPurchases?: PairCounts };

const mergePopulationPartials = (a: PopulationPartial, b: PopulationPartial): PopulationPartial => ({
  ...mergePopulationSummaries(a, b),
  coPurchases: mergePairCounts(a.coPurchases ?? {}, b.coPurchases ?? {}),
});

async function summariseShard(request: ShardRequest, deps: NightlyDependencies) {
  const accumulator = new PopulationAccumulator();
  const coPurchases: PairCounts = {};
  let scanned = 0;
  for await (const page of prefetched(scanProfiles(request.shard, request.totalShards))) {
    for (const profile of page) {
      scanned++;
      const facts = factsOn(profile, request.asOf, deps);
      if (facts) accumulator.add(facts);
      // Buyers by asOf only; `skus` are undated, so what they bought later counts too.
      if (facts?.firstDay && profile.skus) addCustomerSkus(coPurchases, profile.skus);
    }
  }
  const summary: PopulationPartial = { ...accumulator.summary(), coPurchases };
  return { summary, counts: { scanned, customers: summary.customers, buyers: summary.buyers } };
}

async function scoreShard(request: ShardRequest, deps: NightlyDependencies) {
  const { asOf, attempt, runId } = request;
  const context = await loadRunContext<RunContext>(asOf, attempt);
  if (!context) throw new Error(`run ${runId}: no model context stored for phase 2`);
  const scorer = createScorer(context, modelSettings(deps), { asOf, runId });
  const accumulator = new ScoringAccumulator(asOf);
  let scanned = 0;
  let fresh: LifecycleOutbox[] = [];

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
    await inPool(changes, deps.settings.analytics.writeConcurrency, clearOutbox);
  };

  const scoreOne = async (scanned: ScannedProfile) => {
    let profile: ScannedProfile | undefined = scanned;
    for (let attemptNo = 0; profile; attemptNo++) {
      const facts = factsOn(profile, asOf, deps);
      if (!facts) return;
      // Scores from a later date stay: this run counts the customer as they were on asOf.
      const later = profile.scores !== undefined && profile.scores.asOf > asOf;
      const previous = later ? undefined : profile.scores;
      const scores = scorer.score(facts, previous);
      if (later || sameScores(scores, profile.scores)) {
        accumulator.add(facts, scores, demographics(profile));
        return;
      }
      const from = previous?.lifecycle.stage;
      const change =
        from !== undefined && from !== scores.lifecycle.stage
          ? { customerId: profile.id, from, to: scores.lifecycle.stage, asOf, runId }
          : undefined;
      const outcome = await writeScores(profile.id, profile.scores?.runId, scores, change);
      if (outcome === 'written') {
        accumulator.add(facts, scores, demographics(profile));
        accumulator.written++;
        if (change) {
          accumulator.lifecycleChanges++;
          fresh.push(change);
        }
        return;
      }
      if (outcome === 'vanished') {
        accumulator.vanished++;
        return;
      }
      // The profile changed since the Scan read it (an earlier attempt wrote it, or the Scan's
      // index was behind): read it again, finish what that writer left, and score it afresh.
      if (attemptNo >= 3) throw new Error('a profile kept changing while it was scored');
      profile = await loadScannedProfile(profile.id);
      if (!profile) accumulator.vanished++;
      else if (profile.lifecycleOutbox) {
        await announce([profile.lifecycleOutbox]);
        profile = { ...profile, lifecycleOutbox: undefined };
      }
    }
  };

  for await (const page of prefetched(scanProfiles(request.shard, request.totalShards))) {
    scanned += page.length;
    // Changes an earlier, interrupted attempt recorded but may not have announced.
    await announce(page.flatMap((profile) => (profile.lifecycleOutbox ? [profile.lifecycleOutbox] : [])));
    fresh = [];
    await inPool(page, deps.settings.analytics.writeConcurrency, scoreOne);
    await announce(fresh);
  }
  const summary = accumulator.summary();
  const { customers, written, lifecycleChanges, eventsPublished, vanished } = summary;
  return { summary, counts: { scanned, customers, written, lifecycleChanges, eventsPublished, vanished } };
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
    const merged = await mergedSummaries<PopulationPartial>(
      event,
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
        detail: { runId, asOf, attempt, phase: PHASE.score, shard, totalShards },
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

  const merged = await mergedSummaries<ScoringSummary>(event, mergeScoringSummaries, emptyScoringSummary());
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
  log.info('nightly analytics completed', { runId, asOf, ...summary.lifecycle });
  return { outcome: 'completed' };
}

async function mergedSummaries<T>(event: ShardCompleted, merge: (a: T, b: T) => T, empty: T): Promise<T> {
  const summaries = await loadShardSummaries<T>(event.asOf, event.attempt, event.phase);
  if (summaries.size < event.totalShards) {
    throw new Error(`run ${event.runId}: ${summaries.size} of ${event.totalShards} shard summaries found`);
  }
  // In shard order, so the merge (and the fit after it) is the same on every re-run.
  return [...summaries.keys()]
    .sort((x, y) => x - y)
    .reduce((total, shard) => merge(total, summaries.get(shard) as T), empty);
}
