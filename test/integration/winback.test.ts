// Win-back end to end: `customer.lifecycle.changed` events on the app bus reach the win-back
// function through its rule, emails are read back from the local SES endpoint, decisions from the
// customer's timeline, conversions from GET /messages/stats.
import { describe, expect, it } from 'vitest';
import { putScores } from '../../shared/store/analytics-repository.js';
import { fixedClock, messagingDeps } from '../../shared/use-cases/messaging/deps.js';
import { handleLifecycleChange } from '../../shared/use-cases/messaging/winback.js';
import {
  campaignTotals,
  createCustomer,
  decisions,
  messageLog,
  zoneWhereItIs,
} from './messaging-fixtures.js';
import { api, putEvent, runJob, sesEmailsTo, stack, unique, useStackEnvironment } from './support.js';

useStackEnvironment();

const today = () => new Date().toISOString().slice(0, 10);

/** The nightly analytics announcing a lifecycle change, as it does on the app bus. */
function lifecycleChanged(customerId: string, to: string, asOf = today(), from = 'active') {
  return putEvent({
    source: 'retain',
    detailType: 'customer.lifecycle.changed',
    busName: stack.env.EVENT_BUS_NAME,
    detail: { customerId, from, to, asOf, runId: `run-${asOf}` },
  });
}

/** Scores as the nightly job writes them (the scores item beside the profile: tier, lifecycle stage). */
async function setScores(customerId: string, scores: Record<string, unknown>) {
  await putScores([{ customerId, scores: { runId: 'test', asOf: today(), ...scores } as never }]);
}

describe('win-back emails', () => {
  it("sends one win-back with the offer of the customer's tier, however often the event arrives", async () => {
    const customer = await createCustomer({ timeZone: zoneWhereItIs(13) });
    await setScores(customer.id, { tier: 'high', lifecycle: { stage: 'churned', since: today() } });
    await lifecycleChanged(customer.id, 'churned');
    await lifecycleChanged(customer.id, 'churned'); // EventBridge delivers at least once

    const emails = await sesEmailsTo(customer.email);
    expect(emails).toHaveLength(1);
    expect(emails[0]?.subject).toBe('Ana, we miss you: 25% off your next order');
    expect(emails[0]?.body.text).toContain('25% off your next order with the code COMEBACK25.');
    expect(await decisions(customer.id)).toEqual(['sent', 'skipped:already-sent']);
  });

  it('writes to a customer without scores in Chinese, with the low-tier offer', async () => {
    const customer = await createCustomer({
      timeZone: zoneWhereItIs(13),
      language: 'zh-CN',
      name: { family: '欧阳', given: '娜娜' },
    });
    await lifecycleChanged(customer.id, 'at_risk');
    const [email] = await sesEmailsTo(customer.email);
    expect(email?.subject).toBe('欧阳娜娜，好久不见：下一单立享九折');
    expect(email?.body.html).toContain('亲爱的欧阳娜娜，好久不见！');
    expect(email?.body.html).toContain('优惠码 <strong>COMEBACK10</strong>');
  });

  it('reacts only to changes into at risk or churned', async () => {
    const customer = await createCustomer({ timeZone: zoneWhereItIs(13) });
    await lifecycleChanged(customer.id, 'active', today(), 'new');
    await lifecycleChanged(customer.id, 'reactivated', today(), 'churned');
    expect(await sesEmailsTo(customer.email)).toHaveLength(0);
    expect(await messageLog(customer.id)).toHaveLength(0);
  });

  it('sends no second win-back within the cooldown', async () => {
    const customer = await createCustomer({ timeZone: zoneWhereItIs(13) });
    await lifecycleChanged(customer.id, 'at_risk', '2026-01-10');
    await lifecycleChanged(customer.id, 'churned', '2026-02-20');
    expect(await sesEmailsTo(customer.email)).toHaveLength(1);
    expect(await decisions(customer.id)).toEqual(['sent', 'skipped:cooldown']);
  });

  it('does not write to a customer who came back since the change', async () => {
    const customer = await createCustomer({ timeZone: zoneWhereItIs(13) });
    // Tonight's scores (a later run than the event's) say active again.
    await setScores(customer.id, { asOf: '2099-01-02', lifecycle: { stage: 'active', since: '2099-01-02' } });
    await lifecycleChanged(customer.id, 'at_risk', '2099-01-01');
    expect(await sesEmailsTo(customer.email)).toHaveLength(0);
    expect(await decisions(customer.id)).toEqual(['skipped:not-eligible']);
  });

  it('waits for the end of the quiet hours; the hourly job sends it then', async () => {
    const customer = await createCustomer({ timeZone: zoneWhereItIs(2) }); // 02:00 there: quiet
    await lifecycleChanged(customer.id, 'churned');
    await lifecycleChanged(customer.id, 'churned'); // delivered twice: deferred once
    expect(await sesEmailsTo(customer.email)).toHaveLength(0);
    const [deferred] = await messageLog(customer.id);
    expect(deferred?.data).toMatchObject({ decision: 'deferred', reason: 'quiet-hours' });
    const until = new Date(deferred?.data.until as string);
    // 08:00 there: six hours from 02:00, give or take the minutes of the current hour.
    expect(until.getTime() - Date.now()).toBeGreaterThan(5 * 3_600_000);
    expect(until.getTime() - Date.now()).toBeLessThanOrEqual(6 * 3_600_000);

    await runJob('winback', { scheduledTime: new Date(until.getTime() - 60_000).toISOString() });
    expect(await sesEmailsTo(customer.email)).toHaveLength(0); // not yet
    await runJob('winback', { scheduledTime: new Date(until.getTime() + 60_000).toISOString() });
    expect(await sesEmailsTo(customer.email)).toHaveLength(1);
    await runJob('winback', { scheduledTime: new Date(until.getTime() + 3_600_000).toISOString() });
    expect(await sesEmailsTo(customer.email)).toHaveLength(1);
    expect(await decisions(customer.id)).toEqual(['deferred:quiet-hours', 'sent']);
  });

  // Months between changes cannot pass in a test: the use case runs here, in the test process,
  // against the same DynamoDB and SES, with its clock moved on by 91 days for each change.
  it('stops after three unanswered win-backs (sunset)', async () => {
    const customer = await createCustomer({ timeZone: 'Asia/Shanghai' });
    const start = Date.parse('2032-01-05T04:00:00Z'); // 12:00 in Shanghai
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const at = new Date(start + attempt * 91 * 86_400_000);
      const outcome = await handleLifecycleChange(
        { customerId: customer.id, from: 'active', to: 'churned', asOf: at.toISOString().slice(0, 10) },
        messagingDeps({ clock: fixedClock(at) }),
      );
      outcomes.push(outcome.outcome === 'skipped' ? `skipped:${outcome.reason}` : outcome.outcome);
    }
    expect(outcomes).toEqual(['sent', 'sent', 'sent', 'skipped:sunset']);
    expect(await sesEmailsTo(customer.email)).toHaveLength(3);
  });
});

