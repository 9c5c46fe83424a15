// Campaign lists end to end, over real HTTP against the local stack: customers created through
// the API with consent variations, scores seeded on their profiles (as the nightly analytics would
// write them, dated far in the future so that a nightly run of another test file never rescores
// them: scores never move back in time), the real job, the CSV fetched from s3rver through the
// download redirect, the notices read from the local SES store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIST_COLUMNS } from '../../shared/domain/campaign.js';
import { parseCsv } from '../unit/csv-reader.js';
import {
  api,
  busIdle,
  putEvent,
  runJob,
  stack,
  unique,
  uniquePhone,
  useStackEnvironment,
} from './support.js';

useStackEnvironment();
const { documentClient } = await import('../../shared/clients/dynamodb.js');
const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
const { keys } = await import('../../shared/store/keys.js');
const { putScores } = await import('../../shared/store/analytics-repository.js');

// List dates no other test uses; scores dated after them (see the header).
const AS_OF = '2098-03-10';
const NEXT_DAY = '2098-03-11';
const EVENT_DAY = '2098-03-12';
const CRASH_DAY = '2098-03-13';
const SCORES_AS_OF = '2099-12-31';

const TAG = unique('cmp');
const MARKETER = `${unique('marketer')}@example.com`;

interface SeededScores {
  segment: string;
  stage: string;
  tier: string;
  pAlive: number;
  clv: number;
}

async function seedScores(customerId: string, scores: SeededScores, lastOrderAt: string, totalSpend: number) {
  await documentClient.send(
    new UpdateCommand({
      TableName: stack.env.TABLE_NAME,
      Key: keys.customer(customerId),
      UpdateExpression: 'SET lastOrderAt = :last, totalSpend = :spend, orderCount = :orders',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':last': lastOrderAt, ':spend': totalSpend, ':orders': 3 },
    }),
  );
  // The scores item, written as the nightly run writes it.
  await putScores([
    {
      customerId,
      scores: {
        asOf: SCORES_AS_OF,
        runId: 'seeded-by-test',
        rfm: { r: 3, f: 3, m: 3, segment: scores.segment },
        tier: scores.tier,
        lifecycle: { stage: scores.stage, since: '2098-01-01' },
        churn: { pAlive: scores.pAlive, expected30: 0, expected90: 0, expected365: 0, method: 'model' },
        value: { expectedOrderValue: 50, clv12: scores.clv, method: 'model' },
      } as never,
    },
  ]);
}

const granted = { granted: true, source: 'web-signup' };

