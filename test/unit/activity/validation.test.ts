import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import {
  batchEventSchema,
  eventFields,
  eventInputSchema,
  expiresAtFor,
} from '../../../shared/domain/activity-events.js';
import { feedbackInputSchema, npsCategory } from '../../../shared/domain/feedback.js';
import { futureIssue, toUtcIso } from '../../../shared/domain/instants.js';
import { kindFilterSchema, timelineEntrySchema, toTimelineEntry } from '../../../shared/domain/timeline.js';
import { fieldIssues } from '../../../shared/http/problem.js';
import { stableJson } from '../../../shared/use-cases/fingerprint.js';

/** The fields a request would be refused for, as the API names them. */
function badFields(schema: z.core.$ZodType, input: unknown): string[] {
  const result = z.safeParse(schema, input);
  return result.success
    ? []
    : fieldIssues(result.error)
        .map((issue) => issue.field)
        .sort();
}

describe('event validation', () => {
  it.each([
    [{ kind: 'page_view', url: 'https://shop.example/' }, []],
    [{ kind: 'page_view' }, ['url']],
    [{ kind: 'page_view', url: 'not a url' }, ['url']],
    [{ kind: 'product_view', sku: 'SKU-1' }, []],
    [{ kind: 'product_view', category: 'tea' }, ['productId']],
    [{ kind: 'search', query: '   ' }, ['query']],
    [{ kind: 'search', query: 'green tea', resultCount: -1 }, ['resultCount']],
    [{ kind: 'add_to_cart', productId: 'p1', quantity: 0 }, ['quantity']],
    [{ kind: 'add_to_cart', productId: 'p1', quantity: 1.5 }, ['quantity']],
    [{ kind: 'click', target: 'buy-button' }, []],
    [{ kind: 'comment', text: 'x'.repeat(2000) }, []],
    [{ kind: 'comment', text: 'x'.repeat(2001) }, ['text']],
    [{ kind: 'like', url: 'https://shop.example/p/1' }, []],
    [{ kind: 'like' }, ['productId']],
    [{ kind: 'share', sku: 'S', network: 'wechat' }, []],
    [{ kind: 'review', sku: 'S', rating: 5, text: 'great' }, []],
    [{ kind: 'review', sku: 'S', rating: 6 }, ['rating']],
    [{ kind: 'review', sku: 'S', rating: 0 }, ['rating']],
    [{ kind: 'review', sku: 'S', rating: '5' }, ['rating']],
    [{ kind: 'review', sku: 'S', rating: 4, stars: 4 }, ['stars']],
    [{ kind: 'teleport' }, ['kind']],
    [{ url: 'https://shop.example/' }, ['kind']],
    [{ kind: 'click', target: 't', occurredAt: '2024-05-01 10:00' }, ['occurredAt']],
    [{ kind: 'click', target: 't', occurredAt: '2024-05-01T10:00:00+08:00', channel: 'app' }, []],
    [{ kind: 'click', target: 't', eventId: 'has space' }, ['eventId']],
  ])('%j is refused for %j', (input, fields) => {
    expect(badFields(eventInputSchema, input)).toEqual(fields);
  });

  it('needs customerId and eventId on each event of a batch', () => {
    expect(badFields(batchEventSchema, { kind: 'click', target: 't' })).toEqual(['customerId', 'eventId']);
    expect(
      badFields(batchEventSchema, {
        kind: 'click',
        target: 't',
        customerId: 'cus_01J00000000000000000000000',
        eventId: 'e1',
      }),
    ).toEqual([]);
  });

  it('stores the kind-specific fields, with defaults, and not the envelope', () => {
    const input = z.parse(batchEventSchema, {
      kind: 'add_to_cart',
      sku: 'TEA-1',
      customerId: 'cus_01J00000000000000000000000',
      eventId: 'e1',
      occurredAt: '2024-05-01T10:00:00Z',
      channel: 'web',
    });
    expect(eventFields(input)).toEqual({ sku: 'TEA-1', quantity: 1, channel: 'web' });
  });

  it('expires raw behaviour events after the retention, never social ones', () => {
    const at = '2024-01-01T00:00:00.000Z';
    const epoch = Date.UTC(2024, 0, 1) / 1000;
    for (const kind of ['page_view', 'product_view', 'search', 'add_to_cart', 'click']) {
      expect(expiresAtFor(kind, at, 90)).toBe(epoch + 90 * 24 * 3600);
    }
    expect(expiresAtFor('click', at, 7)).toBe(Date.UTC(2024, 0, 8) / 1000);
    for (const kind of ['comment', 'like', 'share', 'review'])
      expect(expiresAtFor(kind, at, 90)).toBeUndefined();
  });
});

