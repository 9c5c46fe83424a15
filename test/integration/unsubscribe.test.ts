// One-click unsubscribe (RFC 8058) over real HTTP without a login, SES bounces and complaints
// suppressing addresses (also across the customer's erasure), and the per-campaign statistics.
// Birthdays here are in 2033–2035, months no other test uses, so the statistics are exact.
import { describe, expect, it } from 'vitest';
import {
  campaignTotals,
  createCustomer,
  decisions,
  permanentBounce,
  sesEvent,
  sesMail,
} from './messaging-fixtures.js';
import { api, emailHeader, putEvent, runJob, type StoredEmail, sesEmailsTo, stack } from './support.js';

/** Run the birthday job for a date at 12:00 in Shanghai (where the test customers live). */
const greet = (asOf: string) => runJob('birthday', { asOf, scheduledTime: `${asOf}T04:00:00Z` });

/** The link of the List-Unsubscribe header, as a path of the local API. */
function unsubscribePath(email: StoredEmail | undefined): string {
  const header = emailHeader(email as StoredEmail, 'List-Unsubscribe') ?? '';
  const url = new URL(header.replace(/^<|>$/g, ''));
  expect(url.origin).toBe(stack.urls.api);
  return `${url.pathname}${url.search}`;
}

/** What a mail client sends for a one-click unsubscribe (RFC 8058 section 3.2). */
const oneClick = (path: string) =>
  api('POST', path, {
    role: null,
    rawBody: 'List-Unsubscribe=One-Click',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

const birthdayStats = (month: string) => campaignTotals('birthday', month);

describe('one-click unsubscribe', () => {
  it('unsubscribes without a login from the link in the email, once, and the next birthday sends nothing', async () => {
    const customer = await createCustomer({ birthDate: '--04-10' });
    await greet('2033-04-10');
    const [email] = await sesEmailsTo(customer.email);
    const path = unsubscribePath(email);

    // GET shows a confirmation page and changes nothing (link scanners follow links).
    const page = await api('GET', path, { role: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.body).toContain('<form method="post"');
    const untouched = await api('GET', `/customers/${customer.id}`);
    expect(untouched.body.consent.email.granted).toBe(true);
    expect(untouched.body.version).toBe(customer.version);

    const first = await oneClick(path);
    expect(first.status).toBe(200);
    expect(first.body).toContain('You are unsubscribed');
    const unsubscribed = await api('GET', `/customers/${customer.id}`);
    expect(unsubscribed.body.consent.email).toMatchObject({ granted: false, source: 'unsubscribe-link' });

    const again = await oneClick(path);
    expect(again.status).toBe(200);
    expect((await api('GET', `/customers/${customer.id}`)).body.version).toBe(unsubscribed.body.version);

    await greet('2034-04-10');
    expect(await sesEmailsTo(customer.email)).toHaveLength(1);
    // (Sorted: the job runs stand for 2033 and 2034, the unsubscribe happened today.)
    expect((await decisions(customer.id)).sort()).toEqual(['sent', 'skipped:no-consent', 'unsubscribed']);
    expect(await birthdayStats('2033-04')).toMatchObject({ sent: 1, unsubscribed: 1 });
  });

  it('lets a customer who opts in again after unsubscribing receive email again', async () => {
    const customer = await createCustomer({ birthDate: '--04-11' });
    await greet('2033-04-11');
    await oneClick(unsubscribePath((await sesEmailsTo(customer.email))[0]));
    const current = await api('GET', `/customers/${customer.id}`);
    const optIn = await api('PATCH', `/customers/${customer.id}`, {
      body: { consent: { email: { granted: true, source: 'preference-center' } } },
      headers: { 'if-match': current.headers.get('etag') as string },
    });
    expect(optIn.status).toBe(200);
    await greet('2034-04-11');
    expect(await sesEmailsTo(customer.email)).toHaveLength(2);
  });

  it('answers 400 naming the token to a forged, altered or missing token, and changes nothing', async () => {
    const customer = await createCustomer({
      birthDate: '--04-12',
      language: 'zh-CN',
      name: { family: '李', given: '雷' },
    });
    await greet('2033-04-12');
    const [email] = await sesEmailsTo(customer.email);
    expect(email?.body.text).toContain('一键退订：');
    const path = unsubscribePath(email);
    const token = decodeURIComponent(path.split('token=')[1] as string);
    const [payload, signature] = token.split('.') as [string, string];
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    const otherCustomer = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
        c: 'cus_01JSOMEBODYELSE000000000',
      }),
    ).toString('base64url');

    for (const bad of [`${payload}.${flipped}`, `${otherCustomer}.${signature}`, 'not-a-token', payload]) {
      for (const method of ['GET', 'POST']) {
        const response = await api(method, `/unsubscribe?token=${encodeURIComponent(bad)}`, { role: null });
        expect(response.status, `${method} ${bad}`).toBe(400);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
        expect(response.body.errors).toEqual([{ field: 'query.token', message: expect.any(String) }]);
      }
    }
    const missing = await api('POST', '/unsubscribe', { role: null });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].field).toBe('query.token');
    expect((await api('GET', `/customers/${customer.id}`)).body.consent.email.granted).toBe(true);

    // The genuine link still works, and its page is in the message's language.
    const page = await api('GET', path, { role: null });
    expect(page.body).toContain('确定不再接收我们的营销邮件');
  });
});

