import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import {
  campaignInputSchema,
  fullName,
  LIST_COLUMNS,
  ListTally,
  listable,
  listFileName,
  listRow,
  suggestedAction,
} from '../../shared/domain/campaign.js';
import { campaignNotice, changeText } from '../../shared/domain/campaign-notice.js';
import {
  cachedLocalDay,
  daysUntilBirthday,
  type StoredProfile,
  segmentFacts,
} from '../../shared/domain/segment-facts.js';
import { localDay } from '../../shared/domain/time.js';
import { fieldIssues } from '../../shared/http/problem.js';

const TZ = 'Asia/Shanghai';

const profile = (overrides: Partial<StoredProfile> = {}): StoredProfile => ({
  id: 'cus_01HZX0000000000000000000AA',
  createdAt: '2024-01-10T02:00:00.000Z',
  ...overrides,
});

describe('the facts of a profile on a day', () => {
  const ana = profile({
    name: { given: 'Ana', family: 'Lima' },
    gender: 'female',
    birthDate: '1990-06-15',
    address: { city: 'Shanghai', region: 'Shanghai', country: 'CN' },
    tags: ['vip'],
    consent: {
      email: { granted: true, source: 'web', at: '2024-01-10T02:00:00Z' },
      sms: { granted: false, source: 'web', at: '2024-01-10T02:00:00Z' },
    },
    orderCount: 3,
    totalSpend: 420.5,
    firstOrderAt: '2024-01-12T05:00:00.000Z',
    // 23:30 in Shanghai on 2024-05-01 is 15:30 UTC: the order belongs to May 1st there.
    lastOrderAt: '2024-05-01T15:30:00.000Z',
    dailyOrders: { '2024-01-12': 1, '2024-03-02': 1, '2024-05-01': 1 },
    categoryCounts: { shoes: 2, bags: 0 },
    lastNps: 9,
    openComplaints: 2,
    scores: {
      asOf: '2024-05-20',
      runId: 'run-1',
      rfm: { r: 5, f: 3, m: 4, segment: 'loyal' },
      tier: 'high',
      membership: 'gold',
      lifecycle: { stage: 'active', since: '2024-02-01' },
      churn: { pAlive: 0.8, expected30: 0.3, expected90: 0.8, expected365: 2.1, method: 'model' },
      value: { expectedOrderValue: 140, clv12: 310.25, method: 'model' },
    },
  });

  it('reads profile fields, aggregates, scores and counters', () => {
    const facts = segmentFacts(ana, '2024-05-20', TZ);
    expect(facts).toMatchObject({
      city: 'Shanghai',
      region: 'Shanghai',
      country: 'CN',
      gender: 'female',
      age: 33, // 34 on 2024-06-15
      ageBand: '25-34',
      tags: ['vip'],
      consent: ['email'],
      rfmSegment: 'loyal',
      recencyScore: 5,
      frequencyScore: 3,
      monetaryScore: 4,
      tier: 'high',
      membership: 'gold',
      lifecycle: 'active',
      clv: 310.25,
      orderCount: 3,
      totalSpend: 420.5,
      daysSinceLastOrder: 19, // May 1st → May 20th
      daysSinceFirstOrder: 129, // Jan 12th → May 20th of a leap year
      customerForDays: 131,
      categories: ['shoes'],
      nps: 9,
      openComplaints: 2,
      birthMonth: 6,
      monthsUntilBirthday: 1,
      daysUntilBirthday: 26,
    });
    expect(facts.churnProbability).toBeCloseTo(0.2, 12);
  });

  it('for an earlier day, takes the last order on or before that day', () => {
    expect(segmentFacts(ana, '2024-04-01', TZ).daysSinceLastOrder).toBe(30); // March 2nd → April 1st
  });

  it('leaves unknown facts out instead of guessing', () => {
    const facts = segmentFacts(profile({ birthDate: '--02-29' }), '2024-05-20', TZ);
    expect(facts.age).toBeUndefined();
    expect(facts.ageBand).toBeUndefined();
    expect(facts.clv).toBeUndefined();
    expect(facts.churnProbability).toBeUndefined();
    expect(facts.daysSinceLastOrder).toBeUndefined();
    expect(facts.orderCount).toBe(0);
    expect(facts.openComplaints).toBe(0);
    expect(facts.tags).toEqual([]);
    expect(facts.birthMonth).toBe(2);
    expect(facts.monthsUntilBirthday).toBe(9);
  });

  it.each([
    ['1990-06-15', '2024-06-15', 0],
    ['1990-06-15', '2024-06-14', 1],
    ['1990-06-15', '2024-06-16', 364], // next is 2025-06-15
    ['--12-31', '2024-01-01', 365], // 2024 is a leap year
    ['--02-29', '2025-02-27', 1], // 28 February in a common year
    ['--02-29', '2024-02-28', 1],
    ['--01-01', '2024-12-31', 1],
  ])('birthday %s seen on %s is %i days away', (birthDate, asOf, days) => {
    expect(daysUntilBirthday(birthDate, asOf)).toBe(days);
  });
});

