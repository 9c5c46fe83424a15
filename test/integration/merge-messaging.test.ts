// Merging a duplicate moves what was sent to it: the survivor inherits the duplicate's send ledger,
// its messaging state (frequency cap, win-back cooldown and sunset) and its message log, so one
// person is never greeted twice in a year or mailed past the cap because they had two profiles.
// Over real HTTP, the real birthday job and the local SES store. Birthdays here (11-23, 12-30,
// 01-02) and years (2038-2040) are used by no other test.
import { describe, expect, it } from 'vitest';
import { keys, messageKeys } from '../../shared/store/keys.js';
import { getItem } from '../../shared/store/timeline-repository.js';
import {
  campaignTotals,
  createCustomer,
  decisions,
  permanentBounce,
  zoneWhereItIs,
} from './messaging-fixtures.js';
import {
  api,
  emailHeader,
  putEvent,
  runJob,
  type StoredEmail,
  sesEmailsTo,
  stack,
  unique,
  useStackEnvironment,
} from './support.js';

useStackEnvironment();

/** The birthday job at 12:00 in Shanghai (where the test customers live) on `day`. */
const greet = (day: string, hourUtc = '04') =>
  runJob('birthday', { asOf: day, scheduledTime: `${day}T${hourUtc}:00:00Z` });

/** The nightly analytics announcing that a customer churned (as of `asOf`), on the app bus. */
const churned = (customerId: string, asOf: string) =>
  putEvent({
    source: 'retain',
    detailType: 'customer.lifecycle.changed',
    busName: stack.env.EVENT_BUS_NAME,
    detail: { customerId, from: 'active', to: 'churned', asOf, runId: `run-${asOf}` },
  });

