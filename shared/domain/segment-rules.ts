// Segment rules: the small JSON language marketers define segments with, its validation against a
// field catalogue, and its evaluation over the facts of one customer. Pure: no I/O.
//
// A rule is either a condition `{ "field": "clv", "gte": 100 }` (one or more operators, all of
// which must hold) or a combination `{ "and": [...] }`, `{ "or": [...] }`, `{ "not": rule }`.
// Semantics, documented in docs/campaigns.md:
// - text compares case-insensitively; lists (tags, categories, consent) are never missing, only empty;
// - a condition on a missing value (no CLV yet, no birth date) is false, whatever the operator,
//   except `exists: false`; wrap it in `not` to include the unknowns.
import * as z from 'zod/mini';
import { CONSENT_CHANNELS, GENDERS } from './customer.js';
import { LIFECYCLE_STAGES, VALUE_TIERS } from './customer-scores.js';
import type { FieldIssue } from './errors.js';
import { AGE_BANDS } from './segmentation/segment-profile.js';

/** The facts about one customer that rules test (see `segmentFacts` in segment-facts.ts). */
export interface SegmentFacts {
  city?: string;
  region?: string;
  country?: string;
  gender?: string;
  age?: number;
  ageBand?: string;
  language?: string;
  acquisitionChannel?: string;
  tags: string[];
  /** Channels with granted marketing consent. */
  consent: string[];
  rfmSegment?: string;
  recencyScore?: number;
  frequencyScore?: number;
  monetaryScore?: number;
  tier?: string;
  membership?: string;
  lifecycle?: string;
  churnProbability?: number;
  clv?: number;
  orderCount: number;
  totalSpend: number;
  daysSinceLastOrder?: number;
  daysSinceFirstOrder?: number;
  customerForDays?: number;
  /** Categories with at least one item bought. */
  categories: string[];
  nps?: number;
  openComplaints: number;
  birthMonth?: number;
  /** 0 = the birthday falls in the current month, 1 = next month … 11. */
  monthsUntilBirthday?: number;
  /** 0 = today, up to 365. */
  daysUntilBirthday?: number;
}

export type FieldType = 'text' | 'number' | 'list';

export interface FieldSpec {
  readonly type: FieldType;
  readonly description: string;
  /** The only values the field takes, when it is an enumeration. */
  readonly values?: readonly string[];
}

/** Every field a rule may test, with its type (which decides the operators). */
export const SEGMENT_FIELDS = {
  city: { type: 'text', description: 'City of the address' },
  region: { type: 'text', description: 'Region / province of the address' },
  country: { type: 'text', description: 'Country of the address, ISO 3166-1 alpha-2 (CN, US)' },
  gender: { type: 'text', description: 'Gender', values: GENDERS },
  age: { type: 'number', description: 'Age in whole years on the list date (birth year needed)' },
  ageBand: { type: 'text', description: 'Age band', values: AGE_BANDS },
  language: { type: 'text', description: 'Preferred language, BCP 47 (zh-CN, en)' },
  acquisitionChannel: { type: 'text', description: 'Where the customer was acquired' },
  tags: { type: 'list', description: 'Tags of the customer' },
  consent: { type: 'list', description: 'Channels with granted marketing consent', values: CONSENT_CHANNELS },
  rfmSegment: { type: 'text', description: 'RFM segment (champions, loyal, at_risk …)' },
  recencyScore: { type: 'number', description: 'RFM recency score 1–5' },
  frequencyScore: { type: 'number', description: 'RFM frequency score 1–5' },
  monetaryScore: { type: 'number', description: 'RFM monetary score 1–5' },
  tier: { type: 'text', description: 'Value tier', values: VALUE_TIERS },
  membership: { type: 'text', description: 'Membership level (green, gold …)' },
  lifecycle: { type: 'text', description: 'Lifecycle stage', values: LIFECYCLE_STAGES },
  churnProbability: { type: 'number', description: 'Churn probability 0–1 (1 − P(alive))' },
  clv: { type: 'number', description: 'Predicted 12-month customer lifetime value' },
  orderCount: { type: 'number', description: 'Number of orders' },
  totalSpend: { type: 'number', description: 'Total spend, net of refunds' },
  daysSinceLastOrder: { type: 'number', description: 'Days since the last order' },
  daysSinceFirstOrder: { type: 'number', description: 'Days since the first order' },
  customerForDays: { type: 'number', description: 'Days since the profile was created' },
  categories: { type: 'list', description: 'Product categories bought' },
  nps: { type: 'number', description: 'Latest NPS answer 0–10' },
  openComplaints: { type: 'number', description: 'Complaints open or in progress' },
  birthMonth: { type: 'number', description: 'Month of the birthday 1–12' },
  monthsUntilBirthday: { type: 'number', description: '0 = birthday this month, 1 = next month … 11' },
  daysUntilBirthday: { type: 'number', description: 'Days until the next birthday, 0 = today' },
} as const satisfies Record<keyof SegmentFacts, FieldSpec>;

