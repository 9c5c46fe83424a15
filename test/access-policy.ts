// The access rules of issue 7, written independently of the declaration in shared/app.ts so a test
// can hold the declaration to them. Each rule says which roles a route MUST grant and which it MAY
// grant on top (a stricter declaration is fine, e.g. a marketer-area write kept for admins); every
// role not named is refused. A route no rule covers fails the test: classify it here.
import type { Role } from '../shared/auth/roles.js';

export interface AccessRule {
  readonly name: string;
  readonly matches: (method: string, path: string) => boolean;
  readonly must: readonly Role[] | 'public';
  readonly may?: readonly Role[];
}

const startsWithAny = (path: string, prefixes: readonly string[]) =>
  prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

const MARKETING_AREA = ['/segments', '/campaigns', '/lists', '/analytics', '/messages'];

export const ACCESS_RULES: readonly AccessRule[] = [
  {
    name: 'public: health, API document, one-click unsubscribe',
    matches: (_method, path) => ['/health', '/openapi.json', '/unsubscribe'].includes(path),
    must: 'public',
  },
  {
    name: 'admin only: data-subject export, erasure, audit trail, merging duplicates',
    matches: (method, path) =>
      path.endsWith('/export') ||
      startsWithAny(path, ['/audit']) ||
      path.endsWith('/merge') ||
      (method === 'DELETE' && path === '/customers/{id}'),
    must: ['admin'],
  },
  {
    name: 'customer reads: admin, marketer, support',
    matches: (method, path) =>
      method === 'GET' && ['/customers', '/customers/{id}', '/customers/{id}/timeline'].includes(path),
    must: ['admin', 'marketer', 'support'],
  },
  {
    name: 'customer writes: admin and the ingestion client',
    matches: (method, path) =>
      (method === 'POST' && path === '/customers') || (method === 'PATCH' && path === '/customers/{id}'),
    must: ['admin', 'ingest'],
  },
  {
    name: 'orders (and their refunds) and events: admin and the ingestion client',
    matches: (method, path) => method === 'POST' && /(^|\/)(orders|events)(\/|$)/.test(path),
    must: ['admin', 'ingest'],
  },
  {
    // A survey answer arrives from the business's web clients like any event, or is typed in by support.
    name: 'feedback: admin, support, and the ingestion client',
    matches: (_method, path) => path.endsWith('/feedback'),
    must: ['admin', 'support'],
    may: ['ingest'],
  },
  {
    name: 'complaints: admin and support',
    matches: (_method, path) => path.includes('/complaints'),
    must: ['admin', 'support'],
  },
  {
    // Marketers' area. Support never downloads lists nor exports.
    name: 'reading segments, campaigns and their lists, analytics, message statistics: admin and marketer',
    matches: (method, path) => method === 'GET' && startsWithAny(path, MARKETING_AREA),
    must: ['admin', 'marketer'],
  },
  {
    // Defining segments and campaigns is the marketers' job; a deployment may keep some for admins.
    name: 'changing segments, campaigns, analytics settings: admin, maybe marketer',
    matches: (method, path) => method !== 'GET' && startsWithAny(path, MARKETING_AREA),
    must: ['admin'],
    may: ['marketer'],
  },
];

export function ruleFor(method: string, path: string): AccessRule | undefined {
  return ACCESS_RULES.find((rule) => rule.matches(method, path));
}