describe('the memoised local day', () => {
  it('is the local day of every instant, in zones with half- and quarter-hour offsets and DST', () => {
    const zones = [
      'Asia/Shanghai',
      'Asia/Kolkata',
      'Asia/Kathmandu',
      'Pacific/Chatham',
      'America/New_York',
      'Europe/London',
      'Australia/Lord_Howe',
      'UTC',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }),
        fc.constantFrom(...zones),
        (epoch, zone) => {
          const iso = new Date(epoch).toISOString();
          expect(cachedLocalDay(iso, zone)).toBe(localDay(iso, zone));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is right at the minutes around local midnight', () => {
    // 18:29:59Z and 18:30Z are 23:59:59 and 00:00 in Kolkata (+05:30).
    expect(cachedLocalDay('2024-03-01T18:29:59.999Z', 'Asia/Kolkata')).toBe('2024-03-01');
    expect(cachedLocalDay('2024-03-01T18:30:00.000Z', 'Asia/Kolkata')).toBe('2024-03-02');
    expect(cachedLocalDay('2024-03-01T18:14:59.999Z', 'Asia/Kathmandu')).toBe('2024-03-01');
    expect(cachedLocalDay('2024-03-01T18:15:00.000Z', 'Asia/Kathmandu')).toBe('2024-03-02');
  });
});

describe('list rows', () => {
  const campaign = { language: 'en' as const, segment: { definitionId: 'seg_x' } };

  it('follow the columns, format the figures and keep the local day of the last order', () => {
    const customer = profile({
      name: { given: 'Ana', family: 'Lima' },
      email: 'ana@example.com',
      phone: '+8613800138000',
      address: { region: 'Shanghai' },
      lastOrderAt: '2024-05-01T15:30:00.000Z',
      scores: {
        asOf: '2024-05-20',
        runId: 'r',
        rfm: { r: 1, f: 2, m: 3, segment: 'at_risk' },
        tier: 'medium',
        lifecycle: { stage: 'at_risk', since: '2024-05-01' },
        churn: { pAlive: 0.3333, expected30: 0, expected90: 0, expected365: 0, method: 'model' },
        value: { expectedOrderValue: 1, clv12: 99.999, method: 'model' },
      },
    });
    const facts = segmentFacts(customer, '2024-05-20', TZ);
    const row = listRow(customer, facts, suggestedAction(campaign, facts), TZ);
    expect(LIST_COLUMNS).toEqual([
      'customer_id',
      'name',
      'email',
      'phone',
      'region',
      'segment',
      'tier',
      'lifecycle',
      'churn_probability',
      'clv',
      'last_order',
      'suggested_action',
    ]);
    expect(row).toEqual([
      'cus_01HZX0000000000000000000AA',
      'Ana Lima',
      'ana@example.com',
      '+8613800138000',
      'Shanghai',
      'at_risk',
      'medium',
      'at_risk',
      '0.667',
      '100.00',
      '2024-05-01',
      'Win back: a personal offer before they leave',
    ]);
  });

  it('write Chinese names family name first, and defuse formulas in typed text', () => {
    expect(fullName(profile({ name: { given: '小明', family: '王' }, language: 'zh-CN' }))).toBe('王小明');
    expect(fullName(profile({ name: { given: 'Ana', family: 'Lima' }, language: 'pt-BR' }))).toBe('Ana Lima');
    expect(fullName(profile({ name: { display: 'Dee' } }))).toBe('Dee');
    const sneaky = profile({ name: { display: '=cmd|"/c calc"!A1' }, address: { region: '+Shanghai' } });
    const facts = segmentFacts(sneaky, '2024-05-20', TZ);
    const row = listRow(sneaky, facts, 'x', TZ);
    expect(row[1]).toBe('\'=cmd|"/c calc"!A1');
    expect(row[4]).toBe("'+Shanghai");
  });

  it('suggest the campaign action, else the segment, else the lifecycle strategy, with the offer', () => {
    const facts = segmentFacts(profile(), '2024-05-20', TZ);
    expect(suggestedAction(campaign, facts)).toBe('Engage: introduce the campaign');
    expect(suggestedAction({ ...campaign, offer: '20% off' }, facts)).toBe(
      'Engage: introduce the campaign (offer: 20% off)',
    );
    expect(suggestedAction({ ...campaign, action: 'Call them' }, facts)).toBe('Call them');
    expect(
      suggestedAction(
        { language: 'zh-CN', segment: { builtin: 'birthdays_next_month' }, offer: '生日礼' },
        facts,
      ),
    ).toBe('生日关怀：为下月生日准备祝福和礼品（优惠：生日礼）');
  });
});

