import { describe, expect, it } from 'vitest';
import { allRoutes } from '../../../shared/app.js';
import { ROLES } from '../../../shared/auth/roles.js';
import { ruleFor } from '../../access-policy.js';

// The declaration (shared/app.ts) is what the handlers enforce; this holds it to the issue's
// route-by-role matrix, written independently in test/access-policy.ts. New routes are checked as
// soon as they are declared.
describe('the declared roles of every route follow the access matrix', () => {
  for (const route of allRoutes()) {
    it(`${route.routeKey} grants what the matrix allows`, () => {
      const rule = ruleFor(route.method, route.path);
      expect(
        rule,
        `no access rule covers ${route.routeKey}: classify it in test/access-policy.ts`,
      ).toBeDefined();
      if (!rule) return;
      if (rule.must === 'public') {
        expect(route.roles).toBe('public');
        return;
      }
      expect(route.roles, `${route.routeKey} must not be public (${rule.name})`).not.toBe('public');
      const declared = new Set(route.roles === 'public' ? [] : route.roles);
      for (const role of rule.must)
        expect(declared.has(role), `${route.routeKey} must grant ${role} (${rule.name})`).toBe(true);
      const allowed = new Set([...rule.must, ...(rule.may ?? [])]);
      for (const role of ROLES) {
        if (!allowed.has(role))
          expect(declared.has(role), `${route.routeKey} must refuse ${role} (${rule.name})`).toBe(false);
      }
    });
  }

  it('gives the ingestion client no read route at all', () => {
    const reads = allRoutes().filter(
      (route) => route.roles !== 'public' && route.roles.includes('ingest') && route.method === 'GET',
    );
    expect(reads.map((route) => route.routeKey)).toEqual([]);
  });

  it('keeps every route but the public ones behind a token', () => {
    const open = allRoutes()
      .filter((route) => route.roles === 'public')
      .map((route) => route.path);
    for (const path of open) expect(['/health', '/openapi.json', '/unsubscribe']).toContain(path);
  });
});
