// Property-level protection of contact data, and the audit trail's rules. Pure: no I/O.
//
// Who sees email and phone in clear: `admin` (answers data-subject requests) and `support` (contacts
// customers about their complaints). `marketer` sees them masked everywhere in the API: marketers
// reach customers only through campaign lists, which hold only customers who consented to the
// channel. `ingest` (a machine client) sees them masked too: it writes contact data but never needs
// to read it back, so a leaked ingestion credential cannot harvest contact data through responses.
import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import type { Role } from '../auth/roles.js';

export const CONTACT_ROLES: readonly Role[] = ['admin', 'support'];

/** Field names that hold contact data wherever they appear in a response. */
export const CONTACT_FIELDS: readonly string[] = ['email', 'phone'];

export function seesContactData(roles: ReadonlySet<Role>): boolean {
  return CONTACT_ROLES.some((role) => roles.has(role));
}

const stars = (count: number) => '*'.repeat(Math.max(3, count));

/** `ana.lima@example.com` → `a***@e***.com`: enough to tell two addresses apart, not to write to. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return stars(email.length);
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const host = dot > 0 ? domain.slice(0, dot) : domain;
  const tld = dot > 0 ? domain.slice(dot) : '';
  return `${[...local][0]}${stars(3)}@${[...host][0] ?? ''}${stars(3)}${tld}`;
}

/** `+8613800138000` → `+*********8000`: the last four digits only. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length <= 4) return stars(digits.length);
  return `${phone.startsWith('+') ? '+' : ''}${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
}

/**
 * A copy of a JSON value with every `email` and `phone` string masked, at any depth. Applied to
 * every JSON response of a caller who may not see contact data (one place: the HTTP chain).
 */
export function maskContactData<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => maskContactData(item)) as T;
  if (!value || typeof value !== 'object') return value;
  const masked: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'email' && typeof field === 'string') masked[key] = maskEmail(field);
    else if (key === 'phone' && typeof field === 'string') masked[key] = maskPhone(field);
    else masked[key] = maskContactData(field);
  }
  return masked as T;
}

// ---------------------------------------------------------------------------------------------
// Audit trail

export const AUDIT_ACTIONS = ['read', 'export', 'change', 'erase'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * What a route does to the customers it touches, from its declaration: the one way a route can
 * erase is `DELETE /customers/{id}`; `…/export` exports; any other GET reads; anything else
 * changes. A route may say otherwise (`audit` in shared/app.ts), or `false` for routes that show
 * no customer data (the audit trail itself).
 */
export function auditActionOf(route: {
  method: string;
  path: string;
  audit?: AuditAction | false;
}): AuditAction | undefined {
  if (route.audit !== undefined) return route.audit === false ? undefined : route.audit;
  if (route.method === 'DELETE' && route.path === '/customers/{id}') return 'erase';
  if (route.path.endsWith('/export')) return 'export';
  return route.method === 'GET' ? 'read' : 'change';
}

export const CUSTOMER_ID_PATTERN = /^cus_[0-9A-Z]{26}$/;

/** Attribute names under which a request or a response names a customer. */
const CUSTOMER_ID_FIELDS = new Set(['id', 'customerId', 'duplicateId', 'survivorId', 'into']);
const MAX_DEPTH = 4;

/**
 * The customers a request touched: the `{id}` of a `/customers/{id}…` path, plus every customer id
 * named in the request or response bodies (a created profile, a list page, a batch of orders,
 * complaints in a support queue). Generic, so new routes are audited without being listed here.
 */
export function customersTouched(input: {
  path: string;
  pathParameters?: Readonly<Record<string, string | undefined>>;
  requestBody?: unknown;
  responseBody?: unknown;
}): string[] {
  const found = new Set<string>();
  const pathId = input.path.startsWith('/customers/{id}') ? input.pathParameters?.id : undefined;
  if (pathId && CUSTOMER_ID_PATTERN.test(pathId)) found.add(pathId);
  const walk = (value: unknown, depth: number) => {
    if (depth > MAX_DEPTH || !value || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, depth + 1);
      return;
    }
    for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
      if (typeof field === 'string') {
        if (CUSTOMER_ID_FIELDS.has(key) && CUSTOMER_ID_PATTERN.test(field)) found.add(field);
      } else {
        walk(field, depth + 1);
      }
    }
  };
  walk(input.requestBody, 0);
  walk(input.responseBody, 0);
  return [...found];
}

export const auditSettingsSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    /** How long audit entries are kept (DynamoDB TTL), in days. */
    retentionDays: z.number().check(z.int(), z.minimum(1), z.maximum(3650)),
  }),
);
export type AuditSettings = z.infer<typeof auditSettingsSchema>;
export const DEFAULT_AUDIT_SETTINGS: AuditSettings = { retentionDays: 400 };

/** One audit entry: who did what to which customer, when. Ids only, never personal data. */
export interface AuditEntry {
  at: string;
  subject: string;
  roles: string[];
  action: AuditAction;
  customerId: string;
  route: string;
  requestId: string;
  status: number;
}

/** Epoch seconds after which DynamoDB's TTL removes an entry written at `at`. */
export function auditExpiry(at: string, retentionDays: number): number {
  return Math.floor(Date.parse(at) / 1000) + retentionDays * 86_400;
}
