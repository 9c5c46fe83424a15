// Saved segments: create, read, replace, delete, list, and preview (how many customers a rule
// selects today, with a sample).

import { fullName } from '../domain/campaign.js';
import { ConflictError } from '../domain/errors.js';
import type { SegmentDefinitionInput, SegmentDefinitionRecord } from '../domain/segment-definition.js';
import { segmentFacts } from '../domain/segment-facts.js';
import { compileRule, type SegmentFacts, type SegmentRule } from '../domain/segment-rules.js';
import { localDay } from '../domain/time.js';
import { ulid } from '../ids.js';
import { businessTimeZone } from '../settings.js';
import {
  allCampaigns,
  deleteDefinition as deleteStoredDefinition,
  insertDefinition,
  listDefinitions as listStoredDefinitions,
  loadDefinition,
  type Page,
  replaceDefinition as replaceStoredDefinition,
} from '../store/campaign-repository.js';
import { type ProfilePage, type ScanOptions, scanProfilePages } from '../store/profile-scan.js';
import { campaignSettings } from './campaign-settings.js';
import { type Clock, systemClock } from './customer-profiles.js';

export async function createDefinition(
  input: SegmentDefinitionInput,
  clock: Clock = systemClock,
): Promise<SegmentDefinitionRecord> {
  const now = clock.now();
  const record: SegmentDefinitionRecord = {
    id: `seg_${ulid(now.getTime())}`,
    version: 1,
    name: input.name,
    ...(input.description ? { description: input.description } : {}),
    rule: input.rule,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  await insertDefinition(record);
  return record;
}

export const getDefinition = (id: string) => loadDefinition(id);

export const listDefinitions = (limit: number, after?: string): Promise<Page<SegmentDefinitionRecord>> =>
  listStoredDefinitions(limit, after);

/** Replace a definition; with `expectedVersion` (If-Match) only if nobody changed it since. */
export async function replaceDefinition(
  id: string,
  input: SegmentDefinitionInput,
  expectedVersion: number | undefined,
  clock: Clock = systemClock,
): Promise<SegmentDefinitionRecord> {
  const current = await loadDefinition(id, true);
  const version = expectedVersion ?? current.version;
  const updatedAt = clock.now().toISOString();
  await replaceStoredDefinition(
    { id, name: input.name, description: input.description, rule: input.rule, updatedAt },
    version,
  );
  return {
    id,
    version: version + 1,
    name: input.name,
    ...(input.description ? { description: input.description } : {}),
    rule: input.rule,
    createdAt: current.createdAt,
    updatedAt,
  };
}

/** Delete a definition no campaign uses (a campaign would lose its list). */
export async function deleteDefinition(id: string): Promise<void> {
  await loadDefinition(id, true);
  const users = (await allCampaigns()).filter((campaign) => campaign.segment.definitionId === id);
  if (users.length > 0) {
    throw new ConflictError(
      `the segment is used by campaign(s) ${users.map((campaign) => campaign.id).join(', ')}: change or delete them first`,
      'id',
    );
  }
  await deleteStoredDefinition(id);
}

export interface PreviewSample {
  id: string;
  name?: string;
  region?: string;
  city?: string;
  rfmSegment?: string;
  tier?: string;
  lifecycle?: string;
  churnProbability?: number;
  clv?: number;
  daysSinceLastOrder?: number;
}

export interface Preview {
  asOf: string;
  /** Customers the rule selects (an estimate when `exact` is false). */
  count: number;
  /** False when the scan ran out of time and the count is extrapolated from the segments read. */
  exact: boolean;
  /** Of them, how many a campaign could reach on each channel (consent and an address). */
  reachable: { email: number; sms: number; push: number };
  scanned: number;
  sample: PreviewSample[];
}

export interface PreviewOptions {
  asOf: string;
  timeZone: string;
  sampleSize: number;
  budgetMs: number;
  totalSegments: number;
  now?: () => number;
  pages?: (options: ScanOptions) => AsyncIterable<ProfilePage>;
}

function shuffled(count: number): number[] {
  const order = Array.from({ length: count }, (_, index) => index);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

function sampleOf(profile: Parameters<typeof fullName>[0], facts: SegmentFacts): PreviewSample {
  return {
    id: profile.id,
    name: fullName(profile),
    region: facts.region,
    city: facts.city,
    rfmSegment: facts.rfmSegment,
    tier: facts.tier,
    lifecycle: facts.lifecycle,
    churnProbability: facts.churnProbability,
    clv: facts.clv,
    daysSinceLastOrder: facts.daysSinceLastOrder,
  };
}

/**
 * How many customers a rule selects on `asOf`. Reads the Scan segments in random order; when the
 * time budget runs out before all are read, the count is extrapolated from the segments read in
 * full (each segment is a uniform hash share of the table) and marked `exact: false`.
 */
export async function previewRule(rule: SegmentRule, options: PreviewOptions): Promise<Preview> {
  const predicate = compileRule(rule);
  const now = options.now ?? Date.now;
  const deadline = now() + options.budgetMs;
  const pages = options.pages ?? scanProfilePages;
  const perSegment = new Map<number, { count: number; email: number; sms: number; push: number }>();
  const finished = new Set<number>();
  const sample: PreviewSample[] = [];
  let scanned = 0;
  for await (const page of pages({
    totalSegments: options.totalSegments,
    segments: shuffled(options.totalSegments),
    concurrency: 4,
  })) {
    const tally = perSegment.get(page.segment) ?? { count: 0, email: 0, sms: 0, push: 0 };
    perSegment.set(page.segment, tally);
    for (const profile of page.items) {
      scanned++;
      const facts = segmentFacts(profile, options.asOf, options.timeZone);
      if (!predicate(facts)) continue;
      tally.count++;
      if (facts.consent.includes('email') && profile.email) tally.email++;
      if (facts.consent.includes('sms') && profile.phone) tally.sms++;
      if (facts.consent.includes('push')) tally.push++;
      if (sample.length < options.sampleSize) sample.push(sampleOf(profile, facts));
    }
    if (page.last) finished.add(page.segment);
    if (finished.size < options.totalSegments && now() > deadline) break;
  }
  const exact = finished.size === options.totalSegments;
  const total = { count: 0, email: 0, sms: 0, push: 0 };
  // Segments read in full extrapolate fairly; if none was, the partial count is a lower bound.
  for (const segment of finished.size > 0 ? finished : perSegment.keys()) {
    const tally = perSegment.get(segment);
    if (!tally) continue;
    total.count += tally.count;
    total.email += tally.email;
    total.sms += tally.sms;
    total.push += tally.push;
  }
  const scale = exact || finished.size === 0 ? 1 : options.totalSegments / finished.size;
  const scaled = (value: number) => Math.round(value * scale);
  return {
    asOf: options.asOf,
    count: scaled(total.count),
    exact,
    reachable: { email: scaled(total.email), sms: scaled(total.sms), push: scaled(total.push) },
    scanned,
    sample,
  };
}

/** Preview a saved definition as of today (business-local). */
export async function previewDefinition(
  id: string,
  clock: Clock = systemClock,
): Promise<Preview & { definitionId: string }> {
  const definition = await loadDefinition(id);
  const settings = campaignSettings();
  const timeZone = businessTimeZone();
  const preview = await previewRule(definition.rule, {
    asOf: localDay(clock.now(), timeZone),
    timeZone,
    sampleSize: settings.previewSampleSize,
    budgetMs: settings.previewBudgetMs,
    totalSegments: settings.previewSegments,
  });
  return { definitionId: id, ...preview };
}
