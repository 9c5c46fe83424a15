import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { BUILTIN_SEGMENTS } from '../../shared/domain/campaign.js';
import { segmentDefinitionInputSchema } from '../../shared/domain/segment-definition.js';
import {
  checkRule,
  compileRule,
  matchesRule,
  SEGMENT_FIELDS,
  type SegmentFacts,
  type SegmentRule,
} from '../../shared/domain/segment-rules.js';
import { fieldIssues } from '../../shared/http/problem.js';

const base = (overrides: Partial<SegmentFacts>): SegmentFacts => ({
  tags: [],
  consent: [],
  categories: [],
  orderCount: 0,
  totalSpend: 0,
  openComplaints: 0,
  ...overrides,
});

// A small population, each customer described by hand; the expected members of each rule below
// are read off this table, not computed by the code under test.
const people: Record<string, SegmentFacts> = {
  ana: base({
    region: 'Shanghai',
    city: 'Shanghai',
    gender: 'female',
    age: 31,
    ageBand: '25-34',
    tags: ['vip', 'newsletter'],
    consent: ['email'],
    rfmSegment: 'champions',
    tier: 'high',
    lifecycle: 'loyal',
    churnProbability: 0.05,
    clv: 820,
    orderCount: 14,
    totalSpend: 2300,
    daysSinceLastOrder: 3,
    categories: ['shoes', 'bags'],
    nps: 10,
  }),
  bo: base({
    region: 'Beijing',
    gender: 'male',
    age: 45,
    ageBand: '45-54',
    tags: ['Wholesale'],
    consent: ['email', 'sms'],
    rfmSegment: 'at_risk',
    tier: 'medium',
    lifecycle: 'at_risk',
    churnProbability: 0.71,
    clv: 140,
    orderCount: 6,
    totalSpend: 640,
    daysSinceLastOrder: 210,
    categories: ['shoes'],
    nps: 4,
    openComplaints: 1,
  }),
  chen: base({
    region: '广东',
    city: '广州',
    gender: 'male',
    consent: ['sms'],
    rfmSegment: 'hibernating',
    tier: 'low',
    lifecycle: 'churned',
    churnProbability: 0.93,
    clv: 12.5,
    orderCount: 1,
    totalSpend: 35,
    daysSinceLastOrder: 400,
    categories: ['socks'],
    birthMonth: 6,
    monthsUntilBirthday: 1,
  }),
  dee: base({
    // A prospect: no order, no scores yet, no region.
    gender: 'other',
    tags: ['vip'],
    consent: ['email', 'push'],
    lifecycle: 'prospect',
  }),
  eli: base({
    region: 'shanghai',
    gender: 'female',
    age: 22,
    ageBand: '18-24',
    consent: [],
    rfmSegment: 'new_customers',
    tier: 'low',
    lifecycle: 'new',
    churnProbability: 0.4,
    clv: 60,
    orderCount: 1,
    totalSpend: 99,
    daysSinceLastOrder: 5,
    categories: ['bags'],
    birthMonth: 7,
    monthsUntilBirthday: 2,
  }),
};

const membersOf = (rule: SegmentRule) =>
  Object.entries(people)
    .filter(([, facts]) => matchesRule(rule, facts))
    .map(([name]) => name)
    .sort();

