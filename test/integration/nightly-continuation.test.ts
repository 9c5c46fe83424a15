// A nightly shard larger than one worker invocation can handle is carried on in slices: the worker
// stops at a page boundary when its time budget is spent, stores what it has, and announces the rest
// of its shard (a continuation event with its Scan position) instead of running into the function
// timeout. On a real stack of this file's own (DynamoDB Local, the local bus with its retries, the
// real handlers in this process).
//
// The time budget is provoked through configuration, not by waiting: `sliceSeconds: 0` makes every
// invocation hand on after one page, and `scanPageSize: 2` makes pages of two profiles, so 11
// customers in 2 shards take several slices per shard and phase. A crash mid-slice is injected
// (SDK middleware, as in nightly.test.ts), since nothing else can provoke it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_NAMES } from '../../infra/local/local-stack.js';
import { EVENT_SOURCE } from '../../shared/app.js';
import { resetConfig } from '../../shared/config.js';
import { EMPTY_ACTIVITY } from '../../shared/domain/customer-activity.js';
import { resetSettings } from '../../shared/settings.js';
import { type PrivateStack, startPrivateStack } from './private-stack.js';

const SLICED = JSON.stringify({ analytics: { shards: 2, sliceSeconds: 0, scanPageSize: 2 } });
const WHOLE = JSON.stringify({ analytics: { shards: 2 } });
const AS_OF = '1986-03-31';
const CUSTOMERS = 11;

let local: PrivateStack;
const ids: string[] = [];

/** RETAIN_SETTINGS for the handlers of this process from now on. */
function useSettings(settings: string): void {
  process.env.RETAIN_SETTINGS = settings;
  resetConfig();
  resetSettings();
}

