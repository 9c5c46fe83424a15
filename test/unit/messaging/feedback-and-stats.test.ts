import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import {
  interpretSesEvent,
  ledgerTagValue,
  parseLedgerTag,
  sesEventDetailSchema,
} from '../../../shared/domain/messaging/ses-events.js';
import {
  DEFAULT_MESSAGING_SETTINGS,
  messagingSettingsSchema,
} from '../../../shared/domain/messaging/settings.js';
import { messageStats, monthsBetween } from '../../../shared/domain/messaging/stats.js';
import { backoffDelay, pacer } from '../../../shared/messaging/mailer.js';

// Shaped like the examples in the SES developer guide ("Examples of event data that Amazon SES
// publishes"), with the message tags Retain sets.
const mail = {
  timestamp: '2026-03-14T01:00:00.000Z',
  source: 'no-reply@retain.example',
  messageId: 'EXAMPLE-0001',
  destination: ['ana@example.com'],
  tags: {
    campaign: ['birthday'],
    ledger: ['cus_01JABC--birthday--2026'],
    'ses:configuration-set': ['retain'],
  },
};

describe('SES events', () => {
  it("suppress the recipients of a permanent bounce, for the message's ledger entry", () => {
    const detail = z.parse(sesEventDetailSchema, {
      eventType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: 'ana@example.com', action: 'failed', status: '5.1.1' }],
        timestamp: '2026-03-14T01:00:05.000Z',
        feedbackId: 'fb-1',
      },
      mail,
    });
    expect(interpretSesEvent(detail)).toEqual({
      kind: 'bounce',
      addresses: ['ana@example.com'],
      sesMessageId: 'EXAMPLE-0001',
      ledger: { customerId: 'cus_01JABC', campaign: 'birthday', period: '2026' },
    });
  });

  it('ignore a transient bounce (SES retried and gave up for now: the address may work tomorrow)', () => {
    const detail = z.parse(sesEventDetailSchema, {
      eventType: 'Bounce',
      bounce: {
        bounceType: 'Transient',
        bounceSubType: 'MailboxFull',
        bouncedRecipients: [{ emailAddress: 'a@b.c' }],
      },
      mail,
    });
    expect(interpretSesEvent(detail)).toEqual({ kind: 'ignored', why: 'Transient bounce' });
  });

  it('suppress complainers and record SES accepting a message', () => {
    const complaint = z.parse(sesEventDetailSchema, {
      eventType: 'Complaint',
      complaint: {
        complainedRecipients: [{ emailAddress: 'ana@example.com' }],
        complaintFeedbackType: 'abuse',
      },
      mail,
    });
    expect(interpretSesEvent(complaint)).toMatchObject({
      kind: 'complaint',
      addresses: ['ana@example.com'],
      sesMessageId: 'EXAMPLE-0001',
    });
    const send = z.parse(sesEventDetailSchema, { eventType: 'Send', send: {}, mail });
    expect(interpretSesEvent(send)).toMatchObject({ kind: 'accepted', sesMessageId: 'EXAMPLE-0001' });
  });

  it('round-trip the ledger tag and refuse foreign ones', () => {
    const ref = { customerId: 'cus_01JABC', campaign: 'winback' as const, period: '2026-03-14' };
    expect(parseLedgerTag(ledgerTagValue(ref))).toEqual(ref);
    expect(ledgerTagValue(ref)).toMatch(/^[A-Za-z0-9_-]+$/); // SES tag values allow only these
    expect(parseLedgerTag('cus_1--newsletter--2026')).toBeUndefined();
    expect(parseLedgerTag('just-a-tag')).toBeUndefined();
    expect(parseLedgerTag(undefined)).toBeUndefined();
  });
});

describe('message statistics', () => {
  it('list every month of a range, across years', () => {
    expect(monthsBetween('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsBetween('2026-03', '2026-03')).toEqual(['2026-03']);
  });

  it('add up the months of each campaign, with zeros for months without messages', () => {
    const stats = messageStats(
      [
        { campaign: 'winback', month: '2026-01', sent: 4, converted: 1, skip_no_consent: 2, unsubscribed: 1 },
        { campaign: 'winback', month: '2026-03', sent: 6, converted: 2, bounced: 1, skip_capped: 3 },
        { campaign: 'birthday', month: '2026-02', sent: 10, skip_already_sent: 10 },
      ],
      '2026-01',
      '2026-03',
    );
    const winback = stats.campaigns.find((campaign) => campaign.campaign === 'winback');
    expect(winback?.totals).toMatchObject({
      sent: 10,
      converted: 3,
      conversionRate: 0.3,
      bounced: 1,
      unsubscribed: 1,
    });
    expect(winback?.totals.skipped).toMatchObject({ 'no-consent': 2, capped: 3, suppressed: 0 });
    expect(winback?.months.map((month) => [month.month, month.sent])).toEqual([
      ['2026-01', 4],
      ['2026-02', 0],
      ['2026-03', 6],
    ]);
    const birthday = stats.campaigns.find((campaign) => campaign.campaign === 'birthday');
    expect(birthday?.totals).toMatchObject({ sent: 10, conversionRate: 0 });
    expect(birthday?.totals.skipped['already-sent']).toBe(10);
  });
});

describe('messaging settings', () => {
  it('accept the defaults and refuse a birthday hour inside the quiet hours', () => {
    expect(z.safeParse(messagingSettingsSchema, DEFAULT_MESSAGING_SETTINGS).success).toBe(true);
    const result = z.safeParse(messagingSettingsSchema, { ...DEFAULT_MESSAGING_SETTINGS, birthdayHour: 22 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['birthdayHour']);
  });

  it('need an English text for every offer', () => {
    const result = z.safeParse(messagingSettingsSchema, {
      ...DEFAULT_MESSAGING_SETTINGS,
      winbackOffers: { high: { text: { 'zh-CN': '八折' } } },
    });
    expect(result.success).toBe(false);
  });
});

describe('send pacing and backoff', () => {
  it('spaces sends to the account rate, without waiting when there is room', () => {
    const next = pacer(4); // a slot every 250 ms
    expect([next(0), next(0), next(0), next(100)]).toEqual([0, 250, 500, 650]);
    expect(next(5000)).toBe(0); // after a pause, no debt
  });

  it('backs off exponentially with jitter, capped at 5 s', () => {
    expect(backoffDelay(1, 0)).toBe(50);
    expect(backoffDelay(1, 1)).toBe(100);
    expect(backoffDelay(3, 1)).toBe(400);
    expect(backoffDelay(20, 1)).toBe(5000);
    expect(backoffDelay(20, 0)).toBe(2500);
  });
});