describe('segment rules select exactly the expected customers', () => {
  const cases: Array<[string, SegmentRule, string[]]> = [
    ['region, case-insensitive', { field: 'region', eq: 'SHANGHAI' }, ['ana', 'eli']],
    ['Chinese text', { field: 'city', eq: '广州' }, ['chen']],
    ['ne leaves out customers without the value', { field: 'region', ne: 'Beijing' }, ['ana', 'chen', 'eli']],
    ['not(eq) keeps them', { not: { field: 'region', eq: 'Beijing' } }, ['ana', 'chen', 'dee', 'eli']],
    ['in', { field: 'lifecycle', in: ['at_risk', 'churned'] }, ['bo', 'chen']],
    ['notIn', { field: 'gender', notIn: ['male'] }, ['ana', 'dee', 'eli']],
    ['gte on CLV (unscored customers are out)', { field: 'clv', gte: 140 }, ['ana', 'bo']],
    ['between is inclusive at both ends', { field: 'churnProbability', between: [0.4, 0.71] }, ['bo', 'eli']],
    ['gt and lt in one condition', { field: 'daysSinceLastOrder', gt: 3, lt: 400 }, ['bo', 'eli']],
    ['age band', { field: 'ageBand', eq: '25-34' }, ['ana']],
    ['tag contains, case-insensitive', { field: 'tags', contains: 'wholesale' }, ['bo']],
    ['containsAny', { field: 'categories', containsAny: ['socks', 'bags'] }, ['ana', 'chen', 'eli']],
    ['containsAll', { field: 'categories', containsAll: ['shoes', 'bags'] }, ['ana']],
    ['a list exists when it is not empty', { field: 'tags', exists: false }, ['chen', 'eli']],
    ['a value exists', { field: 'clv', exists: false }, ['dee']],
    ['open complaints default to zero', { field: 'openComplaints', eq: 0 }, ['ana', 'chen', 'dee', 'eli']],
    ['NPS detractors', { field: 'nps', lte: 6 }, ['bo']],
    ['consent', { field: 'consent', contains: 'sms' }, ['bo', 'chen']],
    ['birthdays next month', { field: 'monthsUntilBirthday', eq: 1 }, ['chen']],
    [
      'and / or / not together',
      {
        and: [
          {
            or: [
              { field: 'tier', eq: 'high' },
              { field: 'tags', contains: 'vip' },
            ],
          },
          { not: { field: 'lifecycle', eq: 'prospect' } },
        ],
      },
      ['ana'],
    ],
    [
      'the example of the docs',
      {
        and: [
          { field: 'lifecycle', in: ['at_risk', 'churned'] },
          { field: 'clv', gte: 100 },
          { not: { field: 'tags', contains: 'vip' } },
        ],
      },
      ['bo'],
    ],
  ];
  it.each(cases)('%s', (_name, rule, expected) => {
    expect(checkRule(rule)).toEqual([]);
    expect(membersOf(rule)).toEqual(expected);
  });

  it('built-in segments pick the customers their names promise', () => {
    expect(membersOf(BUILTIN_SEGMENTS.vip_champions.rule)).toEqual(['ana']);
    // bo is at risk but waits for an answer to a complaint: no offer before that.
    expect(membersOf(BUILTIN_SEGMENTS.at_risk_winback.rule)).toEqual(['chen']);
    expect(membersOf(BUILTIN_SEGMENTS.birthdays_next_month.rule)).toEqual(['chen']);
    expect(membersOf(BUILTIN_SEGMENTS.new_customers_nurture.rule)).toEqual(['eli']);
    expect(membersOf(BUILTIN_SEGMENTS.hibernating_reactivation.rule)).toEqual(['chen']);
    for (const segment of Object.values(BUILTIN_SEGMENTS)) expect(checkRule(segment.rule)).toEqual([]);
  });
});

/** The field issues a request body with this rule gets, as the API reports them. */
function issuesOf(rule: unknown): Array<{ field: string; message: string }> {
  const parsed = z.safeParse(segmentDefinitionInputSchema, { name: 'test', rule });
  return parsed.success ? [] : fieldIssues(parsed.error);
}