describe('win-back conversions', () => {
  const order = (customerId: string, orderedAt: string) =>
    api('POST', `/customers/${customerId}/orders`, {
      role: 'ingest',
      body: { orderId: unique('ord'), orderedAt, amount: 42, currency: 'USD' },
    });

  const stats = (month: string) => campaignTotals('winback', month);

  it('attributes an order placed after a win-back to it, once, and shows it in the stats', async () => {
    const zone = zoneWhereItIs(13);
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: stack.env.BUSINESS_TIME_ZONE })
      .format(new Date())
      .slice(0, 7);
    const before = await stats(month);

    const buyer = await createCustomer({ timeZone: zone });
    const earlyBuyer = await createCustomer({ timeZone: zone });
    expect((await order(earlyBuyer.id, new Date(Date.now() - 86_400_000).toISOString())).status).toBe(201);
    await lifecycleChanged(buyer.id, 'churned');
    await lifecycleChanged(earlyBuyer.id, 'churned');
    expect(await sesEmailsTo(buyer.email, earlyBuyer.email)).toHaveLength(2);

    const placed = await order(buyer.id, new Date().toISOString());
    expect(placed.status).toBe(201);
    const inAMinute = new Date(Date.now() + 60_000).toISOString();
    await runJob('winback', { scheduledTime: inAMinute });
    await runJob('winback', { scheduledTime: inAMinute });

    expect(await decisions(buyer.id)).toEqual(['sent', `converted:order ${placed.body.orderId}`]);
    expect(await decisions(earlyBuyer.id)).toEqual(['sent']); // its order came before the email
    const after = await stats(month);
    expect(after.converted - before.converted).toBe(1);
    expect(after.sent - before.sent).toBeGreaterThanOrEqual(2);
  });
});
