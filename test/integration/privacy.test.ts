// Data-subject rights, property-level protection and the audit trail, over real HTTP against
// DynamoDB Local. What export and erasure must find is computed independently: by scanning the
// whole table for anything that names the customer or holds their contact data (a Scan is fine in
// a test; the product never scans for this).
import { beforeAll, describe, expect, it } from 'vitest';
import { routeFor } from '../../shared/app.js';
import { ITEM_TYPES, itemType } from '../../shared/privacy/registry.js';
import { api, stack, token, unique, uniquePhone, useStackEnvironment } from './support.js';

type Item = Record<string, unknown>;

useStackEnvironment();
const { documentClient } = await import('../../shared/clients/dynamodb.js');
const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');

async function scanTable(): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await documentClient.send(
      new ScanCommand({ TableName: stack.env.TABLE_NAME, ExclusiveStartKey, ConsistentRead: true }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    ExclusiveStartKey = page.LastEvaluatedKey as Item | undefined;
  } while (ExclusiveStartKey);
  return items;
}

/** Every string anywhere inside an item (keys included). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** Items that name the customer or hold one of their identifiers, found without the registry. */
function itemsAbout(all: Item[], customerId: string, identifiers: string[]): Item[] {
  return all.filter((item) =>
    strings(item).some((text) => text.includes(customerId) || identifiers.some((id) => text.includes(id))),
  );
}

const AUDITOR = 'mia-marketing';