describe('a bad rule is refused naming where it is wrong', () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['unknown field', { field: 'clvv', gte: 1 }, 'rule.field', /unknown field "clvv"/],
    [
      'operator of another type',
      {
        and: [
          { field: 'clv', gte: 1 },
          { field: 'tags', gte: 3 },
        ],
      },
      'rule.and.1.gte',
      /does not apply/,
    ],
    ['text compared with a number', { field: 'region', eq: 5 }, 'rule.eq', /is a text/],
    ['number compared with a text', { field: 'clv', in: [100, 'lots'] }, 'rule.in.1', /is a number/],
    ['wrong type of value', { field: 'clv', gte: 'high' }, 'rule.gte', /must be a number/],
    ['unknown operator', { field: 'clv', greaterThan: 3 }, 'rule.greaterThan', /unknown field/],
    [
      'value outside an enumeration',
      { field: 'lifecycle', in: ['at-risk'] },
      'rule.in.0',
      /one of: prospect, new/,
    ],
    ['condition without operator', { field: 'clv' }, 'rule', /give an operator/],
    ['empty rule', {}, 'rule', /needs "field"/],
    ['field and combinator mixed', { field: 'clv', gte: 1, and: [] }, 'rule', /either a condition/],
    ['empty and', { and: [] }, 'rule.and', /at least one rule/],
    ['empty in', { field: 'tier', in: [] }, 'rule.in', /at least one value/],
    ['reversed range', { field: 'clv', between: [10, 1] }, 'rule.between', /min ≤ max/],
    ['range of one', { field: 'clv', between: [10] }, 'rule.between', /\[min, max\]/],
    [
      'operator beside a combinator',
      { not: { field: 'clv', gte: 1 }, gte: 2 },
      'rule.gte',
      /needs a "field"/,
    ],
    [
      'deep error path',
      { or: [{ not: { and: [{ field: 'nps', eq: 'ten' }] } }] },
      'rule.or.0.not.and.0.eq',
      /is a number/,
    ],
    ['rule not an object', 'clv > 100', 'rule', /./],
  ];
  it.each(cases)('%s', (_name, rule, field, message) => {
    const issues = issuesOf(rule);
    const issue = issues.find((candidate) => candidate.field === field);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.message).toMatch(message);
  });

  it('too deep a rule is refused', () => {
    let rule: SegmentRule = { field: 'clv', gte: 1 };
    for (let i = 0; i < 10; i++) rule = { not: rule };
    expect(issuesOf(rule).some((issue) => /nest at most/.test(issue.message))).toBe(true);
  });

  it('a valid rule passes untouched', () => {
    const rule = {
      and: [
        { field: 'clv', gte: 100 },
        { field: 'tags', contains: 'vip' },
      ],
    };
    const parsed = z.parse(segmentDefinitionInputSchema, { name: 'VIP', rule });
    expect(parsed.rule).toEqual(rule);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: the compiled rule engine agrees with a naive reference filter written from the
// documented semantics, on random customers and random rules.

type Raw = string | number | string[] | undefined;

function naiveCondition(op: string, argument: unknown, raw: Raw, type: string): boolean {
  const lc = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value);
  if (type === 'list') {
    const have = ((raw as string[] | undefined) ?? []).map((item) => item.toLowerCase());
    if (op === 'contains') return have.includes(lc(argument) as string);
    if (op === 'containsAny') return (argument as string[]).some((item) => have.includes(item.toLowerCase()));
    if (op === 'containsAll')
      return (argument as string[]).every((item) => have.includes(item.toLowerCase()));
    if (op === 'exists') return have.length > 0 === argument;
    throw new Error(`no list operator ${op}`);
  }
  const missing = raw === undefined || raw === '';
  if (op === 'exists') return argument === !missing;
  if (missing) return false;
  const value = lc(raw) as number; // texts compare only with eq / ne / in / notIn
  switch (op) {
    case 'eq':
      return value === lc(argument);
    case 'ne':
      return value !== lc(argument);
    case 'in':
      return (argument as unknown[]).map(lc).includes(value);
    case 'notIn':
      return !(argument as unknown[]).map(lc).includes(value);
    case 'gt':
      return value > (argument as number);
    case 'gte':
      return value >= (argument as number);
    case 'lt':
      return value < (argument as number);
    case 'lte':
      return value <= (argument as number);
    case 'between':
      return value >= (argument as number[])[0]! && value <= (argument as number[])[1]!;
    default:
      throw new Error(`no operator ${op}`);
  }
}

function naive(rule: SegmentRule, facts: SegmentFacts): boolean {
  if (rule.and) return rule.and.every((part) => naive(part, facts));
  if (rule.or) return rule.or.some((part) => naive(part, facts));
  if (rule.not) return !naive(rule.not, facts);
  const field = rule.field as keyof typeof SEGMENT_FIELDS;
  const type = SEGMENT_FIELDS[field].type;
  return Object.entries(rule)
    .filter(([key]) => key !== 'field')
    .every(([op, argument]) => naiveCondition(op, argument, facts[field] as Raw, type));
}

const TEXT = ['Shanghai', 'SHANGHAI', 'beijing', '广州', 'north'];
const NUMBERS = [-1, 0, 0.5, 1, 2, 3, 5, 10, 99.5, 100];
const LIST = ['vip', 'VIP', 'shoes', 'bags', '鞋'];

const textValue = (field: keyof typeof SEGMENT_FIELDS): fc.Arbitrary<string> => {
  const values = (SEGMENT_FIELDS[field] as { values?: readonly string[] }).values;
  return values ? fc.constantFrom(...values) : fc.constantFrom(...TEXT);
};

const fieldNames = Object.keys(SEGMENT_FIELDS) as Array<keyof typeof SEGMENT_FIELDS>;

const factsArbitrary: fc.Arbitrary<SegmentFacts> = fc
  .tuple(
    ...fieldNames.map((field) => {
      const type = SEGMENT_FIELDS[field].type;
      if (type === 'list') {
        return fc.uniqueArray(fc.constantFrom(...(field === 'consent' ? ['email', 'sms', 'push'] : LIST)), {
          maxLength: 3,
        });
      }
      const value: fc.Arbitrary<string | number> =
        type === 'number' ? fc.constantFrom(...NUMBERS) : textValue(field);
      return fc.option(value, { nil: undefined });
    }),
  )
  .map((values) => {
    const facts: Record<string, unknown> = {};
    fieldNames.forEach((field, index) => {
      facts[field] = values[index];
    });
    facts.tags ??= [];
    facts.consent ??= [];
    facts.categories ??= [];
    facts.orderCount ??= 0;
    facts.totalSpend ??= 0;
    facts.openComplaints ??= 0;
    return facts as unknown as SegmentFacts;
  });

const conditionArbitrary: fc.Arbitrary<SegmentRule> = fc.constantFrom(...fieldNames).chain((field) => {
  const spec = SEGMENT_FIELDS[field];
  const listValue = field === 'consent' ? fc.constantFrom('email', 'sms', 'push') : fc.constantFrom(...LIST);
  const number = fc.constantFrom(...NUMBERS);
  const operators: Array<fc.Arbitrary<Partial<SegmentRule>>> =
    spec.type === 'list'
      ? [
          listValue.map((contains) => ({ contains })),
          fc.array(listValue, { minLength: 1, maxLength: 3 }).map((containsAny) => ({ containsAny })),
          fc.array(listValue, { minLength: 1, maxLength: 3 }).map((containsAll) => ({ containsAll })),
          fc.boolean().map((exists) => ({ exists })),
        ]
      : spec.type === 'number'
        ? [
            number.map((eq) => ({ eq })),
            number.map((ne) => ({ ne })),
            fc.tuple(number, number).map(([gt, lt]) => ({ gt, lt })),
            number.map((gte) => ({ gte })),
            number.map((lte) => ({ lte })),
            fc.tuple(number, number).map(([a, b]) => ({ between: [Math.min(a, b), Math.max(a, b)] })),
            fc.array(number, { minLength: 1, maxLength: 3 }).map((values) => ({ in: values })),
            fc.array(number, { minLength: 1, maxLength: 3 }).map((notIn) => ({ notIn })),
            fc.boolean().map((exists) => ({ exists })),
            fc.tuple(fc.boolean(), number).map(([exists, gte]) => ({ exists, gte })),
          ]
        : [
            textValue(field).map((eq) => ({ eq })),
            textValue(field).map((ne) => ({ ne })),
            fc.array(textValue(field), { minLength: 1, maxLength: 3 }).map((values) => ({ in: values })),
            fc.array(textValue(field), { minLength: 1, maxLength: 3 }).map((notIn) => ({ notIn })),
            fc.boolean().map((exists) => ({ exists })),
          ];
  return fc.oneof(...operators).map((operator) => ({ field, ...operator }) as SegmentRule);
});

const ruleArbitrary: fc.Arbitrary<SegmentRule> = fc.letrec<{ rule: SegmentRule }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    conditionArbitrary,
    fc.array(tie('rule'), { minLength: 1, maxLength: 3 }).map((and) => ({ and })),
    fc.array(tie('rule'), { minLength: 1, maxLength: 3 }).map((or) => ({ or })),
    tie('rule').map((not) => ({ not })),
  ),
})).rule;

describe('the rule engine agrees with a naive filter', () => {
  it('on random rules and random customers', () => {
    fc.assert(
      fc.property(
        ruleArbitrary,
        fc.array(factsArbitrary, { minLength: 1, maxLength: 20 }),
        (rule, population) => {
          const predicate = compileRule(rule);
          for (const facts of population) expect(predicate(facts)).toBe(naive(rule, facts));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts every rule built from the catalogue (within the nesting limit)', () => {
    fc.assert(
      fc.property(ruleArbitrary, (rule) => {
        const issues = checkRule(rule).filter(
          (issue) => !/nest at most|at most \d+ conditions/.test(issue.message),
        );
        expect(issues).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