export type SegmentField = keyof typeof SEGMENT_FIELDS;

export const OPERATORS: Readonly<Record<FieldType, readonly string[]>> = {
  text: ['eq', 'ne', 'in', 'notIn', 'exists'],
  number: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'notIn', 'exists'],
  list: ['contains', 'containsAny', 'containsAll', 'exists'],
};

const ALL_OPERATORS = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'in',
  'notIn',
  'contains',
  'containsAny',
  'containsAll',
  'exists',
] as const;
type Operator = (typeof ALL_OPERATORS)[number];

type Scalar = string | number | boolean;

/** A rule as written (validated by `segmentRuleSchema`). */
export interface SegmentRule {
  and?: SegmentRule[];
  or?: SegmentRule[];
  not?: SegmentRule;
  field?: string;
  eq?: Scalar;
  ne?: Scalar;
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  between?: number[];
  in?: Scalar[];
  notIn?: Scalar[];
  contains?: string;
  containsAny?: string[];
  containsAll?: string[];
  exists?: boolean;
}

export const RULE_LIMITS = { depth: 8, nodes: 200, listValues: 1000 } as const;

const scalar = z.union([z.string(), z.number(), z.boolean()], {
  error: 'must be a text, a number or true/false',
});
const number = z.number({ error: 'must be a number' });
const text = z.string({ error: 'must be a text' });
const scalarList = z.array(scalar, { error: 'must be a list' });
const textList = z.array(text, { error: 'must be a list of texts' });

/**
 * The structure of a rule: one object type for every node, so that zod names the exact bad key
 * (`rule.and.1.gte`) instead of "no union member matched". What depends on the field (which
 * operators, which values) is checked by `checkRule` against the catalogue.
 */
export const ruleNode: z.ZodMiniType<SegmentRule> = z.strictObject({
  get and() {
    return z.optional(z.array(ruleNode, { error: 'must be a list of rules' }));
  },
  get or() {
    return z.optional(z.array(ruleNode, { error: 'must be a list of rules' }));
  },
  get not() {
    return z.optional(ruleNode);
  },
  field: z.optional(text),
  eq: z.optional(scalar),
  ne: z.optional(scalar),
  gt: z.optional(number),
  gte: z.optional(number),
  lt: z.optional(number),
  lte: z.optional(number),
  between: z.optional(z.array(number, { error: 'must be [min, max]' })),
  in: z.optional(scalarList),
  notIn: z.optional(scalarList),
  contains: z.optional(text),
  containsAny: z.optional(textList),
  containsAll: z.optional(textList),
  exists: z.optional(z.boolean({ error: 'must be true or false' })),
});
// A stable name for the recursive schema in the OpenAPI document (`#/components/schemas/SegmentRule`).
z.globalRegistry.add(ruleNode, { id: 'SegmentRule' });

type Path = Array<string | number>;

const fieldNames = Object.keys(SEGMENT_FIELDS) as SegmentField[];

function isField(name: string): name is SegmentField {
  return Object.hasOwn(SEGMENT_FIELDS, name);
}

