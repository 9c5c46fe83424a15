// The audit trail: one entry per customer a request read, exported, changed or erased, written by
// the HTTP chain (shared/http/handler.ts) before the response leaves, so no customer data is ever
// served unaudited. Which routes and customers: derived from the declaration and the bodies
// (shared/domain/privacy.ts), never listed per handler.
import type { HttpRoute } from '../app.js';
import type { Principal } from '../auth/roles.js';
import {
  type AuditEntry,
  type AuditSettings,
  auditActionOf,
  auditSettingsSchema,
  customersTouched,
  DEFAULT_AUDIT_SETTINGS,
} from '../domain/privacy.js';
import { auditOfCustomer, auditOfDay, writeAuditEntries } from '../store/audit-repository.js';
import { settingsSection } from '../settings.js';

export const auditSettings = (): AuditSettings =>
  settingsSection('audit', auditSettingsSchema, DEFAULT_AUDIT_SETTINGS);

export interface AccessRecord {
  route: HttpRoute;
  principal: Principal | undefined;
  requestId: string;
  pathParameters?: Readonly<Record<string, string | undefined>>;
  requestBody?: unknown;
  responseBody?: unknown;
  status: number;
  now: Date;
}

/** The entries one successful request leaves (none for public routes or routes touching no customer). */
export function auditEntriesFor(access: AccessRecord): AuditEntry[] {
  const action = auditActionOf(access.route);
  if (!action || !access.principal || access.status >= 400) return [];
  const at = access.now.toISOString();
  const routeKey = `${access.route.method} ${access.route.path}`;
  return customersTouched({
    path: access.route.path,
    pathParameters: access.pathParameters,
    requestBody: access.requestBody,
    responseBody: access.responseBody,
  }).map((customerId) => ({
    at,
    subject: access.principal?.subject ?? '',
    roles: [...(access.principal?.roles ?? [])].sort(),
    action,
    customerId,
    route: routeKey,
    requestId: access.requestId,
    status: access.status,
  }));
}

/**
 * Writes the request's audit entries. A failure propagates (the caller answers 500): a system that
 * holds personal data does not serve a read it could not audit.
 */
export async function recordAccess(access: AccessRecord): Promise<void> {
  const entries = auditEntriesFor(access);
  if (entries.length > 0) await writeAuditEntries(entries, auditSettings().retentionDays);
}

export interface AuditQuery {
  customerId?: string;
  day?: string;
  subject?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

export function queryAudit(query: AuditQuery) {
  const range = { from: query.from, to: query.to };
  if (query.customerId) return auditOfCustomer(query.customerId, range, query.limit, query.cursor);
  return auditOfDay(query.day as string, { ...range, subject: query.subject }, query.limit, query.cursor);
}
