// Complaint tickets over real HTTP against DynamoDB Local: the lifecycle with response and
// resolution times, illegal and concurrent moves, the open-complaints counter and support queues.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCustomer } from '../../shared/store/customer-repository.js';
import { api, unique, useStackEnvironment } from './support.js';

beforeAll(() => useStackEnvironment());

async function newCustomer(): Promise<string> {
  return (await api('POST', '/customers', { body: { email: `${unique('cp')}@example.com` } })).body.id;
}

const complaint = (overrides: Record<string, unknown> = {}) => ({
  category: 'delivery',
  severity: 'high',
  description: 'The parcel arrived crushed.',
  channel: 'phone',
  ...overrides,
});

async function open(customerId: string, overrides: Record<string, unknown> = {}) {
  const created = await api('POST', `/customers/${customerId}/complaints`, {
    body: complaint(overrides),
    role: 'support',
  });
  expect(created.status).toBe(201);
  return created.body;
}

const move = (customerId: string, complaintId: string, to: string, note?: string) =>
  api('POST', `/customers/${customerId}/complaints/${complaintId}/transition`, {
    body: note ? { to, note } : { to },
    role: 'support',
  });

const openComplaints = async (customerId: string) => (await loadCustomer(customerId, true)).openComplaints;

/** Every complaint of a support queue, following the cursor. */
async function queue(status: string, limit = 2) {
  const items: Array<{ id: string; openedAt: string; status: string; ageSeconds: number }> = [];
  let cursor: string | undefined;
  do {
    const page = await api(
      'GET',
      `/complaints?status=${status}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      {
        role: 'support',
      },
    );
    expect(page.status).toBe(200);
    expect(page.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

describe('complaint lifecycle', () => {
  it('goes open → in progress → resolved → closed, timing the first response and the resolution', async () => {
    const id = await newCustomer();
    const before = Date.now();
    const ticket = await open(id);
    expect(ticket).toMatchObject({
      customerId: id,
      status: 'open',
      category: 'delivery',
      severity: 'high',
      reopenCount: 0,
    });
    expect(ticket.id).toMatch(/^cmp_/);
    expect(await openComplaints(id)).toBe(1);

    const working = await move(id, ticket.id, 'in_progress', 'called the customer back');
    expect(working.status).toBe(200);
    expect(working.body.firstResponseAt).toEqual(expect.any(String));
    const firstResponse = new Date(working.body.firstResponseAt).getTime();
    expect(firstResponse).toBeGreaterThanOrEqual(before);
    expect(working.body.firstResponseSeconds).toBe(
      Math.round((firstResponse - new Date(ticket.openedAt).getTime()) / 1000),
    );
    expect(await openComplaints(id)).toBe(1);

    const resolved = await move(id, ticket.id, 'resolved', 'replacement sent');
    expect(resolved.body.resolvedAt).toEqual(expect.any(String));
    expect(resolved.body.resolutionSeconds).toBe(
      Math.round((new Date(resolved.body.resolvedAt).getTime() - new Date(ticket.openedAt).getTime()) / 1000),
    );
    expect(await openComplaints(id)).toBe(0);

    const closed = await move(id, ticket.id, 'closed');
    expect(closed.body).toMatchObject({ status: 'closed', firstResponseAt: working.body.firstResponseAt });
    expect(
      closed.body.history.map((change: { from: string; to: string }) => `${change.from}>${change.to}`),
    ).toEqual(['open>in_progress', 'in_progress>resolved', 'resolved>closed']);
    expect(closed.body.history[0]).toMatchObject({
      note: 'called the customer back',
      by: expect.any(String),
    });

    // What the API says after the moves is what is stored.
    const read = await api('GET', `/customers/${id}/complaints/${ticket.id}`, { role: 'support' });
    expect(read.body).toEqual(closed.body);

    // Reopened: counted as open again, and back in the open queue.
    const reopened = await move(id, ticket.id, 'open', 'it broke again');
    expect(reopened.body).toMatchObject({ status: 'open', reopenCount: 1 });
    expect(reopened.body.resolvedAt).toBeUndefined();
    expect(await openComplaints(id)).toBe(1);
    expect((await queue('open', 100)).map((item) => item.id)).toContain(ticket.id);
  });

  it('answers 409 naming `to` for an illegal move and changes nothing', async () => {
    const id = await newCustomer();
    const ticket = await open(id);
    for (const to of ['resolved', 'closed', 'open']) {
      const refused = await move(id, ticket.id, to);
      expect(refused.status).toBe(409);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.errors).toEqual([{ field: 'to', message: expect.stringContaining('in_progress') }]);
    }
    const unknownStatus = await move(id, ticket.id, 'escalated');
    expect(unknownStatus.status).toBe(400);
    expect(unknownStatus.body.errors[0].field).toBe('to');
    const read = await api('GET', `/customers/${id}/complaints/${ticket.id}`, { role: 'support' });
    expect(read.body).toMatchObject({ status: 'open', history: [] });
  });

  it('lets only one of two concurrent moves win, and keeps the counter right', async () => {
    const id = await newCustomer();
    const ticket = await open(id);
    const same = await Promise.all([move(id, ticket.id, 'in_progress'), move(id, ticket.id, 'in_progress')]);
    expect(same.map((response) => response.status).sort()).toEqual([200, 409]);

    await move(id, ticket.id, 'resolved');
    // From resolved, closing and reopening race: exactly one happens.
    const racing = await Promise.all([move(id, ticket.id, 'closed'), move(id, ticket.id, 'in_progress')]);
    expect(racing.map((response) => response.status).sort()).toEqual([200, 409]);
    const read = await api('GET', `/customers/${id}/complaints/${ticket.id}`, { role: 'support' });
    expect(read.body.history).toHaveLength(3);
    expect(await openComplaints(id)).toBe(read.body.status === 'in_progress' ? 1 : 0);
  });

  it('opens a complaint once per Idempotency-Key (the HTTP chain replays the first answer)', async () => {
    const id = await newCustomer();
    const headers = { 'idempotency-key': unique('ticket') };
    const first = await api('POST', `/customers/${id}/complaints`, {
      body: complaint(),
      headers,
      role: 'support',
    });
    const retry = await api('POST', `/customers/${id}/complaints`, {
      body: complaint(),
      headers,
      role: 'support',
    });
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.id).toBe(first.body.id);
    expect(await openComplaints(id)).toBe(1);
    const other = await api('POST', `/customers/${id}/complaints`, {
      body: complaint({ severity: 'low' }),
      headers,
      role: 'support',
    });
    expect(other.status).toBe(422);
    expect(other.body.errors[0].field).toBe('Idempotency-Key');
    expect(await openComplaints(id)).toBe(1);
  });

  it('validates every field and answers 404 for unknown customers and complaints', async () => {
    const id = await newCustomer();
    const bad = await api('POST', `/customers/${id}/complaints`, {
      body: { category: 'aliens', severity: 'urgent', channel: 'phone', priority: 1 },
      role: 'support',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      'category',
      'description',
      'priority',
      'severity',
    ]);
    const future = await api('POST', `/customers/${id}/complaints`, {
      body: complaint({ openedAt: new Date(Date.now() + 3_600_000).toISOString() }),
      role: 'support',
    });
    expect(future.status).toBe(400);
    expect(future.body.errors[0].field).toBe('openedAt');
    const unknownCustomer = await api('POST', '/customers/cus_01J0000000000000000000UNKN/complaints', {
      body: complaint(),
      role: 'support',
    });
    expect(unknownCustomer.status).toBe(404);
    const unknownComplaint = await api('GET', `/customers/${id}/complaints/cmp_01J00000000000000000000000`, {
      role: 'support',
    });
    expect(unknownComplaint.status).toBe(404);
    const badId = await api('GET', `/customers/${id}/complaints/nope`, { role: 'support' });
    expect(badId.body.errors[0].field).toBe('path.complaintId');
    // Nothing was opened: the counter was never written.
    expect(await openComplaints(id)).toBeUndefined();
  });
});

describe('support queues', () => {
  it('lists open complaints oldest first, page by page, for support and admin only', async () => {
    const day = 86_400_000;
    const customers = [await newCustomer(), await newCustomer(), await newCustomer()];
    // Opened 3, 1 and 2 days ago: the queue must put them 3, 2, 1.
    const tickets = [
      await open(customers[0] as string, { openedAt: new Date(Date.now() - 3 * day).toISOString() }),
      await open(customers[1] as string, { openedAt: new Date(Date.now() - 1 * day).toISOString() }),
      await open(customers[2] as string, { openedAt: new Date(Date.now() - 2 * day).toISOString() }),
    ];
    const listed = await queue('open');
    const mine = listed.filter((item) => tickets.some((ticket) => ticket.id === item.id));
    expect(mine.map((item) => item.id)).toEqual([tickets[0].id, tickets[2].id, tickets[1].id]);
    // Every complaint once, the whole queue oldest first, each with its age.
    expect(new Set(listed.map((item) => item.id)).size).toBe(listed.length);
    const opened = listed.map((item) => item.openedAt);
    expect(opened).toEqual([...opened].sort());
    expect(listed.every((item) => item.status === 'open')).toBe(true);
    expect(mine[0]?.ageSeconds).toBeGreaterThanOrEqual(3 * 86_400 - 5);

    // Taken in hand: it leaves the open queue for the in-progress one.
    await move(customers[0] as string, tickets[0].id, 'in_progress');
    expect((await queue('open', 100)).map((item) => item.id)).not.toContain(tickets[0].id);
    expect((await queue('in_progress', 100)).map((item) => item.id)).toContain(tickets[0].id);

    expect((await api('GET', '/complaints', { role: 'admin' })).status).toBe(200);
    expect((await api('GET', '/complaints', { role: 'marketer' })).status).toBe(403);
    expect((await api('GET', '/complaints', { role: 'ingest' })).status).toBe(403);
    // Erasing the customer takes their complaint out of every queue.
    expect((await api('DELETE', `/customers/${customers[1]}`)).status).toBe(204);
    expect((await queue('open', 100)).map((item) => item.id)).not.toContain(tickets[1].id);

    const closedQueue = await api('GET', '/complaints?status=closed', { role: 'support' });
    expect(closedQueue.status).toBe(400);
    expect(closedQueue.body.errors[0].field).toBe('query.status');
  });
});