describe('who is listable on a channel', () => {
  const granted = { granted: true, source: 'web', at: '2024-01-01T00:00:00Z' };
  const withdrawn = { granted: false, source: 'unsubscribe-link', at: '2024-02-01T00:00:00Z' };
  it.each([
    ['email consent and address', { email: 'a@b.co', consent: { email: granted } }, 'email', true],
    ['email consent withdrawn', { email: 'a@b.co', consent: { email: withdrawn } }, 'email', false],
    ['no consent recorded', { email: 'a@b.co' }, 'email', false],
    ['consent without an address', { consent: { email: granted } }, 'email', false],
    ['sms consent and phone', { phone: '+8613800138000', consent: { sms: granted } }, 'sms', true],
    [
      'email consent does not cover sms',
      { phone: '+8613800138000', consent: { email: granted } },
      'sms',
      false,
    ],
    ['push needs only consent', { consent: { push: granted } }, 'push', true],
  ] as const)('%s', (_name, fields, channel, expected) => {
    const customer = profile(fields as Partial<StoredProfile>);
    expect(listable(customer, segmentFacts(customer, '2024-05-20', TZ), channel)).toBe(expected);
  });
});

describe('the list summary', () => {
  it('sums spend and CLV exactly, by segment, biggest segment first', () => {
    const tally = new ListTally();
    const add = (segment: string | undefined, totalSpend: number, clv?: number) =>
      tally.add({
        tags: [],
        consent: [],
        categories: [],
        orderCount: 1,
        totalSpend,
        openComplaints: 0,
        rfmSegment: segment,
        clv,
      });
    for (let i = 0; i < 10; i++) add('loyal', 0.1, 0.2);
    add('champions', 100, 250.5);
    add(undefined, 5);
    expect(tally.summary()).toEqual({
      size: 12,
      spendTotal: 106,
      clvTotal: 252.5,
      bySegment: {
        loyal: { count: 10, spend: 1, clv: 2 },
        champions: { count: 1, spend: 100, clv: 250.5 },
        unscored: { count: 1, spend: 5, clv: 0 },
      },
    });
    expect(Object.keys(tally.summary().bySegment)).toEqual(['loyal', 'champions', 'unscored']);
  });
});

