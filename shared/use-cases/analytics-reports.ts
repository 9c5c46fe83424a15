// What marketers read of the nightly analytics: the fitted model, segment profiles with their
// trend, KPIs (retention by cohort, repeat-purchase rate, average CLV, CAC per channel), and the
// acquisition costs they supply. Reads stored results only; nothing here scans customers.
import { NotFoundError, ValidationError } from '../domain/errors.js';
import { RFM_SEGMENT_LABELS } from '../domain/segmentation/rfm-segments.js';
import type { SegmentProfile } from '../domain/segmentation/segment-profile.js';
import {
  averageClv,
  cacByChannel,
  cohortRetention,
  type KpiPartial,
  newCustomersByChannel,
  repeatPurchaseRate,
} from '../domain/segmentation/kpis.js';
import {
  loadAcquisitionCosts,
  loadKpis,
  loadModel,
  loadSegmentHistory,
  putAcquisitionCosts,
} from '../store/analytics-repository.js';
import { analyticsSettings } from './analytics-settings.js';
import type { Clock } from './customer-profiles.js';
import { systemClock } from './customer-profiles.js';

export async function getModel(asOf?: string) {
  const model = await loadModel(asOf);
  if (!model) throw new NotFoundError('analytics model', asOf ?? 'latest');
  return model;
}

interface StoredSegments {
  asOf: string;
  runId: string;
  customers: number;
  buyers: number;
  segments: Record<string, SegmentProfile>;
}

const labelOf = (name: string) => (RFM_SEGMENT_LABELS as Record<string, string>)[name] ?? name;

function segmentView(name: string, history: StoredSegments[]) {
  const latest = history[0] as StoredSegments;
  const profile = latest.segments[name] as SegmentProfile;
  const trend = history
    .filter((run) => run.segments[name])
    .map((run) => {
      const past = run.segments[name] as SegmentProfile;
      return {
        asOf: run.asOf,
        size: past.size,
        shareOfPopulation: past.shareOfPopulation,
        averageSpend: past.spend.average,
        averageChurnProbability: past.averageChurnProbability,
        averageClv: past.averageClv,
      };
    })
    .reverse();
  return { name, label: labelOf(name), ...profile, trend };
}

/** The segment profiles of the run of `asOf` (default: the newest) and the runs before it. */
async function segmentHistory(asOf?: string): Promise<StoredSegments[]> {
  const history = (await loadSegmentHistory(
    analyticsSettings().trendRuns,
    asOf,
  )) as unknown as StoredSegments[];
  if (history.length === 0 || (asOf && history[0]?.asOf !== asOf)) {
    throw new NotFoundError('segment profiles', asOf ?? 'latest (no nightly run yet)');
  }
  return history;
}

const header = (run: StoredSegments) => ({
  asOf: run.asOf,
  runId: run.runId,
  customers: run.customers,
  buyers: run.buyers,
});

export async function listSegments(asOf?: string) {
  const history = await segmentHistory(asOf);
  const latest = history[0] as StoredSegments;
  return {
    ...header(latest),
    segments: Object.keys(latest.segments).map((name) => segmentView(name, history)),
  };
}

export async function getSegment(name: string, asOf?: string) {
  const history = await segmentHistory(asOf);
  const latest = history[0] as StoredSegments;
  if (!latest.segments[name]) throw new NotFoundError('segment', name);
  return { ...header(latest), segment: segmentView(name, history) };
}

/** `YYYY-MM` plus `months` (negative: earlier). */
function shiftMonth(month: string, months: number): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  const index = year * 12 + (m - 1) + months;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/**
 * KPIs of the run of `asOf` (default: the newest). CAC covers the months from … to (default: the 12
 * months ending with the as-of month): the costs supplied for those months over the new customers
 * each channel brought in them.
 */
export async function getKpis(query: { asOf?: string; from?: string; to?: string }) {
  const stored = await loadKpis(query.asOf);
  if (!stored) throw new NotFoundError('KPIs', query.asOf ?? 'latest (no nightly run yet)');
  const asOf = String(stored.asOf);
  const kpi = stored.kpi as KpiPartial;
  const to = query.to ?? asOf.slice(0, 7);
  const from = query.from ?? shiftMonth(to, -11);
  if (from > to) throw new ValidationError([{ field: 'query.from', message: `must not be after ${to}` }]);
  const costs: Record<string, number> = {};
  for (const { costs: monthCosts } of await loadAcquisitionCosts(from, to)) {
    for (const [channel, amount] of Object.entries(monthCosts))
      costs[channel] = (costs[channel] ?? 0) + amount;
  }
  const cac = cacByChannel(costs, newCustomersByChannel(kpi, from, to));
  return {
    asOf,
    runId: String(stored.runId),
    customers: kpi.customers,
    buyers: kpi.buyers,
    repeatPurchaseRate: repeatPurchaseRate(kpi),
    averageClv: averageClv(kpi),
    retention: cohortRetention(kpi, asOf.slice(0, 7)).map((row) => ({
      ...row,
      active: [...row.active],
      retention: [...row.retention],
    })),
    acquisition: { from, to, ...cac },
  };
}

/** Replaces the acquisition spend of a month, by channel. */
export async function setAcquisitionCosts(
  input: { month: string; costs: Record<string, number> },
  clock: Clock = systemClock,
) {
  const updatedAt = clock.now().toISOString();
  await putAcquisitionCosts(input.month, input.costs, updatedAt);
  return { month: input.month, costs: input.costs, updatedAt };
}
