// Bad input, thrown at every declared route over real HTTP: random and malformed bodies (random
// JSON, the route's own fields with wrong types, huge and unicode strings, prototype-pollution
// keys, broken JSON text), wrong content types, random path parameters, query strings and headers.
// Whatever arrives, the answer is never a 5xx, every error is problem+json, and every 400 names the
// offending field. Routes come from the declaration, so new routes are fuzzed without a new test.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { allRoutes } from '../../shared/app.js';
import { allContracts } from '../../shared/api/index.js';
import { stack, token } from './support.js';

const RUNS_PER_ROUTE = 30;
let cases = 0;

type Schema = { _zod?: { def?: Record<string, unknown> } } | undefined;

/** Best effort: the top-level field names a zod object (or union of objects) accepts. */
function fieldNames(schema: Schema, depth = 0): string[] {
  const def = schema?._zod?.def;
  if (!def || depth > 4) return [];
  if (def.shape && typeof def.shape === 'object') return Object.keys(def.shape as object);
  if (Array.isArray(def.options))
    return [...new Set((def.options as Schema[]).flatMap((option) => fieldNames(option, depth + 1)))];
  for (const inner of ['in', 'innerType', 'schema'])
    if (def[inner]) return fieldNames(def[inner] as Schema, depth + 1);
  return [];
}

const nasty = fc.constantFrom(
  '__proto__',
  'constructor',
  "'; DROP TABLE customers; --",
  '../../etc/passwd',
  '\u0000',
  '%00',
  '<script>alert(1)</script>',
  '王小明',
  '😀👍🏽',
  'ـــ\u202E',
  '1e309',
  '-0',
  'NaN',
  '{{7*7}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose
  '${process.exit()}',
);
const anyValue = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  nasty,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string(), { maxKeys: 4 }),
  fc.constant('x'.repeat(5000)),
);
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  maxLength: 300,
});

type Body = { text?: string; contentType?: string };

function bodies(fields: string[]): fc.Arbitrary<Body> {
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
        'application/vnd.api+json',
        'multipart/form-data; boundary=x',
      ),
    },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  const known =
    fields.length > 0
      ? fc.dictionary(fc.constantFrom(...fields), anyValue, { minKeys: 1, maxKeys: fields.length })
      : fc.dictionary(fc.string({ maxLength: 10 }), anyValue);
  const text = fc.oneof(
    { weight: 4, arbitrary: known.map((value) => JSON.stringify(value)) },
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '{',
        '{"a":',
        '[1,2',
        'nul',
        '{"a":1}}',
        "{'single': 'quotes'}",
        '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":true}}}',
        `{"__proto__":{"roles":["admin"]},${fields[0] ? `"${fields[0]}":"x",` : ''}"toString":1}`,
        '\uFEFF{}',
        '',
        '   ',
        'null',
        '0',
        `{"x":"${'y'.repeat(300_000)}"}`,
        `[${'['.repeat(5000)}${']'.repeat(5000)}]`,
      ),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  );
  return fc.record({ text, contentType });
}

function pathValue(name: string) {
  const valid = name === 'id' ? 'cus_01ARZ3NDEKTSV4RRFFQ69G5FAV' : 'x01ARZ3NDEKTSV4RRFFQ69G5FAV';
  return fc.oneof(
    fc.constant(encodeURIComponent(valid)),
    fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).map(encodeURIComponent),
    nasty.map(encodeURIComponent),
    fc.constantFrom('%', '%E0%A4%A', '%2F..%2F', 'a'.repeat(3000), '%00', 'cus_01arz3ndektsv4rrffq69g5fav'),
  );
}

function queries(fields: string[]) {
  const key =
    fields.length > 0
      ? fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 10 }))
      : fc.string({ maxLength: 10 });
  const value = fc.oneof(
    fc.string(),
    nasty,
    fc.integer().map(String),
    fc.constant('-1'),
    fc.constant('1e400'),
    fc.constant('x'.repeat(3000)),
  );
  return fc.array(fc.tuple(key, value), { maxLength: 5 });
}

const adminToken = await token('admin');

describe('every route survives bad input', () => {
  for (const route of allRoutes()) {
    const contract = allContracts[route.routeKey];
    const bodyFields = fieldNames(contract?.body as Schema);
    const queryFields = fieldNames(contract?.query as Schema);
    const paramNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);

    it(`${route.routeKey}: never a 5xx, always problem+json naming the field`, async () => {
      const request = fc.record({
        params: fc.tuple(...paramNames.map(pathValue), fc.constant('')),
        query: queries(queryFields),
        body: bodies(bodyFields),
        ifMatch: fc.option(headerText),
        idempotencyKey: fc.option(headerText),
        accept: fc.option(fc.constantFrom('text/html', '*/*', 'application/xml')),
      });
      await fc.assert(
        fc.asyncProperty(request, async (input) => {
          let path = route.path;
          for (const [index, name] of paramNames.entries())
            path = path.replace(`{${name}}`, input.params[index] as string);
          const search = new URLSearchParams(input.query).toString();
          const headers: Record<string, string> = {};
          if (route.roles !== 'public') headers.authorization = `Bearer ${adminToken}`;
          if (input.ifMatch !== null) headers['if-match'] = input.ifMatch;
          if (input.idempotencyKey !== null) headers['idempotency-key'] = input.idempotencyKey;
          if (input.accept !== null) headers.accept = input.accept;
          const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
          if (hasBody && input.body.contentType) headers['content-type'] = input.body.contentType;
          const response = await fetch(`${stack.urls.api}${path}${search ? `?${search}` : ''}`, {
            method: route.method,
            headers,
            body: hasBody ? input.body.text : undefined,
            redirect: 'manual',
          });
          const text = await response.text();
          cases++;
          const where = `${route.method} ${path}?${search} → ${response.status} ${text.slice(0, 300)}`;
          expect(response.status, where).toBeLessThan(500);
          if (response.status >= 400) {
            expect(response.headers.get('content-type'), where).toContain('application/problem+json');
            const problem = JSON.parse(text) as {
              status: number;
              errors?: Array<{ field?: unknown; message?: unknown }>;
            };
            expect(problem.status, where).toBe(response.status);
            if (response.status === 400) {
              expect(problem.errors?.length, where).toBeGreaterThan(0);
              for (const issue of problem.errors ?? []) {
                expect(typeof issue.field === 'string' && issue.field.length > 0, where).toBe(true);
                expect(typeof issue.message, where).toBe('string');
              }
            }
          }
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
    }, 120_000);
  }

  afterAll(() => {
    console.info(`fuzz: ${cases} requests over ${allRoutes().length} routes, none answered 5xx`);
  });
});
