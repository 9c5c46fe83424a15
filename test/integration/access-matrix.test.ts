// Every declared route × every role, plus no token, a token signed by a stranger's key and an
// expired one: the handler chain answers 401/403 exactly as the declaration in shared/app.ts says.
// Routes are read from the declaration, so a route added tomorrow is covered without a new test.
// (test/unit/privacy/access-policy.test.ts holds the declaration itself to the matrix.)
import { generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { allRoutes } from '../../shared/app.js';
import { ROLES, type Role } from '../../shared/auth/roles.js';
import { expiredToken, stack, token } from './support.js';

// Syntactically valid ids, so a 4xx other than 401/403 comes from the route itself, not the path.
const samplePath = (path: string) =>
  path.replace('{id}', 'cus_01ARZ3NDEKTSV4RRFFQ69G5FAV').replace(/\{\w+\}/g, 'x01ARZ3NDEKTSV4RRFFQ69G5FAV');

// A JSON string body: no route accepts it, so an authorised write is refused by validation (400)
// and changes nothing, while an unauthorised one is refused before validation (403).
const PROBE_BODY = '"access-probe"';

async function call(method: string, path: string, bearer: string | undefined) {
  const headers: Record<string, string> = {};
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const hasBody = method !== 'GET' && method !== 'DELETE';
  if (hasBody) headers['content-type'] = 'application/json';
  const response = await fetch(`${stack.urls.api}${samplePath(path)}`, {
    method,
    headers,
    body: hasBody ? PROBE_BODY : undefined,
    redirect: 'manual',
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', text };
}

async function strangerToken(): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT({ 'cognito:groups': ['admin'], client_id: 'retain-local-people', token_use: 'access' })
    .setProtectedHeader({ alg: 'RS256', kid: 'local' })
    .setIssuer('https://retain.local/issuer')
    .setSubject('intruder')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
}

const bad: Record<string, string> = {};
const roleTokens = new Map<Role, string>();

beforeAll(async () => {
  bad['a forged token'] = await strangerToken();
  bad['an expired token'] = await expiredToken('admin');
  for (const role of ROLES) roleTokens.set(role, await token(role));
});

let checked = 0;

describe('route-by-role matrix, enforced', () => {
  for (const route of allRoutes()) {
    it(`${route.routeKey}`, async () => {
      const outcomes: string[] = [];
      for (const role of ROLES) {
        const result = await call(route.method, route.path, roleTokens.get(role));
        checked++;
        const allowed = route.roles === 'public' || route.roles.includes(role);
        if (allowed) {
          expect(
            [401, 403],
            `${role} is allowed on ${route.routeKey} but got ${result.status} ${result.text}`,
          ).not.toContain(result.status);
        } else {
          expect(result.status, `${role} on ${route.routeKey}`).toBe(403);
          expect(result.type).toContain('application/problem+json');
        }
        expect(result.status, `${role} on ${route.routeKey}: ${result.text}`).toBeLessThan(500);
        outcomes.push(`${role}:${result.status}`);
      }
      for (const [what, bearer] of [['no token', undefined] as const, ...Object.entries(bad)]) {
        const result = await call(route.method, route.path, bearer);
        checked++;
        if (route.roles === 'public') expect([401, 403]).not.toContain(result.status);
        else {
          expect(result.status, `${what} on ${route.routeKey}`).toBe(401);
          expect(result.type).toContain('application/problem+json');
        }
      }
    });
  }

  it('checked every route with every kind of caller', () => {
    expect(checked).toBe(allRoutes().length * (ROLES.length + 3));
  });
});
