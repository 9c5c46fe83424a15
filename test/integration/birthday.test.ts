// Birthday greetings end to end: customers created through the API, the real `birthday` job run
// through the local stack, emails read back from the local SES endpoint, decisions from the
// customer's timeline. Each test uses its own birthdays and years, so the ledgers never overlap.
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { documentClient, tableName } from '../../shared/clients/dynamodb.js';
import { coPurchaseTable, pairCounts } from '../../shared/domain/recommendations.js';
import { type Mailer, sesMailer } from '../../shared/messaging/mailer.js';
import { putScores } from '../../shared/store/analytics-repository.js';
import { keys } from '../../shared/store/keys.js';
import { rememberProductNames, saveCoPurchaseTable } from '../../shared/store/recommendation-repository.js';
import { runBirthdayJob } from '../../shared/use-cases/messaging/birthday.js';
import { fixedClock, messagingDeps } from '../../shared/use-cases/messaging/deps.js';
import { createCustomer, decisions, permanentBounce, zoneWhereItIs } from './messaging-fixtures.js';
import {
  api,
  emailHeader,
  putEvent,
  runJob,
  sesEmailsTo,
  stack,
  unique,
  useStackEnvironment,
} from './support.js';

useStackEnvironment();

const MINUTE = 60_000;