/** Everything wrong with a structurally valid rule, as field issues below `prefix`. */
export function checkRule(rule: SegmentRule, prefix = 'rule'): FieldIssue[] {
  const issues: FieldIssue[] = [];
  let nodes = 0;
  const issue = (path: Path, message: string) => issues.push({ field: [prefix, ...path].join('.'), message });

  const walk = (node: SegmentRule, path: Path, depth: number) => {
    nodes++;
    if (depth > RULE_LIMITS.depth) {
      issue(path, `rules nest at most ${RULE_LIMITS.depth} levels deep`);
      return;
    }
    const combinators = (['and', 'or', 'not'] as const).filter((key) => node[key] !== undefined);
    const operators = ALL_OPERATORS.filter((key) => node[key] !== undefined);
    const kinds = combinators.length + (node.field !== undefined ? 1 : 0);
    if (kinds !== 1) {
      issue(
        path,
        kinds === 0
          ? 'a rule needs "field" with an operator, or one of "and", "or", "not"'
          : 'a rule is either a condition ("field") or one of "and", "or", "not", not several',
      );
      return;
    }
    const combinator = combinators[0];
    if (combinator) {
      for (const operator of operators)
        issue([...path, operator], `"${operator}" needs a "field" next to it`);
      if (combinator === 'not') return walk(node.not as SegmentRule, [...path, 'not'], depth + 1);
      const children = node[combinator] as SegmentRule[];
      if (children.length === 0) issue([...path, combinator], 'must hold at least one rule');
      for (const [index, child] of children.entries()) walk(child, [...path, combinator, index], depth + 1);
      return;
    }
    checkCondition(node, path, operators, issue);
  };

  walk(rule, [], 1);
  if (nodes > RULE_LIMITS.nodes)
    issues.push({ field: prefix, message: `a rule holds at most ${RULE_LIMITS.nodes} conditions` });
  return issues;
}

function checkCondition(
  node: SegmentRule,
  path: Path,
  operators: readonly Operator[],
  issue: (path: Path, message: string) => void,
) {
  const name = node.field as string;
  if (!isField(name)) {
    issue([...path, 'field'], `unknown field "${name}"; fields: ${fieldNames.join(', ')}`);
    return;
  }
  const spec: FieldSpec = SEGMENT_FIELDS[name];
  if (operators.length === 0) {
    issue(path, `give an operator for "${name}": ${OPERATORS[spec.type].join(', ')}`);
    return;
  }
  const allowed = OPERATORS[spec.type];
  const known = (value: Scalar, at: Path) => {
    if (spec.values && typeof value === 'string' && !spec.values.includes(value.toLowerCase())) {
      issue(at, `unknown ${name} "${value}"; one of: ${spec.values.join(', ')}`);
    }
  };
  const ofType = (value: Scalar, at: Path) => {
    const expected = spec.type === 'number' ? 'number' : 'string';
    if (typeof value !== expected) {
      issue(
        at,
        `"${name}" is ${spec.type === 'number' ? 'a number' : 'a text'}: compare it with ${expected === 'number' ? 'a number' : 'a text'}`,
      );
      return;
    }
    known(value, at);
  };
  for (const operator of operators) {
    const at = [...path, operator];
    if (!allowed.includes(operator)) {
      issue(
        at,
        `"${operator}" does not apply to ${spec.type === 'list' ? 'the list' : `the ${spec.type}`} "${name}"; use ${allowed.join(', ')}`,
      );
      continue;
    }
    const value = node[operator];
    switch (operator) {
      case 'eq':
      case 'ne':
        ofType(value as Scalar, at);
        break;
      case 'in':
      case 'notIn':
      case 'containsAny':
      case 'containsAll': {
        const values = value as Scalar[];
        if (values.length === 0) issue(at, 'must hold at least one value');
        if (values.length > RULE_LIMITS.listValues)
          issue(at, `must hold at most ${RULE_LIMITS.listValues} values`);
        for (const [index, item] of values.entries()) ofType(item, [...at, index]);
        break;
      }
      case 'contains':
        known(value as string, at);
        break;
      case 'between': {
        const range = value as number[];
        if (range.length !== 2 || (range[0] as number) > (range[1] as number)) {
          issue(at, 'must be [min, max] with min ≤ max (both included)');
        }
        break;
      }
      default:
        break; // gt, gte, lt, lte, exists: the structure already checked the value's type
    }
  }
}