async function merge(survivorId: string, duplicateId: string) {
  const response = await api('POST', `/customers/${survivorId}/merge`, { body: { duplicateId } });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

describe('merging customers who were messaged', () => {
  it('does not greet the survivor again in the year the duplicate was greeted, and does the next year', async () => {
    const duplicate = await createCustomer({ birthDate: '1985-11-23' });
    const survivor = await createCustomer({}); // no birthday known: takes the duplicate's

    await greet('2038-11-23');
    expect(await sesEmailsTo(duplicate.email)).toHaveLength(1);
    expect(await sesEmailsTo(survivor.email)).toHaveLength(0);

    const merged = await merge(survivor.id, duplicate.id);
    expect(merged.customer.birthDate).toBe('1985-11-23');
    await merge(survivor.id, duplicate.id); // a retried merge changes nothing more

    // The ledger entry moved: one claim for birthday 2038, now the survivor's; none left behind.
    expect(await getItem(messageKeys.ledger(survivor.id, 'birthday', '2038'))).toMatchObject({
      customerId: survivor.id,
      state: 'sent',
    });
    expect(await getItem(messageKeys.ledger(duplicate.id, 'birthday', '2038'))).toBeUndefined();
    expect(await getItem(keys.mergedInto(duplicate.id))).toMatchObject({ into: survivor.id });

    // Later the same day the job runs again: the survivor now has that birthday, and it is taken.
    await greet('2038-11-23', '05');
    expect(await sesEmailsTo(survivor.email)).toHaveLength(0);
    expect(await sesEmailsTo(duplicate.email)).toHaveLength(1);
    // The duplicate's greeting shows in the survivor's message log, followed by the skip.
    expect(await decisions(survivor.id)).toEqual(['sent', 'skipped:already-sent']);

    await greet('2039-11-23');
    expect(await sesEmailsTo(survivor.email)).toHaveLength(1);
  });

  it("keeps the frequency cap across the merge: the duplicate's recent email counts for the survivor", async () => {
    const duplicate = await createCustomer({ birthDate: '--12-30' });
    const survivor = await createCustomer({ birthDate: '--01-02' });
    const control = await createCustomer({ birthDate: '--01-02' }); // not merged with anyone

    await greet('2039-12-30');
    expect(await sesEmailsTo(duplicate.email)).toHaveLength(1);
    await merge(survivor.id, duplicate.id);

    // Three days later, inside the 7-day cap: the survivor was just mailed (as the duplicate).
    await greet('2040-01-02');
    expect(await sesEmailsTo(control.email)).toHaveLength(1);
    expect(await sesEmailsTo(survivor.email)).toHaveLength(0);
    expect(await decisions(survivor.id)).toEqual(['sent', 'skipped:capped']);
  });

  it("holds the duplicate's win-back cooldown for the survivor, and converts it on the survivor's order", async () => {
    const zone = zoneWhereItIs(13); // outside the quiet hours whenever the test runs
    const duplicate = await createCustomer({ timeZone: zone });
    const survivor = await createCustomer({ timeZone: zone });
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

    await churned(duplicate.id, day(-1));
    expect(await sesEmailsTo(duplicate.email)).toHaveLength(1);
    await merge(survivor.id, duplicate.id);

    // A change announced for the survivor the next day: within the 90-day cooldown of that email.
    await churned(survivor.id, day(0));
    expect(await sesEmailsTo(survivor.email)).toHaveLength(0);
    expect(await decisions(survivor.id)).toEqual(['sent', 'skipped:cooldown']);

    // The survivor orders: the duplicate's win-back gets the conversion.
    const orderId = unique('ord');
    const placed = await api('POST', `/customers/${survivor.id}/orders`, {
      role: 'ingest',
      body: { orderId, orderedAt: new Date().toISOString(), amount: 42, currency: 'USD' },
    });
    expect(placed.status).toBe(201);
    await runJob('winback', { scheduledTime: new Date(Date.now() + 60_000).toISOString() });
    expect(await decisions(survivor.id)).toEqual(['sent', 'skipped:cooldown', `converted:order ${orderId}`]);
  });

  it("records a bounce and an unsubscribe of the duplicate's message on the survivor, once", async () => {
    const bouncing = await createCustomer({ birthDate: '--11-24' });
    const unsubscribing = await createCustomer({ birthDate: '--11-24' });
    const [bounceSurvivor, unsubscribeSurvivor] = [await createCustomer({}), await createCustomer({})];
    await greet('2041-11-24');
    const [bounceMail] = await sesEmailsTo(bouncing.email);
    const [unsubscribeMail] = await sesEmailsTo(unsubscribing.email);
    await merge(bounceSurvivor.id, bouncing.id);
    await merge(unsubscribeSurvivor.id, unsubscribing.id);

    // SES reports the bounce after the merge, naming the duplicate's ledger entry; twice.
    for (let delivery = 0; delivery < 2; delivery++) {
      await permanentBounce(bounceMail as StoredEmail, `${bouncing.id}--birthday--2041`);
    }
    expect(await getItem(messageKeys.ledger(bounceSurvivor.id, 'birthday', '2041'))).toMatchObject({
      state: 'sent',
      bouncedAt: expect.any(String),
    });

    // The duplicate's unsubscribe link, clicked after the merge, withdraws the survivor's consent.
    const header = emailHeader(unsubscribeMail as StoredEmail, 'List-Unsubscribe') ?? '';
    const link = new URL(header.replace(/^<|>$/g, ''));
    const clicked = await api('POST', `${link.pathname}${link.search}`, {
      role: null,
      rawBody: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(clicked.status).toBe(200);
    const survivor = await api('GET', `/customers/${unsubscribeSurvivor.id}`);
    expect(survivor.body.consent.email).toMatchObject({ granted: false, source: 'unsubscribe-link' });
    expect(await getItem(messageKeys.ledger(unsubscribeSurvivor.id, 'birthday', '2041'))).toMatchObject({
      unsubscribedAt: expect.any(String),
    });

    // Counted once each, though SES reported the bounce twice. The job greets every customer of the
    // suite's stack born on 11-24, and another file creates one born "tomorrow" in some time zone,
    // so on some days more than these two are sent.
    const totals = await campaignTotals('birthday', '2041-11');
    expect(totals).toMatchObject({ bounced: 1, unsubscribed: 1 });
    expect(totals.sent).toBeGreaterThanOrEqual(2);
  });
});
