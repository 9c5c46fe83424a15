// NPS and CSAT answers over real HTTP against DynamoDB Local.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCustomer } from '../../shared/store/customer-repository.js';
import { api, unique, useStackEnvironment } from './support.js';

beforeAll(() => useStackEnvironment());

async function newCustomer(): Promise<string> {
  return (await api('POST', '/customers', { body: { email: `${unique('fb')}@example.com` } })).body.id;
}

describe('survey answers', () => {
  it('keeps NPS and CSAT counts and sums on the profile, and the latest NPS by answer time', async () => {
    const id = await newCustomer();
    const post = (body: Record<string, unknown>) =>
      api('POST', `/customers/${id}/feedback`, { body, role: 'support' });
    const recent = await post({
      type: 'nps',
      score: 3,
      channel: 'email',
      answeredAt: '2024-04-10T09:00:00Z',
      comment: 'slow',
    });
    expect(recent.status).toBe(201);
    expect(recent.body).toMatchObject({
      customerId: id,
      type: 'nps',
      score: 3,
      npsCategory: 'detractor',
      comment: 'slow',
      channel: 'email',
      at: '2024-04-10T09:00:00.000Z',
    });
    // An older answer that arrives late is counted but does not become the latest.
    expect(
      (await post({ type: 'nps', score: 10, channel: 'web', answeredAt: '2024-03-01T09:00:00Z' })).status,
    ).toBe(201);
    expect((await post({ type: 'csat', score: 4, channel: 'pos' })).status).toBe(201);

    const profile = await loadCustomer(id, true);
    expect(profile).toMatchObject({
      npsCount: 2,
      npsSum: 13,
      csatCount: 1,
      csatSum: 4,
      lastNps: 3,
      lastNpsAt: '2024-04-10T09:00:00.000Z',
      lastCsat: 4,
    });
  });

  it('stores and counts a retried answer once', async () => {
    const id = await newCustomer();
    const body = { feedbackId: unique('survey'), type: 'csat', score: 2, channel: 'sms' };
    const first = await api('POST', `/customers/${id}/feedback`, { body, role: 'ingest' });
    const retry = await api('POST', `/customers/${id}/feedback`, { body, role: 'ingest' });
    expect([first.status, retry.status]).toEqual([201, 200]);
    expect(retry.body).toEqual(first.body);
    const reused = await api('POST', `/customers/${id}/feedback`, {
      body: { ...body, score: 5 },
      role: 'ingest',
    });
    expect(reused.status).toBe(409);
    expect(reused.body.errors[0].field).toBe('feedbackId');
    expect(await loadCustomer(id, true)).toMatchObject({ csatCount: 1, csatSum: 2 });
  });

  it('refuses scores out of range for their type, future answers and unknown customers', async () => {
    const id = await newCustomer();
    const post = (body: Record<string, unknown>) => api('POST', `/customers/${id}/feedback`, { body });
    for (const body of [
      { type: 'nps', score: 11, channel: 'web' },
      { type: 'csat', score: 0, channel: 'web' },
      { type: 'csat', score: 6, channel: 'web' },
    ]) {
      const refused = await post(body);
      expect(refused.status).toBe(400);
      expect(refused.body.errors.map((error: { field: string }) => error.field)).toEqual(['score']);
    }
    const future = await post({
      type: 'nps',
      score: 9,
      channel: 'web',
      answeredAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(future.status).toBe(400);
    expect(future.body.errors[0].field).toBe('answeredAt');
    const unknown = await api('POST', '/customers/cus_01J0000000000000000000UNKN/feedback', {
      body: { type: 'nps', score: 9, channel: 'web' },
    });
    expect(unknown.status).toBe(404);
    const marketer = await api('POST', `/customers/${id}/feedback`, {
      body: { type: 'nps', score: 9, channel: 'web' },
      role: 'marketer',
    });
    expect(marketer.status).toBe(403);
    expect((await loadCustomer(id, true)).npsCount).toBeUndefined();
  });
});