describe('client times', () => {
  const now = new Date('2024-05-01T12:00:00.000Z');
  it('normalises any offset to UTC with milliseconds', () => {
    expect(toUtcIso('2024-05-01T20:00:00+08:00')).toBe('2024-05-01T12:00:00.000Z');
    expect(toUtcIso('2024-05-01T12:00:00.5Z')).toBe('2024-05-01T12:00:00.500Z');
  });
  it('accepts a date up to the clock skew ahead, refuses one beyond it', () => {
    expect(futureIssue('2024-05-01T12:05:00.000Z', now, 300, 'occurredAt')).toBeUndefined();
    expect(futureIssue('2024-05-01T12:05:00.001Z', now, 300, 'occurredAt')?.field).toBe('occurredAt');
    expect(futureIssue('1999-01-01T00:00:00.000Z', now, 300, 'occurredAt')).toBeUndefined();
  });
});

describe('feedback validation', () => {
  it.each([
    [{ type: 'nps', score: 0, channel: 'email' }, []],
    [{ type: 'nps', score: 10, channel: 'email' }, []],
    [{ type: 'nps', score: 11, channel: 'email' }, ['score']],
    [{ type: 'nps', score: -1, channel: 'email' }, ['score']],
    [{ type: 'csat', score: 1, channel: 'web' }, []],
    [{ type: 'csat', score: 5, channel: 'web' }, []],
    [{ type: 'csat', score: 0, channel: 'web' }, ['score']],
    [{ type: 'csat', score: 6, channel: 'web' }, ['score']],
    [{ type: 'csat', score: 4.5, channel: 'web' }, ['score']],
    [{ type: 'ces', score: 3, channel: 'web' }, ['type']],
    [{ type: 'nps', score: 9 }, ['channel']],
    [{ type: 'nps', score: 9, channel: 'web', comment: 'x'.repeat(2001) }, ['comment']],
    [{ type: 'nps', score: 9, channel: 'web', answeredAt: 'yesterday' }, ['answeredAt']],
  ])('%j is refused for %j', (input, fields) => {
    expect(badFields(feedbackInputSchema, input)).toEqual(fields);
  });

  it('buckets NPS scores: detractors 0–6, passives 7–8, promoters 9–10', () => {
    expect([0, 6, 7, 8, 9, 10].map(npsCategory)).toEqual([
      'detractor',
      'detractor',
      'passive',
      'passive',
      'promoter',
      'promoter',
    ]);
  });
});

describe('timeline', () => {
  it('parses a kind filter into known kinds and refuses unknown ones', () => {
    expect(z.parse(kindFilterSchema, 'order,review,order')).toEqual(['order', 'review']);
    expect(z.safeParse(kindFilterSchema, 'order,teleport').success).toBe(false);
    expect(z.safeParse(kindFilterSchema, '').success).toBe(false);
  });

  it('shows public fields only: keys, TTL and index attributes stay inside', () => {
    const item = {
      pk: 'CUSTOMER#cus_1',
      sk: 'TL#2024-05-01T12:00:00.000Z#page_view#e1',
      type: 'event',
      kind: 'page_view',
      at: '2024-05-01T12:00:00.000Z',
      id: 'e1',
      customerId: 'cus_1',
      url: 'https://shop.example/',
      channel: 'web',
      receivedAt: '2024-05-01T12:00:01.000Z',
      expiresAt: 1_722_470_400,
      listPk: 'X',
    };
    const entry = z.parse(timelineEntrySchema, toTimelineEntry(item));
    expect(entry).toEqual({
      kind: 'page_view',
      at: '2024-05-01T12:00:00.000Z',
      id: 'e1',
      data: { url: 'https://shop.example/', channel: 'web', receivedAt: '2024-05-01T12:00:01.000Z' },
    });
    // A kind without a data schema here still loses keys, TTL and index attributes.
    const message = z.parse(
      timelineEntrySchema,
      toTimelineEntry({
        pk: 'p',
        sk: 'TL#2024-05-01T12:00:00.000Z#message#m-9',
        kind: 'message',
        at: 'x',
        template: 'birthday',
        expiresAt: 1,
        customerId: 'cus_1',
      }),
    );
    expect(message).toEqual({ kind: 'message', at: 'x', id: 'm-9', data: { template: 'birthday' } });
  });

  it('fingerprints content, not key order', () => {
    expect(stableJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"e":3,"f":2}]},"b":1}',
    );
  });
});