async function createCustomer(body: Record<string, unknown>): Promise<string> {
  const created = await api('POST', '/customers', { body: { tags: [TAG], ...body } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

interface SesEmail {
  subject: string;
  destination: { to: string[] };
  body: { text?: string; html?: string };
  attachments: Array<{ filename?: string; content: string; contentType: string }>;
}

async function noticesFor(asOf: string): Promise<SesEmail[]> {
  const store = (await (await fetch(`${stack.urls.ses}/store`)).json()) as { emails: SesEmail[] };
  return store.emails.filter(
    (email) => email.destination.to.some((to) => to.includes(MARKETER)) && email.subject.includes(asOf),
  );
}

/** Follow the download redirect like a browser would, and return the file's bytes. */
async function download(
  campaignId: string,
  runId: string,
): Promise<{ bytes: Buffer; disposition: string | null }> {
  const redirect = await api('GET', `/campaigns/${campaignId}/runs/${runId}/download`, { role: 'marketer' });
  expect(redirect.status, JSON.stringify(redirect.body)).toBe(302);
  const location = redirect.headers.get('location') as string;
  expect(location).toMatch(/X-Amz-Signature=/);
  const file = await fetch(location);
  expect(file.status).toBe(200);
  return {
    bytes: Buffer.from(await file.arrayBuffer()),
    disposition: file.headers.get('content-disposition'),
  };
}

function rowsById(bytes: Buffer): Map<string, Record<string, string>> {
  const [header, ...rows] = parseCsv(bytes.toString('utf8'));
  expect(header).toEqual([...LIST_COLUMNS]);
  return new Map(
    rows.map((row) => {
      const record = Object.fromEntries(LIST_COLUMNS.map((column, index) => [column, row[index] ?? '']));
      return [record.customer_id as string, record];
    }),
  );
}

const ids = { ana: '', bo: '', chen: '', dee: '', eli: '', fay: '' };
let definitionId = '';
let emailCampaign = '';
let smsCampaign = '';

beforeAll(async () => {
  ids.ana = await createCustomer({
    email: `${unique('ana')}@example.com`,
    name: { family: '王', given: '小明, "Ming"' },
    language: 'zh-CN',
    address: { region: '上海市' },
    consent: { email: granted },
  });
  ids.bo = await createCustomer({
    email: `${unique('bo')}@example.com`,
    name: { given: 'Bo\nSecond line', family: 'Berg' },
    address: { region: 'Beijing' },
    consent: { email: granted },
  });
  ids.chen = await createCustomer({
    email: `${unique('chen')}@example.com`,
    name: { display: 'Chen' },
    consent: { email: { granted: false, source: 'unsubscribe-link' } },
  });
  ids.dee = await createCustomer({
    phone: uniquePhone(),
    name: { display: 'Dee' },
    consent: { sms: granted },
  });
  ids.eli = await createCustomer({
    email: `${unique('eli')}@example.com`,
    name: { display: 'Eli' },
    consent: { email: granted },
  });
  ids.fay = await createCustomer({
    email: `${unique('fay')}@example.com`,
    name: { display: 'Fay' },
    consent: { email: granted },
  });

  const champion = { segment: 'champions', stage: 'loyal', tier: 'high' };
  await seedScores(ids.ana, { ...champion, pAlive: 0.9, clv: 820.5 }, '2098-03-01T04:00:00.000Z', 1500);
  await seedScores(
    ids.bo,
    { segment: 'at_risk', stage: 'at_risk', tier: 'medium', pAlive: 0.25, clv: 140 },
    '2097-11-20T04:00:00.000Z',
    640,
  );
  await seedScores(ids.chen, { ...champion, pAlive: 0.95, clv: 999 }, '2098-03-02T04:00:00.000Z', 2000);
  await seedScores(ids.dee, { ...champion, pAlive: 0.8, clv: 300 }, '2098-03-03T04:00:00.000Z', 900);
  await seedScores(ids.eli, { ...champion, pAlive: 0.85, clv: 500 }, '2098-03-04T04:00:00.000Z', 1000);
  await seedScores(
    ids.fay,
    { segment: 'new_customers', stage: 'new', tier: 'low', pAlive: 0.6, clv: 40 },
    '2098-03-05T04:00:00.000Z',
    45,
  );

  // Eli asks to be erased before the lists are made.
  expect((await api('DELETE', `/customers/${ids.eli}`)).status).toBe(204);
});

afterAll(async () => {
  // Later nightly runs of other test files would otherwise keep generating these campaigns' lists.
  for (const id of [emailCampaign, smsCampaign])
    if (id) await api('DELETE', `/campaigns/${id}`, { role: 'marketer' });
});

describe('saved segments', () => {
  const rule = {
    and: [
      { field: 'tags', contains: TAG },
      { field: 'rfmSegment', in: ['champions', 'at_risk'] },
    ],
  };

  it('are created, read, replaced with If-Match and previewed by marketers', async () => {
    const created = await api('POST', '/segments/definitions', {
      role: 'marketer',
      body: { name: 'Best and slipping', rule: { field: 'tags', contains: TAG } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    definitionId = created.body.id;
    expect(created.headers.get('location')).toBe(`/segments/definitions/${definitionId}`);

    const stale = await api('PUT', `/segments/definitions/${definitionId}`, {
      role: 'marketer',
      headers: { 'if-match': '"7"' },
      body: { name: 'Best and slipping', rule },
    });
    expect(stale.status).toBe(412);
    const replaced = await api('PUT', `/segments/definitions/${definitionId}`, {
      role: 'marketer',
      headers: { 'if-match': created.headers.get('etag') as string },
      body: { name: 'Best and slipping', description: 'champions and at-risk of this test', rule },
    });
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    expect(replaced.body).toMatchObject({ version: 2, rule });

    const read = await api('GET', `/segments/definitions/${definitionId}`, { role: 'marketer' });
    expect(read.body).toMatchObject({ id: definitionId, name: 'Best and slipping', rule, version: 2 });
    const listed = await api('GET', '/segments/definitions?limit=100', { role: 'marketer' });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item: { id: string }) => item.id)).toContain(definitionId);

    // ana, bo, chen and dee hold the tag with a matching segment; eli is erased, fay is new.
    const preview = await api('POST', `/segments/definitions/${definitionId}/preview`, { role: 'marketer' });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toMatchObject({
      definitionId,
      count: 4,
      exact: true,
      reachable: { email: 2, sms: 1, push: 0 },
    });
    expect(preview.body.sample.map((s: { id: string }) => s.id).sort()).toEqual(
      [ids.ana, ids.bo, ids.chen, ids.dee].sort(),
    );
  });

  it('refuses a bad rule naming the offending place', async () => {
    const bad = await api('POST', '/segments/definitions', {
      role: 'marketer',
      body: {
        name: 'bad',
        rule: {
          and: [
            { field: 'clv', gte: 100 },
            { field: 'tags', gte: 3 },
            { field: 'lifecycle', in: ['at-risk'] },
          ],
        },
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const fields = bad.body.errors.map((error: { field: string }) => error.field);
    expect(fields).toEqual(expect.arrayContaining(['rule.and.1.gte', 'rule.and.2.in.0']));
  });

  it('are for marketers and admins only', async () => {
    expect((await api('GET', `/segments/definitions/${definitionId}`, { role: 'support' })).status).toBe(403);
    expect((await api('POST', `/segments/definitions/${definitionId}/preview`, { role: null })).status).toBe(
      401,
    );
    expect(
      (await api('GET', '/segments/definitions/seg_01HZX0000000000000000000AA', { role: 'marketer' })).status,
    ).toBe(404);
  });
});

describe('campaign lists', () => {
  it('refuse a campaign on a segment that does not exist', async () => {
    const response = await api('POST', '/campaigns', {
      role: 'marketer',
      body: {
        name: 'x',
        segment: { definitionId: 'seg_01HZX0000000000000000000AA' },
        channel: 'email',
        recipients: [MARKETER],
      },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].field).toBe('segment.definitionId');
  });

  it('list only consenting, reachable, existing customers, in a CSV that round-trips, with a notice', async () => {
    const created = await api('POST', '/campaigns', {
      role: 'marketer',
      body: {
        name: '春季, "VIP" 回馈',
        segment: { definitionId },
        channel: 'email',
        offer: '20% off',
        recipients: [MARKETER],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    emailCampaign = created.body.id;
    const sms = await api('POST', '/campaigns', {
      role: 'marketer',
      body: {
        name: 'SMS VIPs',
        segment: { builtin: 'vip_champions' },
        channel: 'sms',
        recipients: [MARKETER],
      },
    });
    expect(sms.status).toBe(201);
    smsCampaign = sms.body.id;

    const job = await runJob('campaign-lists', { asOf: AS_OF });
    expect(job.result.asOf).toBe(AS_OF);

    const runs = await api('GET', `/campaigns/${emailCampaign}/runs`, { role: 'marketer' });
    expect(runs.status).toBe(200);
    const run = runs.body.items.find((item: { runId: string }) => item.runId === AS_OF);
    // ana and bo: chen withdrew email consent, dee has no email consent (and no address), eli is erased.
    expect(run).toMatchObject({
      status: 'completed',
      trigger: 'job',
      noticesSent: 1,
      summary: {
        size: 2,
        spendTotal: 2140,
        clvTotal: 960.5,
        bySegment: {
          champions: { count: 1, spend: 1500, clv: 820.5 },
          at_risk: { count: 1, spend: 640, clv: 140 },
        },
      },
    });

    const { bytes, disposition } = await download(emailCampaign, AS_OF);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent('春季-VIP-回馈-2098-03-10.csv')}`);
    const rows = rowsById(bytes);
    expect([...rows.keys()].sort()).toEqual([ids.ana, ids.bo].sort());
    expect(rows.get(ids.ana)).toMatchObject({
      name: '王小明, "Ming"',
      region: '上海市',
      segment: 'champions',
      tier: 'high',
      lifecycle: 'loyal',
      churn_probability: '0.100',
      clv: '820.50',
      last_order: '2098-03-01',
      suggested_action: 'Reward: loyalty perks and early access (offer: 20% off)',
    });
    expect(rows.get(ids.bo)).toMatchObject({
      name: 'Bo\nSecond line Berg',
      churn_probability: '0.750',
      last_order: '2097-11-20',
      suggested_action: 'Win back: a personal offer before they leave (offer: 20% off)',
    });

    // The SMS list: the built-in VIP segment, only customers who consented to SMS and have a phone.
    const smsRows = rowsById((await download(smsCampaign, AS_OF)).bytes);
    expect(smsRows.has(ids.dee)).toBe(true);
    for (const id of [ids.ana, ids.bo, ids.chen, ids.eli, ids.fay]) expect(smsRows.has(id)).toBe(false);

    const notices = (await noticesFor(AS_OF)).filter((email) => email.subject.includes('春季'));
    expect(notices).toHaveLength(1);
    const notice = notices[0] as SesEmail;
    expect(notice.subject).toBe('Campaign list "春季, "VIP" 回馈": 2 customers for 2098-03-10');
    expect(notice.body.text).toContain('Customers on the list: 2');
    expect(notice.body.text).toContain('Change since the last list: first list');
    expect(notice.body.text).toContain('champions: 1 customers');
    const link = /Download the list \(CSV\): (\S+)/.exec(notice.body.text ?? '')?.[1] as string;
    expect(link).toContain(`campaign-lists/${emailCampaign}/${AS_OF}.csv`);
    const viaLink = await fetch(link);
    expect(viaLink.status).toBe(200);
    expect(Buffer.from(await viaLink.arrayBuffer()).equals(bytes)).toBe(true);
    // Small lists travel as an attachment too, byte for byte the same file.
    expect(notice.attachments).toHaveLength(1);
    expect(Buffer.from(notice.attachments[0]?.content as string, 'base64').equals(bytes)).toBe(true);
  });

  it('support cannot download lists, nor see campaigns', async () => {
    expect(
      (await api('GET', `/campaigns/${emailCampaign}/runs/${AS_OF}/download`, { role: 'support' })).status,
    ).toBe(403);
    expect((await api('GET', '/campaigns', { role: 'support' })).status).toBe(403);
    expect(
      (await api('GET', `/campaigns/${emailCampaign}/runs/${AS_OF}/download`, { role: null })).status,
    ).toBe(401);
    expect(
      (await api('GET', `/campaigns/${emailCampaign}/runs/2001-01-01/download`, { role: 'marketer' })).status,
    ).toBe(404);
  });

  it('a re-run of the same day replaces the run and mails nobody twice', async () => {
    // Bo withdraws email consent; the day's lists are made again.
    const bo = await api('GET', `/customers/${ids.bo}`);
    const patched = await api('PATCH', `/customers/${ids.bo}`, {
      headers: { 'if-match': bo.headers.get('etag') as string },
      body: { consent: { email: { granted: false, source: 'unsubscribe-link' } } },
    });
    expect(patched.status).toBe(200);
    await runJob('campaign-lists', { asOf: AS_OF });

    const runs = await api('GET', `/campaigns/${emailCampaign}/runs`, { role: 'marketer' });
    expect(runs.body.items.filter((item: { runId: string }) => item.runId === AS_OF)).toHaveLength(1);
    const rows = rowsById((await download(emailCampaign, AS_OF)).bytes);
    expect([...rows.keys()]).toEqual([ids.ana]);
    expect((await noticesFor(AS_OF)).filter((email) => email.subject.includes('春季'))).toHaveLength(1);

    // The next day is a new run, compared with the (replaced) list of the day before.
    await runJob('campaign-lists', { asOf: NEXT_DAY });
    const next = await api('GET', `/campaigns/${emailCampaign}/runs/${NEXT_DAY}`, { role: 'marketer' });
    expect(next.body).toMatchObject({ summary: { size: 1 }, previousSize: 1 });
    const nextNotice = (await noticesFor(NEXT_DAY)).filter((email) => email.subject.includes('春季'));
    expect(nextNotice).toHaveLength(1);
    expect(nextNotice[0]?.body.text).toContain('Change since the last list: ±0');
    const campaign = await api('GET', `/campaigns/${emailCampaign}`, { role: 'marketer' });
    expect(campaign.body.lastRun).toMatchObject({ runId: NEXT_DAY, size: 1 });
  });

  it('are generated when the nightly analytics announce a completed run', async () => {
    await putEvent({
      source: 'retain',
      detailType: 'analytics.run.completed',
      detail: { runId: 'run-from-test', asOf: EVENT_DAY, summary: {} },
      busName: stack.env.EVENT_BUS_NAME,
    });
    await busIdle();
    const run = await api('GET', `/campaigns/${emailCampaign}/runs/${EVENT_DAY}`, { role: 'marketer' });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({
      trigger: 'analytics',
      analyticsRunId: 'run-from-test',
      status: 'completed',
    });
  });

  it('a notice a crashed delivery left claimed is never sent again; one SES refused is sent by the retry', async () => {
    const { defaultGenerateDeps, generateCampaignLists, sesMailer } =
      await import('../../shared/use-cases/campaign-lists.js');
    const { claimNotice } = await import('../../shared/store/campaign-repository.js');
    // The state a crash between the SES call and the ledger write leaves: a claim without outcome.
    expect(await claimNotice(emailCampaign, CRASH_DAY, MARKETER, new Date().toISOString())).toBe('claimed');
    // SES throttling cannot be provoked on the local endpoint: the mailer refuses its first send
    // (injected here), then sends through the real SES endpoint.
    let refusals = 1;
    const mailer: typeof sesMailer = {
      send: async (message) => {
        if (refusals-- > 0)
          throw Object.assign(new Error('Maximum sending rate exceeded'), {
            name: 'TooManyRequestsException',
          });
        return sesMailer.send(message);
      },
    };
    const deps = { ...defaultGenerateDeps(), mailer };
    // Campaigns are generated in id order: the email campaign (claimed) first, then the SMS one.
    await expect(generateCampaignLists({ asOf: CRASH_DAY, trigger: 'job' }, deps)).rejects.toThrow(
      'sending rate',
    );
    const retried = await generateCampaignLists({ asOf: CRASH_DAY, trigger: 'job' }, deps);
    expect(retried.campaigns.map((outcome) => outcome.status)).toEqual(['completed', 'completed']);

    const notices = await noticesFor(CRASH_DAY);
    expect(notices.map((email) => email.subject)).toEqual([expect.stringContaining('"SMS VIPs"')]);
    const run = await api('GET', `/campaigns/${emailCampaign}/runs/${CRASH_DAY}`, { role: 'marketer' });
    expect(run.body).toMatchObject({ status: 'completed', noticesSent: 0 });
  });

  it('a list for an earlier day (a backfill) is kept in the history but mailed to nobody', async () => {
    const BACKFILL_DAY = '2098-03-01';
    await runJob('campaign-lists', { asOf: BACKFILL_DAY });
    const run = await api('GET', `/campaigns/${emailCampaign}/runs/${BACKFILL_DAY}`, { role: 'marketer' });
    expect(run.body).toMatchObject({ status: 'completed', noticesSent: 0, summary: { size: 1 } });
    expect(await noticesFor(BACKFILL_DAY)).toEqual([]);
    const campaign = await api('GET', `/campaigns/${emailCampaign}`, { role: 'marketer' });
    expect(campaign.body.lastRun.runId).toBe(CRASH_DAY);
  });

  it('a saved segment a campaign uses cannot be deleted', async () => {
    const response = await api('DELETE', `/segments/definitions/${definitionId}`, { role: 'marketer' });
    expect(response.status).toBe(409);
    expect(response.body.detail).toContain(emailCampaign);
  });
});