describe('bounces and complaints', () => {
  it('suppresses a hard-bounced address, also for a new profile after the customer was erased', async () => {
    const customer = await createCustomer({ birthDate: '--05-13' });
    await greet('2033-05-13');
    const [email] = await sesEmailsTo(customer.email);
    await permanentBounce(email as StoredEmail, `${customer.id}--birthday--2033`);
    expect(await birthdayStats('2033-05')).toMatchObject({ sent: 1, bounced: 1 });

    await greet('2034-05-13');
    expect(await decisions(customer.id)).toEqual(['sent', 'skipped:suppressed']);

    expect((await api('DELETE', `/customers/${customer.id}`)).status).toBe(204);
    const again = await createCustomer({ email: customer.email, birthDate: '--05-13' });
    await greet('2035-05-13');
    expect(await sesEmailsTo(customer.email)).toHaveLength(1);
    expect(await decisions(again.id)).toEqual(['skipped:suppressed']);
  });

  it('suppresses a complaining address; a soft bounce suppresses nothing', async () => {
    const complainer = await createCustomer({ birthDate: '--05-14' });
    const softBounce = await createCustomer({ birthDate: '--05-14' });
    await greet('2033-05-14');
    const [complained] = await sesEmailsTo(complainer.email);
    const [bounced] = await sesEmailsTo(softBounce.email);
    await sesEvent('Email Complaint Received', {
      eventType: 'Complaint',
      complaint: {
        complainedRecipients: [{ emailAddress: complainer.email }],
        complaintFeedbackType: 'abuse',
      },
      mail: sesMail(complained as StoredEmail, `${complainer.id}--birthday--2033`),
    });
    await sesEvent('Email Bounced', {
      eventType: 'Bounce',
      bounce: {
        bounceType: 'Transient',
        bounceSubType: 'MailboxFull',
        bouncedRecipients: [{ emailAddress: softBounce.email }],
      },
      mail: sesMail(bounced as StoredEmail, `${softBounce.id}--birthday--2033`),
    });
    await greet('2034-05-14');
    expect(await sesEmailsTo(complainer.email)).toHaveLength(1);
    expect(await sesEmailsTo(softBounce.email)).toHaveLength(2);
    expect(await birthdayStats('2033-05')).toMatchObject({ complained: 1 });
  });
});

describe('message statistics', () => {
  it('are for admins and marketers, and name a bad month', async () => {
    expect((await api('GET', '/messages/stats', { role: null })).status).toBe(401);
    expect((await api('GET', '/messages/stats', { role: 'support' })).status).toBe(403);
    const all = await api('GET', '/messages/stats', { role: 'admin' });
    expect(all.status).toBe(200);
    expect(all.body.campaigns.map((campaign: { campaign: string }) => campaign.campaign)).toEqual([
      'birthday',
      'winback',
    ]);
    expect(all.body.campaigns[0].months).toHaveLength(12);

    const badMonth = await api('GET', '/messages/stats?from=2033-13', { role: 'marketer' });
    expect(badMonth.status).toBe(400);
    expect(badMonth.body.errors).toEqual([{ field: 'query.from', message: 'must be a month, YYYY-MM' }]);
    const backwards = await api('GET', '/messages/stats?from=2033-05&to=2033-04', { role: 'marketer' });
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors[0].field).toBe('query.from');
  });
});