/** The rule schema for request bodies: structure, then the catalogue checks, every issue with its path. */
export const segmentRuleSchema = ruleNode.check(
  z.superRefine((rule, ctx) => {
    for (const found of checkRule(rule, '')) {
      const path = found.field
        .split('.')
        .filter(Boolean)
        .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
      ctx.addIssue({ code: 'custom', message: found.message, input: rule, path });
    }
  }),
);

export type Predicate = (facts: SegmentFacts) => boolean;

const lower = (value: Scalar) => (typeof value === 'string' ? value.toLowerCase() : value);

function conditionPredicate(node: SegmentRule): Predicate {
  const name = node.field as SegmentField;
  const spec: FieldSpec = SEGMENT_FIELDS[name];
  const tests: Array<(value: unknown) => boolean> = [];
  if (spec.type === 'list') {
    const present = (value: unknown) =>
      new Set((Array.isArray(value) ? value : []).map((item) => String(item).toLowerCase()));
    if (node.contains !== undefined) {
      const wanted = node.contains.toLowerCase();
      tests.push((value) => present(value).has(wanted));
    }
    if (node.containsAny !== undefined) {
      const wanted = node.containsAny.map((item) => item.toLowerCase());
      tests.push((value) => {
        const set = present(value);
        return wanted.some((item) => set.has(item));
      });
    }
    if (node.containsAll !== undefined) {
      const wanted = node.containsAll.map((item) => item.toLowerCase());
      tests.push((value) => {
        const set = present(value);
        return wanted.every((item) => set.has(item));
      });
    }
    if (node.exists !== undefined) {
      const wanted = node.exists;
      tests.push((value) => present(value).size > 0 === wanted);
    }
    return (facts) => tests.every((test) => test(facts[name]));
  }

  const isNumber = spec.type === 'number';
  const normalize = (value: unknown): Scalar | undefined => {
    if (isNumber) return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    return typeof value === 'string' && value !== '' ? value.toLowerCase() : undefined;
  };
  if (node.eq !== undefined) {
    const wanted = lower(node.eq);
    tests.push((value) => value === wanted);
  }
  if (node.ne !== undefined) {
    const unwanted = lower(node.ne);
    tests.push((value) => value !== unwanted);
  }
  if (node.in !== undefined) {
    const wanted = new Set(node.in.map(lower));
    tests.push((value) => wanted.has(value as Scalar));
  }
  if (node.notIn !== undefined) {
    const unwanted = new Set(node.notIn.map(lower));
    tests.push((value) => !unwanted.has(value as Scalar));
  }
  const bound = (limit: number | undefined, holds: (value: number, limit: number) => boolean) => {
    if (limit !== undefined) tests.push((value) => holds(value as number, limit));
  };
  bound(node.gt, (value, limit) => value > limit);
  bound(node.gte, (value, limit) => value >= limit);
  bound(node.lt, (value, limit) => value < limit);
  bound(node.lte, (value, limit) => value <= limit);
  if (node.between !== undefined) {
    const [min, max] = node.between as [number, number];
    tests.push((value) => (value as number) >= min && (value as number) <= max);
  }
  const exists = node.exists;
  return (facts) => {
    const value = normalize(facts[name]);
    if (value === undefined) return exists === false && tests.length === 0;
    if (exists === false) return false;
    return tests.every((test) => test(value));
  };
}

/**
 * A predicate for a validated rule, built once and then applied to every customer (the `in`
 * lists become sets, the texts are lower-cased once).
 */
export function compileRule(rule: SegmentRule): Predicate {
  if (rule.and) {
    const parts = rule.and.map(compileRule);
    return (facts) => parts.every((part) => part(facts));
  }
  if (rule.or) {
    const parts = rule.or.map(compileRule);
    return (facts) => parts.some((part) => part(facts));
  }
  if (rule.not) {
    const inner = compileRule(rule.not);
    return (facts) => !inner(facts);
  }
  return conditionPredicate(rule);
}

/** Whether the customer with these facts belongs to the segment the rule defines. */
export function matchesRule(rule: SegmentRule, facts: SegmentFacts): boolean {
  return compileRule(rule)(facts);
}
