import { describe, expect, it } from 'vitest';
import { api, unique, uniquePhone } from './support.js';

const newCustomer = (overrides: Record<string, unknown> = {}) => ({
  email: `${unique('ana')}@example.com`,
  name: { given: 'Ana', family: 'Lima' },
  language: 'en',
  consent: { email: { granted: true, source: 'web-signup' } },
  ...overrides,
});

describe('customer profiles over HTTP', () => {
  it('creates, reads, updates with If-Match, lists and erases a customer', async () => {
    const phone = uniquePhone();
    const created = await api('POST', '/customers', {
      body: newCustomer({
        phone: phone.replace(/(\d{3})(\d{4})$/, ' $1-$2'),
        tags: ['vip', 'vip', 'newsletter'],
      }),
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(id).toMatch(/^cus_/);
    expect(created.body.phone).toBe(phone);
    expect(created.body.tags).toEqual(['vip', 'newsletter']);
    expect(created.body.consent.email).toMatchObject({ granted: true, source: 'web-signup' });
    expect(created.headers.get('etag')).toBe('"1"');

    const read = await api('GET', `/customers/${id}`, { role: 'support' });
    expect(read.status).toBe(200);
    expect(read.body.email).toBe(created.body.email);

    const updated = await api('PATCH', `/customers/${id}`, {
      body: { address: { city: 'Porto', country: 'PT' }, tags: ['vip'] },
      headers: { 'if-match': '"1"' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.address).toEqual({ city: 'Porto', country: 'PT' });
    expect(updated.headers.get('etag')).toBe('"2"');

    const stale = await api('PATCH', `/customers/${id}`, {
      body: { gender: 'female' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);

    const byTag = await api('GET', `/customers?tag=newsletter&limit=100`);
    expect(byTag.body.items.map((c: { id: string }) => c.id)).not.toContain(id);
    const byEmail = await api('GET', `/customers?email=${encodeURIComponent(created.body.email)}`);
    expect(byEmail.body.items.map((c: { id: string }) => c.id)).toEqual([id]);

    const erased = await api('DELETE', `/customers/${id}`);
    expect(erased.status).toBe(204);
    expect((await api('GET', `/customers/${id}`)).status).toBe(410);
    // The email is free again once the person is erased.
    const again = await api('POST', '/customers', { body: newCustomer({ email: created.body.email }) });
    expect(again.status).toBe(201);
    // Erasing twice is harmless.
    expect((await api('DELETE', `/customers/${id}`)).status).toBe(204);
  });

  it('answers 409 naming the existing customer for a duplicate email, phone or external id', async () => {
    const first = await api('POST', '/customers', {
      body: newCustomer({ externalId: unique('ext'), phone: uniquePhone() }),
    });
    for (const field of ['email', 'phone', 'externalId'] as const) {
      const duplicate = await api('POST', '/customers', {
        body: { [field]: field === 'email' ? first.body.email.toUpperCase() : first.body[field] },
      });
      expect(duplicate.status).toBe(409);
      expect(duplicate.headers.get('content-type')).toContain('application/problem+json');
      expect(duplicate.body.existingId).toBe(first.body.id);
      expect(duplicate.body.errors).toEqual([{ field, message: expect.any(String) }]);
    }
  });

  it('lets only one of two concurrent creates with the same email win', async () => {
    const body = newCustomer();
    const results = await Promise.all(Array.from({ length: 6 }, () => api('POST', '/customers', { body })));
    const statuses = results.map((result) => result.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    const listed = await api('GET', `/customers?email=${encodeURIComponent(body.email)}`);
    expect(listed.body.items).toHaveLength(1);
  });

  it('refuses a PATCH that takes an email already used by someone else', async () => {
    const a = await api('POST', '/customers', { body: newCustomer() });
    const b = await api('POST', '/customers', { body: newCustomer() });
    const clash = await api('PATCH', `/customers/${b.body.id}`, {
      body: { email: a.body.email },
      headers: { 'if-match': '"1"' },
    });
    expect(clash.status).toBe(409);
    expect(clash.body.existingId).toBe(a.body.id);
    // b keeps its own email, which stays claimed by b.
    const stillB = await api('GET', `/customers?email=${encodeURIComponent(b.body.email)}`);
    expect(stillB.body.items[0].id).toBe(b.body.id);
  });

  it('moves the email claim on a PATCH so the old email is free', async () => {
    const a = await api('POST', '/customers', { body: newCustomer() });
    const newEmail = `${unique('moved')}@example.com`;
    const moved = await api('PATCH', `/customers/${a.body.id}`, {
      body: { email: newEmail },
      headers: { 'if-match': '"1"' },
    });
    expect(moved.status).toBe(200);
    const reuse = await api('POST', '/customers', { body: newCustomer({ email: a.body.email }) });
    expect(reuse.status).toBe(201);
    const taken = await api('POST', '/customers', { body: newCustomer({ email: newEmail }) });
    expect(taken.status).toBe(409);
  });

  it('pages through the customer list with a cursor, every customer once', async () => {
    const tag = unique('page').slice(0, 30);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await api('POST', '/customers', { body: newCustomer({ tags: [tag] }) })).body.id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api('GET', `/customers?tag=${tag}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((c: { id: string }) => c.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...ids].sort());

    const newest = await api('GET', '/customers?limit=2');
    expect(newest.body.items).toHaveLength(2);
    expect(newest.body.nextCursor).toEqual(expect.any(String));
  });

  it('lists every customer newest first across the list shards, each once, however it is paged', async () => {
    // The list is spread over 8 index partitions and merged per page; other test files create
    // customers meanwhile, which may only appear ahead of the cursor, never twice.
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) ids.push((await api('POST', '/customers', { body: newCustomer() })).body.id);
    const seen: Array<{ id: string; createdAt: string }> = [];
    let cursor: string | undefined;
    for (let page = 0; page < 400 && !ids.every((id) => seen.some((entry) => entry.id === id)); page++) {
      const response = await api('GET', `/customers?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      expect(response.body.items.length).toBeLessThanOrEqual(4);
      seen.push(
        ...response.body.items.map(({ id, createdAt }: { id: string; createdAt: string }) => ({
          id,
          createdAt,
        })),
      );
      cursor = response.body.nextCursor;
      if (!cursor) break;
    }
    expect(ids.filter((id) => !seen.some((entry) => entry.id === id))).toEqual([]);
    expect(new Set(seen.map((entry) => entry.id)).size).toBe(seen.length);
    const order = seen.map((entry) => `${entry.createdAt}#${entry.id}`);
    expect(order).toEqual([...order].sort().reverse());
    // The nine were created one after the other: newest first means the reverse of that order.
    const mine = seen.filter((entry) => ids.includes(entry.id)).map((entry) => entry.createdAt);
    expect(mine).toEqual([...mine].sort().reverse());
  });

  it('reports every bad field of a request as problem+json, and rejects unknown fields', async () => {
    const bad = await api('POST', '/customers', {
      body: { email: 'not-an-email', phone: '12', birthDate: '1990-02-30', language: 'xx_1', isAdmin: true },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const fields = bad.body.errors.map((error: { field: string }) => error.field).sort();
    expect(fields).toEqual(['birthDate', 'email', 'isAdmin', 'language', 'phone']);
  });

  it('answers 400, 413 and 415 for malformed, oversized and non-JSON bodies, never 500', async () => {
    const malformed = await api('POST', '/customers', {
      rawBody: '{"email":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].field).toBe('body');
    const notJson = await api('POST', '/customers', {
      rawBody: 'email=a@b.c',
      headers: { 'content-type': 'text/plain' },
    });
    expect(notJson.status).toBe(415);
    const huge = await api('POST', '/customers', {
      body: { email: 'a@b.co', acquisitionChannel: 'x'.repeat(300_000) },
    });
    expect(huge.status).toBe(413);
    const badId = await api('GET', '/customers/not-an-id');
    expect(badId.status).toBe(400);
    expect(badId.body.errors[0].field).toBe('path.id');
    const badLimit = await api('GET', '/customers?limit=1000');
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.errors[0].field).toBe('query.limit');
    const badCursor = await api('GET', '/customers?cursor=@@@');
    expect(badCursor.status).toBe(400);
    const notOurs = Buffer.from(JSON.stringify({ pk: 'CUSTOMER#x' })).toString('base64url');
    const foreignCursor = await api('GET', `/customers?cursor=${notOurs}`);
    expect(foreignCursor.status).toBe(400);
    expect(foreignCursor.body.errors[0].field).toBe('query.cursor');
    const noIfMatch = await api('PATCH', '/customers/cus_01JAAAAAAAAAAAAAAAAAAAAAAA', {
      body: { gender: 'male' },
    });
    expect([400, 404]).toContain(noIfMatch.status);
  });

  it('answers 404 for an unknown customer', async () => {
    const missing = await api('GET', '/customers/cus_01JAAAAAAAAAAAAAAAAAAAAAAA');
    expect(missing.status).toBe(404);
    expect(missing.body.title).toBe('Not found');
  });

  it('requires a token (401) and the right role (403)', async () => {
    expect((await api('GET', '/customers', { role: null })).status).toBe(401);
    expect(
      (await api('GET', '/customers', { role: null, headers: { authorization: 'Bearer nope' } })).status,
    ).toBe(401);
    expect((await api('GET', '/customers', { role: 'ingest' })).status).toBe(403);
    expect(
      (await api('DELETE', '/customers/cus_01JAAAAAAAAAAAAAAAAAAAAAAA', { role: 'marketer' })).status,
    ).toBe(403);
    expect((await api('POST', '/customers', { role: 'ingest', body: newCustomer() })).status).toBe(201);
  });

  it('serves health and the OpenAPI document without a token, covering every declared route', async () => {
    expect((await api('GET', '/health', { role: null })).body).toEqual({ status: 'ok' });
    const doc = await api('GET', '/openapi.json', { role: null });
    expect(doc.body.openapi).toBe('3.1.0');
    const { allRoutes } = await import('../../shared/app.js');
    for (const route of allRoutes()) {
      expect(doc.body.paths[route.path]?.[route.method.toLowerCase()], route.routeKey).toBeDefined();
    }
    expect(
      doc.body.paths['/customers'].post.requestBody.content['application/json'].schema.properties.email,
    ).toBeDefined();
  });
});