function daysBefore(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

type BusEvent = { id: string; 'detail-type': string; detail: Record<string, unknown> };
const eventsSince = (count: number) => local.stack.bus.events.slice(count) as unknown as BusEvent[];
const ofType = (events: BusEvent[], type: string) => events.filter((event) => event['detail-type'] === type);
const sum = (events: BusEvent[], count: string) =>
  events.reduce((total, event) => total + ((event.detail.counts as Record<string, number>)[count] ?? 0), 0);

/** A BatchWriteItem of scores items (the nightly run's score writes). */
const isScoresPut = (input: unknown) => {
  const text = JSON.stringify(input);
  return text.includes('"PutRequest"') && text.includes('PROFILE#SCORES');
};

async function scoresOf(id: string) {
  const { loadStoredScores } = await import('../../shared/store/analytics-repository.js');
  return (await loadStoredScores([id])).get(id)?.scores;
}

beforeAll(async () => {
  local = await startPrivateStack('nightly-continuation', { settings: SLICED });
  const { batchWrite, putRequest } = await import('../../shared/store/dynamo-helpers.js');
  const { toItem } = await import('../../shared/store/customer-repository.js');
  const items = Array.from({ length: CUSTOMERS }, (_, i) => {
    const id = `cus_SLICE${process.pid}x${String(i).padStart(2, '0')}`;
    ids.push(id);
    // Customer i bought i + 1 times, 20 days apart, the last time 15 × i days before AS_OF.
    const days = Array.from({ length: i + 1 }, (_, k) => daysBefore(AS_OF, 15 * i + 20 * k));
    const createdAt = `${daysBefore(AS_OF, 400)}T00:00:00.000Z`;
    return {
      ...EMPTY_ACTIVITY,
      ...toItem({ id, version: 1, createdAt, updatedAt: createdAt, externalId: `slice-${i}` }),
      dailySpend: Object.fromEntries(days.map((day, k) => [day, 10 + 7 * k + i])),
      dailyOrders: Object.fromEntries(days.map((day) => [day, 1])),
    };
  });
  await batchWrite(items.map(putRequest));
}, 180_000);

afterAll(async () => {
  await local?.stop();
  resetConfig();
  resetSettings();
});

describe('a nightly shard that does not fit one invocation', () => {
  let sliced: BusEvent[] = [];

  it('is carried on in slices, each customer scanned and scored exactly once', async () => {
    const before = local.stack.bus.events.length;
    await local.stack.runJob('nightly', { asOf: AS_OF });
    sliced = eventsSince(before);
    expect(local.stack.bus.deadLetters).toEqual([]);

    const requested = ofType(sliced, 'analytics.shard.requested');
    const continuations = requested.filter((event) => event.detail.slice !== undefined);
    // 2 shards × 2 phases first slices, and more: 11 profiles in pages of 2 need several slices.
    expect(requested.length - continuations.length).toBe(4);
    expect(continuations.length).toBeGreaterThanOrEqual(4);
    for (const event of continuations) expect(typeof event.detail.after).toBe('string');
    // One event per slice: no slice announced twice.
    const slices = requested.map(
      (event) => `${event.detail.phase}/${event.detail.shard}/${event.detail.slice ?? 0}`,
    );
    expect(new Set(slices).size).toBe(slices.length);

    // One completion per shard and phase, whose counts add up over the slices to the population.
    const completed = ofType(sliced, 'analytics.shard.completed');
    expect(completed).toHaveLength(4);
    const phase = (n: number) => completed.filter((event) => event.detail.phase === n);
    expect(sum(phase(1), 'scanned')).toBe(CUSTOMERS);
    expect(sum(phase(2), 'scanned')).toBe(CUSTOMERS);
    expect(sum(phase(2), 'written')).toBe(CUSTOMERS);

    const [run] = ofType(sliced, 'analytics.run.completed');
    expect(ofType(sliced, 'analytics.run.completed')).toHaveLength(1);
    expect(run?.detail.summary).toMatchObject({ customers: CUSTOMERS, written: CUSTOMERS });
    const model = await local.api('GET', `/analytics/model?asOf=${AS_OF}`, { role: 'marketer' });
    expect(model.body).toMatchObject({ customers: CUSTOMERS, buyers: CUSTOMERS });
    for (const id of ids) expect((await scoresOf(id))?.runId).toBe(run?.detail.runId);
  });

  it('scores exactly as a run with whole shards: re-run unsliced, it changes and announces nothing', async () => {
    const before = local.stack.bus.events.length;
    useSettings(WHOLE);
    try {
      await local.stack.runJob('nightly', { asOf: AS_OF });
    } finally {
      useSettings(SLICED);
    }
    const events = eventsSince(before);
    expect(local.stack.bus.deadLetters).toEqual([]);
    expect(ofType(events, 'analytics.shard.requested').filter((event) => event.detail.slice)).toEqual([]);
    const completed = ofType(events, 'analytics.shard.completed').filter((event) => event.detail.phase === 2);
    expect(sum(completed, 'scanned')).toBe(CUSTOMERS);
    // Every profile compared equal to what the sliced run wrote (same model, same scores).
    expect(sum(completed, 'written')).toBe(0);
    // The date's completion was announced by the first run only.
    expect(ofType(events, 'analytics.run.completed')).toEqual([]);
    expect(ofType(events, 'customer.lifecycle.changed')).toEqual([]);
  });

  it('a slice that crashes is redone alone by the retry; a duplicate continuation changes nothing', async () => {
    const asOf = daysBefore(AS_OF, -1);
    const { documentClient } = await import('../../shared/clients/dynamodb.js');
    let scoreWrites = 0;
    let crashes = 0;
    documentClient.middlewareStack.add(
      (next) => async (args) => {
        const input = JSON.stringify((args as { input: unknown }).input);
        if (isScoresPut((args as { input: unknown }).input) && ++scoreWrites === 2) {
          crashes++;
          throw new Error('injected crash: the worker died mid-slice');
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectedSliceCrash' },
    );
    const before = local.stack.bus.events.length;
    try {
      await local.stack.runJob('nightly', { asOf });
    } finally {
      documentClient.middlewareStack.remove('injectedSliceCrash');
    }
    expect(crashes).toBe(1);
    expect(local.stack.bus.deadLetters).toEqual([]);
    const events = eventsSince(before);
    const requested = ofType(events, 'analytics.shard.requested');
    const slices = requested.map(
      (event) => `${event.detail.phase}/${event.detail.shard}/${event.detail.slice ?? 0}`,
    );
    expect(new Set(slices).size).toBe(slices.length);
    const completed = ofType(events, 'analytics.shard.completed').filter((event) => event.detail.phase === 2);
    expect(completed).toHaveLength(2);
    // The retried slice re-read its stretch only: still every customer once.
    expect(sum(completed, 'scanned')).toBe(CUSTOMERS);
    expect(ofType(events, 'analytics.run.completed')).toHaveLength(1);
    for (const id of ids) expect((await scoresOf(id))?.asOf).toBe(asOf);

    // A continuation delivered again (at-least-once delivery): its slice is claimed, nothing happens.
    const continuation = requested.find((event) => event.detail.phase === 2 && event.detail.slice);
    expect(continuation).toBeDefined();
    const after = local.stack.bus.events.length;
    local.stack.bus.put({
      source: EVENT_SOURCE,
      detailType: 'analytics.shard.requested',
      detail: continuation?.detail,
      busName: LOCAL_NAMES.bus,
    });
    await local.stack.bus.idle();
    expect(eventsSince(after + 1)).toEqual([]);
    expect(local.stack.bus.deadLetters).toEqual([]);
  });

  it('a phase-1 slice that crashes after keeping some of its pages is redone; phase 2 reads each profile once', async () => {
    const asOf = daysBefore(AS_OF, -2);
    const { s3 } = await import('../../shared/clients/s3.js');
    let pagesKept = 0;
    let crashes = 0;
    // The crash comes after the slice stored a page of its snapshot (injected: it cannot be provoked).
    s3().middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand' && ++pagesKept === 2) {
          crashes++;
          throw new Error('injected crash: the worker died after keeping a page');
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectedSnapshotCrash' },
    );
    const before = local.stack.bus.events.length;
    try {
      await local.stack.runJob('nightly', { asOf });
    } finally {
      s3().middlewareStack.remove('injectedSnapshotCrash');
    }
    expect(crashes).toBe(1);
    expect(local.stack.bus.deadLetters).toEqual([]);
    const events = eventsSince(before);
    const completed = ofType(events, 'analytics.shard.completed');
    const phase = (n: number) => completed.filter((event) => event.detail.phase === n);
    expect(sum(phase(1), 'scanned')).toBe(CUSTOMERS);
    // Phase 2 read the pages the retried slice kept again: every customer exactly once.
    expect(sum(phase(2), 'scanned')).toBe(CUSTOMERS);
    expect(ofType(events, 'analytics.run.completed')).toHaveLength(1);
    for (const id of ids) expect((await scoresOf(id))?.asOf).toBe(asOf);
  });
});