describe('birthday greetings', () => {
  it('greets a customer in Shanghai and one in Los Angeles each at 09:00 on their own birthday', async () => {
    const shanghai = await createCustomer({
      birthDate: '1990-07-16',
      timeZone: 'Asia/Shanghai',
      language: 'zh-CN',
      name: { family: '王', given: '小明' },
    });
    const losAngeles = await createCustomer({
      birthDate: '1988-07-16',
      timeZone: 'America/Los_Angeles',
      language: 'en',
    });

    // 01:00 UTC is 09:00 on 16 July in Shanghai, and still 18:00 on 15 July in Los Angeles (PDT).
    const first = await runJob('birthday', { scheduledTime: '2031-07-16T01:00:00Z' });
    expect(first.result.counts.sent).toBeGreaterThanOrEqual(1);
    expect(await sesEmailsTo(shanghai.email)).toHaveLength(1);
    expect(await sesEmailsTo(losAngeles.email)).toHaveLength(0);

    // 16:00 UTC is 09:00 on 16 July in Los Angeles, and already 00:00 on 17 July in Shanghai.
    await runJob('birthday', { scheduledTime: '2031-07-16T16:00:00Z' });
    expect(await sesEmailsTo(shanghai.email)).toHaveLength(1);
    const [english] = await sesEmailsTo(losAngeles.email);
    const [chinese] = await sesEmailsTo(shanghai.email);

    // Rendered by SES from the repository's templates, in each customer's language.
    expect(chinese?.subject).toBe('王小明，生日快乐！');
    expect(chinese?.body.html).toContain('亲爱的王小明，生日快乐！');
    expect(chinese?.body.text).toContain('亲爱的王小明，生日快乐！');
    expect(english?.subject).toBe('Happy birthday, Ana!');
    expect(english?.body.html).toContain('Happy birthday, Ana!');
    expect(english?.body.text).toContain('Happy birthday, Ana!');
    expect(english?.from).toBe(stack.env.EMAIL_FROM);

    // RFC 8058 one-click unsubscribe headers, the link signed per message.
    for (const email of [english, chinese]) {
      const link = emailHeader(email as never, 'List-Unsubscribe');
      expect(link).toMatch(new RegExp(`^<${stack.urls.api}/unsubscribe\\?token=[A-Za-z0-9_.%-]+>$`));
      expect(emailHeader(email as never, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(email?.body.text).toContain(link?.slice(1, -1));
    }
    expect(await decisions(shanghai.id)).toEqual(['sent']);
    expect(await decisions(losAngeles.id)).toEqual(['sent']);
  });

  it('sends once however often the job runs', async () => {
    const customer = await createCustomer({ birthDate: '--08-17' });
    const asOf = '2031-08-17';
    await runJob('birthday', { asOf, scheduledTime: '2031-08-17T04:00:00Z' }); // 12:00 in Shanghai
    await runJob('birthday', { asOf, scheduledTime: '2031-08-17T05:00:00Z' });
    await runJob('birthday', { asOf, scheduledTime: '2031-08-17T06:00:00Z' });
    expect(await sesEmailsTo(customer.email)).toHaveLength(1);
    expect(await decisions(customer.id)).toEqual(['sent', 'skipped:already-sent', 'skipped:already-sent']);
    // A new year is a new greeting.
    await runJob('birthday', { asOf: '2032-08-17', scheduledTime: '2032-08-17T04:00:00Z' });
    expect(await sesEmailsTo(customer.email)).toHaveLength(2);
  });

  it('greets 29 February birthdays on 28 February in common years, and on the 29th in leap years', async () => {
    const leapling = await createCustomer({ birthDate: '2000-02-29' });
    const twentyEighth = await createCustomer({ birthDate: '1995-02-28' });

    await runJob('birthday', { asOf: '2031-02-28', scheduledTime: '2031-02-28T04:00:00Z' });
    expect(await sesEmailsTo(leapling.email)).toHaveLength(1);
    expect(await sesEmailsTo(twentyEighth.email)).toHaveLength(1);

    await runJob('birthday', { asOf: '2032-02-28', scheduledTime: '2032-02-28T04:00:00Z' });
    expect(await sesEmailsTo(leapling.email)).toHaveLength(1); // not yet: 2032 has a 29th
    expect(await sesEmailsTo(twentyEighth.email)).toHaveLength(2);
    await runJob('birthday', { asOf: '2032-02-29', scheduledTime: '2032-02-29T04:00:00Z' });
    expect(await sesEmailsTo(leapling.email)).toHaveLength(2);
  });

  it('sends nothing without consent, to a suppressed address, or within the frequency cap, and says why', async () => {
    const noConsent = await createCustomer({
      birthDate: '--10-18',
      consent: { email: { granted: false, source: 'pos' } },
    });
    const neverAsked = await createCustomer({ birthDate: '--10-18', consent: undefined });
    const bounced = await createCustomer({ birthDate: '--10-18' });
    await permanentBounce(bounced.email);

    await runJob('birthday', { asOf: '2031-10-18', scheduledTime: '2031-10-18T04:00:00Z' });
    expect(await sesEmailsTo(noConsent.email, neverAsked.email, bounced.email)).toEqual([]);
    expect(await decisions(noConsent.id)).toEqual(['skipped:no-consent']);
    expect(await decisions(neverAsked.id)).toEqual(['skipped:no-consent']);
    expect(await decisions(bounced.id)).toEqual(['skipped:suppressed']);
  });

  it('holds back a birthday greeting within 7 days of a win-back (the cap spans both campaigns)', async () => {
    // Early afternoon where the customer lives, now and tomorrow: no quiet hours in the way.
    const zone = zoneWhereItIs(13);
    const tomorrow = new Date(Date.now() + 24 * 3_600_000);
    const birthday = localDate(tomorrow, zone);
    const capped = await createCustomer({ timeZone: zone, birthDate: `--${birthday.slice(5)}` });
    await putEvent({
      source: 'retain',
      detailType: 'customer.lifecycle.changed',
      busName: stack.env.EVENT_BUS_NAME,
      detail: {
        customerId: capped.id,
        from: 'active',
        to: 'at_risk',
        asOf: localDate(new Date(), zone),
        runId: 'test',
      },
    });
    expect(await sesEmailsTo(capped.email)).toHaveLength(1); // the win-back

    await runJob('birthday', { asOf: birthday, scheduledTime: tomorrow.toISOString() });
    expect(await sesEmailsTo(capped.email)).toHaveLength(1);
    expect(await decisions(capped.id)).toEqual(['sent', 'skipped:capped']);
  });

  it('brings a gift by membership level and three suggestions from what similar customers bought', async () => {
    const sku = (name: string) => `${name}-${unique('sku')}`;
    const [tea, cups, honey, lemon, kettle] = ['tea', 'cups', 'honey', 'lemon', 'kettle'].map(sku) as [
      string,
      string,
      string,
      string,
      string,
    ];
    // Buyers: three bought tea with cups, two tea with honey, one tea with lemon and kettle.
    const baskets = [
      [tea, cups],
      [tea, cups],
      [tea, cups, honey],
      [tea, honey],
      [tea, lemon, kettle],
    ];
    const buyers = await Promise.all(baskets.map(() => createCustomer()));
    for (const [index, basket] of baskets.entries()) {
      const order = await api('POST', `/customers/${buyers[index]?.id}/orders`, {
        body: {
          orderId: unique('ord'),
          orderedAt: new Date(Date.now() - 86_400_000).toISOString(),
          amount: 30,
          currency: 'USD',
          items: basket.map((item) => ({ sku: item, name: `Product ${item.split('-')[0]}`, quantity: 1 })),
        },
        role: 'ingest',
      });
      expect(order.status, JSON.stringify(order.body)).toBe(201);
    }
    const member = await createCustomer({ birthDate: '--12-20', name: { given: 'Mei' } });
    await api('POST', `/customers/${member.id}/orders`, {
      body: {
        orderId: unique('ord'),
        orderedAt: new Date(Date.now() - 86_400_000).toISOString(),
        amount: 600,
        currency: 'USD',
        items: [{ sku: tea, name: 'Product tea', quantity: 2 }],
      },
      role: 'ingest',
    });
    // What the nightly job does: co-purchase counts from the SKUs the orders left on the buyers'
    // profiles, the product names seen in their orders, and the membership level on the profile.
    const stored = await Promise.all(
      buyers.map((buyer) =>
        documentClient.send(new GetCommand({ TableName: tableName(), Key: keys.customer(buyer.id) })),
      ),
    );
    const table = coPurchaseTable(
      pairCounts(stored.map((result) => result.Item?.skus as string[] | undefined)),
    );
    await saveCoPurchaseTable(table, 'test-run', new Date().toISOString());
    await rememberProductNames(
      baskets.flat().map((item) => ({ sku: item, name: `Product ${item.split('-')[0]}` })),
    );
    await putScores([
      {
        customerId: member.id,
        scores: {
          asOf: '2031-12-19',
          runId: 'test',
          membership: 'gold',
          lifecycle: { stage: 'active', since: '2031-01-01' },
        } as never,
      },
    ]);

    await runJob('birthday', { asOf: '2031-12-20', scheduledTime: '2031-12-20T04:00:00Z' });
    const [email] = await sesEmailsTo(member.email);
    // Bought tea: cups (3 buyers), honey (2), then kettle and lemon (1 each: the tie goes by SKU).
    expect(email?.body.text).toContain('- Product cups\n- Product honey\n- Product kettle');
    expect(email?.body.html).toContain('<li>Product cups</li><li>Product honey</li><li>Product kettle</li>');
    expect(email?.body.text).toContain(
      'Our birthday present for you: a birthday gift with your next order (code BDAYGOLD).',
    );
  });
});

describe('crashes, retries and throttling', () => {
  const deps = (overrides: Parameters<typeof messagingDeps>[0]) => messagingDeps(overrides);
  const crashingMailer = (before?: Mailer): Mailer => ({
    async send(email) {
      if (before) await before.send(email);
      throw new Error('simulated crash of the function mid-send');
    },
  });
  const realMailer = () =>
    sesMailer({
      client: new SESv2Client({ endpoint: stack.urls.ses, region: 'us-east-1' }),
      from: stack.env.EMAIL_FROM as string,
      configurationSet: stack.env.SES_CONFIGURATION_SET as string,
      fallbackRate: 50,
    });

  // A crash cannot be provoked from outside a running function: the use case runs here, in the
  // test process, against the same DynamoDB and SES, with a mailer that dies mid-send.
  it('resolves a crash between claim and send with one email on the next run', async () => {
    const customer = await createCustomer({ birthDate: '--03-21' });
    const asOf = '2031-03-21';
    const claimTime = new Date('2031-03-21T04:00:00Z');
    const crashed = await runBirthdayJob(
      { asOf },
      deps({ mailer: crashingMailer(), clock: fixedClock(claimTime) }),
    );
    expect(crashed.counts.error).toBe(1);
    expect(await sesEmailsTo(customer.email)).toHaveLength(0);

    // Within the grace period another run leaves the claim alone (it might still be sending).
    await runJob('birthday', {
      asOf,
      scheduledTime: new Date(claimTime.getTime() + 5 * MINUTE).toISOString(),
    });
    expect(await sesEmailsTo(customer.email)).toHaveLength(0);
    // After it, SES has no record of accepting the message: it never went out, send it now.
    const next = await runJob('birthday', {
      asOf,
      scheduledTime: new Date(claimTime.getTime() + 20 * MINUTE).toISOString(),
    });
    expect(next.result.counts.sent).toBeGreaterThanOrEqual(1);
    expect(await sesEmailsTo(customer.email)).toHaveLength(1);
    await runJob('birthday', {
      asOf,
      scheduledTime: new Date(claimTime.getTime() + 90 * MINUTE).toISOString(),
    });
    expect(await sesEmailsTo(customer.email)).toHaveLength(1);
    expect(await decisions(customer.id)).toEqual(['sent', 'skipped:already-sent']);
  });

  it('does not send again when the crash came after SES accepted the message', async () => {
    const customer = await createCustomer({ birthDate: '--05-22' });
    const claimTime = new Date('2031-05-22T04:00:00Z');
    await runBirthdayJob(
      { asOf: '2031-05-22' },
      deps({ mailer: crashingMailer(realMailer()), clock: fixedClock(claimTime) }),
    );
    const [accepted] = await sesEmailsTo(customer.email);
    expect(accepted).toBeDefined();

    // SES publishes a Send event for the message (configuration set → default bus), tagged with
    // its ledger entry, as it does on AWS; the local SES endpoint publishes none, so it is put here.
    await putEvent({
      source: 'aws.ses',
      detailType: 'Email Sent',
      busName: 'default',
      detail: {
        eventType: 'Send',
        send: {},
        mail: {
          messageId: accepted?.messageId,
          timestamp: claimTime.toISOString(),
          destination: [customer.email],
          tags: { campaign: ['birthday'], ledger: [`${customer.id}--birthday--2031`] },
        },
      },
    });
    await runJob('birthday', {
      asOf: '2031-05-22',
      scheduledTime: new Date(claimTime.getTime() + 20 * MINUTE).toISOString(),
    });
    expect(await sesEmailsTo(customer.email)).toHaveLength(1);
    expect(await decisions(customer.id)).toEqual(['sent:recovered-after-crash']);
  });

  // SES throttling cannot be provoked locally: SDK middleware answers the first two sends with
  // TooManyRequestsException (before the SDK's own retries, so the mailer's backoff is tested).
  it('retries a throttled send with backoff and sends it once', async () => {
    const customer = await createCustomer({ birthDate: '--09-23' });
    const client = new SESv2Client({ endpoint: stack.urls.ses, region: 'us-east-1' });
    let attempts = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'SendEmailCommand' && ++attempts <= 2) {
          throw Object.assign(new Error('Maximum sending rate exceeded.'), {
            name: 'TooManyRequestsException',
            $fault: 'client',
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'throttleTwice' },
    );
    const mailer = sesMailer({
      client,
      from: stack.env.EMAIL_FROM as string,
      configurationSet: stack.env.SES_CONFIGURATION_SET as string,
      fallbackRate: 50,
    });
    const run = await runBirthdayJob(
      { asOf: '2031-09-23' },
      deps({ mailer, clock: fixedClock(new Date('2031-09-23T04:00:00Z')) }),
    );
    expect(run.counts.sent).toBeGreaterThanOrEqual(1);
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(await sesEmailsTo(customer.email)).toHaveLength(1);
  });
});

/** `YYYY-MM-DD` of an instant in a time zone. */
function localDate(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone }).format(instant);
}
