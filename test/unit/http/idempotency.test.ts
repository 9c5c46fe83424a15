// The Idempotency-Key decisions, over an in-memory store. The DynamoDB store and the whole chain
// are exercised over HTTP in test/integration/orders.test.ts.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/domain/errors.js';
import type { HttpResult } from '../../../shared/http/handler.js';
import {
  claimIdempotencyKey,
  type IdempotencyRecord,
  type IdempotencyStore,
  idempotencyKeyOf,
  settleIdempotencyKey,
} from '../../../shared/http/idempotency.js';
import { HttpProblem } from '../../../shared/http/problem.js';

function memoryStore() {
  const records = new Map<string, IdempotencyRecord>();
  const store: IdempotencyStore = {
    async claim(subject, key, record, nowSeconds) {
      const existing = records.get(`${subject}#${key}`);
      if (existing && existing.expiresAt >= nowSeconds) return existing;
      records.set(`${subject}#${key}`, record);
      return 'claimed';
    },
    async takeOver(subject, key, staleToken, record) {
      if (records.get(`${subject}#${key}`)?.token !== staleToken) return false;
      records.set(`${subject}#${key}`, record);
      return true;
    },
    async complete(subject, key, token, response) {
      const record = records.get(`${subject}#${key}`);
      if (record?.token === token)
        records.set(`${subject}#${key}`, { ...record, state: 'completed', response });
    },
    async release(subject, key, token) {
      if (records.get(`${subject}#${key}`)?.token === token) records.delete(`${subject}#${key}`);
    },
  };
  return { store, records };
}

const request = (overrides: Partial<Parameters<typeof claimIdempotencyKey>[0]> = {}) => ({
  subject: 'client-1',
  key: 'k-1',
  fingerprint: 'f-1',
  lockMs: 10_000,
  now: 1_000_000,
  ...overrides,
});
const created: HttpResult = {
  statusCode: 201,
  headers: { 'content-type': 'application/json' },
  body: '{"id":1}',
};

async function statusOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpProblem) return error.status;
    throw error;
  }
  return 'ok';
}

describe('Idempotency-Key', () => {
  it('accepts 1–255 printable characters', () => {
    expect(idempotencyKeyOf({})).toBeUndefined();
    expect(idempotencyKeyOf({ 'idempotency-key': 'order-42 retry' })).toBe('order-42 retry');
    for (const bad of ['', ' leading-space', 'x'.repeat(256), 'tab\there', 'ключ']) {
      expect(() => idempotencyKeyOf({ 'idempotency-key': bad }), bad).toThrow(ValidationError);
    }
  });

  it('runs the first request, replays its response to a retry, and refuses the key for another request', async () => {
    const { store } = memoryStore();
    const first = await claimIdempotencyKey(request(), store);
    expect(first.run).toBe(true);
    expect(await statusOf(claimIdempotencyKey(request({ now: 1_000_500 }), store))).toBe(409); // still running
    if (first.run)
      await settleIdempotencyKey(store, { subject: 'client-1', key: 'k-1', token: first.token }, created);
    const retry = await claimIdempotencyKey(request({ now: 1_001_000 }), store);
    expect(retry).toEqual({
      run: false,
      response: { ...created, headers: { ...created.headers, 'idempotent-replayed': 'true' } },
    });
    expect(await statusOf(claimIdempotencyKey(request({ fingerprint: 'f-2' }), store))).toBe(422);
    // Another caller's identical key is another request.
    expect((await claimIdempotencyKey(request({ subject: 'client-2' }), store)).run).toBe(true);
  });

  it('frees the key of a failed request, and lets a retry take over an attempt that died', async () => {
    const { store, records } = memoryStore();
    const first = await claimIdempotencyKey(request(), store);
    if (first.run)
      await settleIdempotencyKey(store, { subject: 'client-1', key: 'k-1', token: first.token }, undefined);
    expect(records.size).toBe(0);
    expect((await claimIdempotencyKey(request(), store)).run).toBe(true);
    // That attempt never finishes; after its lock runs out a retry runs instead.
    expect((await claimIdempotencyKey(request({ now: 1_000_000 + 10_001 }), store)).run).toBe(true);
  });

  it('does not keep error answers', async () => {
    const { store, records } = memoryStore();
    const first = await claimIdempotencyKey(request(), store);
    const refused: HttpResult = { statusCode: 404, body: '{}' };
    if (first.run)
      await settleIdempotencyKey(store, { subject: 'client-1', key: 'k-1', token: first.token }, refused);
    expect(records.size).toBe(0);
  });
});