describe('the marketer notice', () => {
  const input = {
    campaignName: 'Spring <win-back>',
    segmentLabel: 'At-risk win-back',
    channel: 'email',
    asOf: '2024-05-20',
    summary: {
      size: 1234,
      spendTotal: 5678.9,
      clvTotal: 910.11,
      bySegment: { at_risk: { count: 1234, spend: 5678.9, clv: 910.11 } },
    },
    previousSize: 1200,
    link: 'https://s3.example/list.csv?X-Amz-Signature=abc&x=1',
    linkExpiresAt: '2024-05-23T07:00:00.000Z',
    attached: false,
    fileName: 'Spring-win-back-2024-05-20.csv',
    language: 'en' as const,
    currency: 'CNY',
  };

  it('tells size, change, totals, segments and the link, escaping HTML', () => {
    const notice = campaignNotice(input);
    expect(notice.subject).toBe('Campaign list "Spring <win-back>": 1,234 customers for 2024-05-20');
    expect(notice.text).toContain('Customers on the list: 1,234');
    expect(notice.text).toContain('Change since the last list: +34');
    expect(notice.text).toContain('Their total spend: 5,678.90 CNY');
    expect(notice.text).toContain('Their predicted 12-month value (CLV): 910.11 CNY');
    expect(notice.text).toContain('at_risk: 1,234 customers');
    expect(notice.text).toContain(input.link);
    expect(notice.text).toContain('2024-05-23 07:00 UTC');
    expect(notice.html).toContain('Spring &lt;win-back&gt;');
    expect(notice.html).not.toContain('<win-back>');
    expect(notice.html).toContain('href="https://s3.example/list.csv?X-Amz-Signature=abc&amp;x=1"');
  });

  it('speaks Chinese for a Chinese campaign', () => {
    const notice = campaignNotice({ ...input, language: 'zh-CN', previousSize: undefined, attached: true });
    expect(notice.subject).toBe('活动名单「Spring <win-back>」：2024-05-20 共 1,234 位客户');
    expect(notice.text).toContain('较上次名单变化: 首次名单');
    expect(notice.text).toContain('名单也已作为附件随本邮件发送');
  });

  it.each([
    [10, 12, '−2'],
    [12, 10, '+2'],
    [5, 5, '±0'],
    [5, undefined, 'first list'],
  ])('a list of %i after %s changed by %s', (size, previous, expected) => {
    expect(changeText(size, previous, 'en')).toBe(expected);
  });
});

describe('campaign input', () => {
  const valid = {
    name: 'Win back',
    segment: { builtin: 'at_risk_winback' },
    channel: 'email',
    recipients: ['Marketer@Example.com', 'marketer@example.com', 'b@example.com'],
  };

  it('defaults language and active, and de-duplicates recipients', () => {
    expect(z.parse(campaignInputSchema, valid)).toEqual({
      ...valid,
      recipients: ['marketer@example.com', 'b@example.com'],
      language: 'en',
      active: true,
    });
  });

  it.each([
    [
      'both segment kinds',
      { segment: { builtin: 'vip_champions', definitionId: 'seg_01HZX0000000000000000000AA' } },
      'segment',
    ],
    ['no segment kind', { segment: {} }, 'segment'],
    ['unknown built-in', { segment: { builtin: 'whales' } }, 'segment.builtin'],
    ['bad definition id', { segment: { definitionId: 'abc' } }, 'segment.definitionId'],
    ['unknown channel', { channel: 'fax' }, 'channel'],
    ['no recipient', { recipients: [] }, 'recipients'],
    ['bad recipient', { recipients: ['not-an-email'] }, 'recipients.0'],
    ['unknown field', { audience: 'all' }, 'audience'],
  ])('%s is refused naming %s', (_name, change, field) => {
    const parsed = z.safeParse(campaignInputSchema, { ...valid, ...change });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(fieldIssues(parsed.error).map((issue) => issue.field)).toContain(field);
  });

  it('makes safe file names, Chinese kept', () => {
    expect(listFileName('春季 挽回: VIP/老客户', '2024-05-20')).toBe('春季-挽回-VIP-老客户-2024-05-20.csv');
    expect(listFileName('***', '2024-05-20')).toBe('campaign-2024-05-20.csv');
  });
});