async function seedCustomer() {
  const email = `${unique('erin')}@example.com`;
  const phone = uniquePhone();
  const externalId = unique('crm');
  const created = await api('POST', '/customers', {
    body: {
      email,
      phone,
      externalId,
      name: { given: 'Erin', family: 'Zhao' },
      birthDate: '1990-05-17',
      tags: ['vip', unique('tag')],
      consent: { email: { granted: true, source: 'web-signup' } },
    },
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect(
    (
      await api('POST', `/customers/${id}/events`, {
        role: 'ingest',
        body: { kind: 'page_view', url: 'https://shop.example/a' },
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await api('POST', `/customers/${id}/events`, {
        role: 'ingest',
        body: { kind: 'review', sku: 'SKU-1', rating: 4, eventId: unique('ev') },
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await api('POST', `/customers/${id}/feedback`, {
        role: 'support',
        body: { type: 'nps', score: 9, channel: 'email' },
      })
    ).status,
  ).toBeLessThan(300);
  expect(
    (
      await api('POST', `/customers/${id}/complaints`, {
        role: 'support',
        body: {
          category: 'delivery',
          severity: 'high',
          description: 'Parcel arrived broken',
          channel: 'phone',
        },
      })
    ).status,
  ).toBeLessThan(300);
  if (routeFor('POST /customers/{id}/orders')) {
    const order = await api('POST', `/customers/${id}/orders`, {
      role: 'ingest',
      body: {
        orderId: unique('ord'),
        orderedAt: new Date(Date.now() - 3_600_000).toISOString(),
        amount: 120,
        currency: 'USD',
        items: [{ sku: 'SKU-1', name: 'Teapot', category: 'kitchen', quantity: 1, unitPrice: 120 }],
        channel: 'web',
      },
    });
    expect(order.status, JSON.stringify(order.body)).toBeLessThan(300);
  }
  return { id, email, phone, externalId };
}

describe('property-level protection', () => {
  let customer: Awaited<ReturnType<typeof seedCustomer>>;
  beforeAll(async () => {
    customer = await seedCustomer();
  });

  it('shows email and phone in clear to admin and support, masked to marketers', async () => {
    for (const role of ['admin', 'support'] as const) {
      const read = await api('GET', `/customers/${customer.id}`, { role });
      expect(read.body.email).toBe(customer.email);
      expect(read.body.phone).toBe(customer.phone);
    }
    const marketer = await api('GET', `/customers/${customer.id}`, { role: 'marketer' });
    expect(marketer.status).toBe(200);
    expect(marketer.body.email).toBe(`${customer.email[0]}***@e***.com`);
    expect(marketer.body.phone).toBe(`+${'*'.repeat(customer.phone.length - 5)}${customer.phone.slice(-4)}`);
    expect(marketer.body.name).toEqual({ given: 'Erin', family: 'Zhao' });

    const listed = await api('GET', `/customers?email=${encodeURIComponent(customer.email)}`, {
      role: 'marketer',
    });
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0].email).not.toBe(customer.email);
    expect(JSON.stringify(listed.body)).not.toContain(customer.phone);
  });

  it('masks what the ingestion client reads back from its own writes', async () => {
    const read = await api('GET', `/customers/${customer.id}`);
    const patched = await api('PATCH', `/customers/${customer.id}`, {
      role: 'ingest',
      body: { language: 'zh-CN' },
      headers: { 'if-match': read.headers.get('etag') ?? '' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.language).toBe('zh-CN');
    expect(JSON.stringify(patched.body)).not.toContain(customer.email);
    expect(JSON.stringify(patched.body)).not.toContain(customer.phone);
  });

  it('never shows storage keys or index attributes in a response', async () => {
    for (const path of [
      `/customers/${customer.id}`,
      `/customers/${customer.id}/timeline`,
      `/customers/${customer.id}/export`,
    ]) {
      const text = JSON.stringify((await api('GET', path)).body);
      for (const attribute of ['"pk"', '"sk"', '"listPk"', '"birthdayPk"', '"segmentPk"'])
        expect(text).not.toContain(attribute);
    }
  });
});

describe('data-subject export and erasure', () => {
  it('exports everything held about a customer, then erases all of it but the marker and the audit trail', async () => {
    const customer = await seedCustomer();
    const identifiers = [customer.email, customer.phone, customer.externalId];
    expect((await api('GET', `/customers/${customer.id}`, { role: 'marketer' })).status).toBe(200);

    const exported = await api('GET', `/customers/${customer.id}/export`);
    expect(exported.status).toBe(200);
    expect(exported.body.profile).toMatchObject({
      id: customer.id,
      email: customer.email,
      phone: customer.phone,
    });
    expect(exported.body.profile.eventCounts).toBeDefined(); // derived data comes along

    // Independently: what does the table hold about this person right now?
    const held = itemsAbout(await scanTable(), customer.id, identifiers);
    const typeOf = (item: Item) => String(item.type ?? item.kind);
    const heldTypes = new Set(held.map(typeOf));
    for (const type of heldTypes) {
      if (type === 'customer' || itemType(type)?.exported === false) continue;
      expect(exported.body.items[type], `export lacks the ${type} items held`).toBeDefined();
      // Audit entries are kept per customer and per day; the export shows the customer's own.
      const count = held.filter(
        (item) => typeOf(item) === type && (type !== 'audit' || item.customerId === customer.id),
      ).length;
      // (the export's own audit entry is written after it was read, just before the answer left).
      expect(exported.body.items[type], type).toHaveLength(type === 'audit' ? count - 1 : count);
    }
    expect(exported.body.items.unique).toHaveLength(3);
    expect(exported.body.items.tag).toHaveLength(2);
    expect(exported.body.items.event.length).toBeGreaterThanOrEqual(2);
    expect(exported.body.items.complaint).toHaveLength(1);
    if (routeFor('POST /customers/{id}/orders')) {
      expect(exported.body.items.order).toHaveLength(1);
      expect(exported.body.items['order-claim']).toHaveLength(1);
    }

    expect((await api('GET', `/customers/${customer.id}/export`, { role: 'support' })).status).toBe(403);

    expect((await api('DELETE', `/customers/${customer.id}`)).status).toBe(204);
    const left = itemsAbout(await scanTable(), customer.id, identifiers);
    const leftTypes = new Set(left.map((item) => String(item.type)));
    expect([...leftTypes].sort()).toEqual(['audit', 'erased']);
    // Nothing left holds the email, phone or external id: the marker and the trail keep ids only.
    expect(left.flatMap(strings).filter((text) => identifiers.some((id) => text.includes(id)))).toEqual([]);
    expect((await api('GET', `/customers/${customer.id}/export`)).status).toBe(410);
  });

  it('knows every item type the table holds (a new type must be registered in shared/privacy/registry.ts)', async () => {
    await seedCustomer();
    const all = await scanTable();
    const unregistered = all
      .filter((item) => typeof item.type !== 'string' || !itemType(item.type))
      .map(
        (item) =>
          `type=${String(item.type)} kind=${String(item.kind)} pk=${String(item.pk).replace(/#.*/, '#…')} sk=${String(item.sk).replace(/#.*/, '#…')}`,
      );
    expect([...new Set(unregistered)]).toEqual([]);
  });

  it('registers, for every personal item type, how erasure deals with it', () => {
    for (const spec of ITEM_TYPES) {
      if (spec.home === 'located') expect(spec.locate, spec.type).toBeDefined();
      // Kept after erasure only outside the customer's partition, never by id (suppression hashes).
      if (spec.personal && spec.onErasure === 'keep') expect(spec.home, spec.type).toBe('shared');
      if (spec.onErasure !== 'delete')
        expect(spec.reason, `${spec.type} needs a reason to outlive an erasure`).toBeTruthy();
    }
    expect(new Set(ITEM_TYPES.map((spec) => spec.type)).size).toBe(ITEM_TYPES.length);
  });
});

describe('audit trail', () => {
  it('records who read, exported, changed and erased a customer, queryable by admins only', async () => {
    const customer = await seedCustomer();
    const auditorToken = await token('marketer', AUDITOR);
    const read = await fetch(`${stack.urls.api}/customers/${customer.id}`, {
      headers: { authorization: `Bearer ${auditorToken}` },
    });
    expect(read.status).toBe(200);
    expect((await api('GET', `/customers/${customer.id}/export`)).status).toBe(200);
    expect((await api('DELETE', `/customers/${customer.id}`)).status).toBe(204);

    const trail = await api('GET', `/audit?customerId=${customer.id}&limit=100`);
    expect(trail.status).toBe(200);
    const entries = trail.body.items as Array<{
      action: string;
      subject: string;
      roles: string[];
      route: string;
      at: string;
    }>;
    const seen = entries.map((entry) => `${entry.action} ${entry.route} ${entry.subject}`);
    expect(seen).toContain(`read GET /customers/{id} ${AUDITOR}`);
    expect(seen).toContain('export GET /customers/{id}/export local-admin');
    expect(seen).toContain('erase DELETE /customers/{id} local-admin');
    expect(seen).toContain('change POST /customers local-admin');
    expect(seen).toContain('change POST /customers/{id}/events retain-local-ingest');
    expect(entries.find((entry) => entry.subject === AUDITOR)?.roles).toEqual(['marketer']);
    // Newest first.
    const times = entries.map((entry) => entry.at);
    expect(times).toEqual([...times].sort().reverse());
    // No personal data in the trail.
    const text = JSON.stringify(trail.body);
    for (const identifier of [customer.email, customer.phone, customer.externalId])
      expect(text).not.toContain(identifier);

    const day = new Date().toISOString().slice(0, 10);
    const byDay = await api('GET', `/audit?day=${day}&subject=${AUDITOR}&limit=100`);
    expect(byDay.status).toBe(200);
    expect(
      byDay.body.items.some((entry: { customerIds: string[] }) => entry.customerIds.includes(customer.id)),
    ).toBe(true);
    expect(byDay.body.items.every((entry: { subject: string }) => entry.subject === AUDITOR)).toBe(true);

    for (const role of ['marketer', 'support', 'ingest'] as const) {
      expect((await api('GET', `/audit?customerId=${customer.id}`, { role })).status).toBe(403);
    }
    const both = await api('GET', `/audit?customerId=${customer.id}&day=${day}`);
    expect(both.status).toBe(400);
    expect(both.body.errors[0].field).toBe('query.customerId');
  });

  it('keeps entries for the configured period (400 days by default) through the table TTL', async () => {
    const customer = await seedCustomer();
    const all = await scanTable();
    const entries = all.filter((item) => item.type === 'audit' && item.customerId === customer.id);
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      const at = Date.parse(String(entry.at)) / 1000;
      expect(Number(entry.expiresAt) - at).toBeCloseTo(400 * 86_400, -1);
    }
  });
});
