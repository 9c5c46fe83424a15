// The one declaration of the application. The CDK stack (infra/stack.ts) and the local runtime
// (infra/local/) both read it: adding a function is one entry in `functions` plus its handler file.
// Plain data only, so handlers can import it (route roles are enforced from here) at no cost.
import type { Role } from './auth/roles.js';

/** What a function may touch. Each grant becomes least-privilege IAM on AWS and an env var. */
export type Grant =
  | 'table:read'
  | 'table:write'
  | 'bus:put'
  | 'email:send'
  | 'email:account'
  | 'bucket:read'
  | 'bucket:write'
  | 'secret:unsubscribe';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRoute {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `/customers/{id}`. */
  readonly path: string;
  /** Who may call it. `public` routes need no token (health, OpenAPI, unsubscribe). */
  readonly roles: readonly Role[] | 'public';
  readonly summary: string;
}

export interface ScheduleSpec {
  /** Job name for `npm run job -- <name>`. */
  readonly job: string;
  /** EventBridge Scheduler cron expression, evaluated in `timeZone`. */
  readonly cron: string;
  /** `business` = the business's configured time zone (settings.businessTimeZone). */
  readonly timeZone: 'business' | 'UTC';
  readonly description: string;
}

export interface EventRuleSpec {
  readonly name: string;
  /** `retain` = the application's bus; `default` = the account's default bus (SES events land there). */
  readonly bus?: 'retain' | 'default';
  readonly source?: readonly string[];
  readonly detailType: readonly string[];
  /** Optional EventBridge content filter on `detail`, e.g. `{ to: ['at_risk', 'churned'] }`. */
  readonly detail?: Readonly<Record<string, readonly string[]>>;
}

export interface FunctionSpec {
  /** Handler module, relative to the project root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly routes?: readonly HttpRoute[];
  readonly schedules?: readonly ScheduleSpec[];
  readonly events?: readonly EventRuleSpec[];
  readonly grants: readonly Grant[];
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
}

/** Event source of every domain event Retain puts on its bus. */
export const EVENT_SOURCE = 'retain';

/**
 * The single DynamoDB table. Key builders live in shared/store/keys.ts; each index says which
 * access pattern it serves.
 */
export const table = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  indexes: [
    // Customer list, newest first (profiles only: the nightly job parallel-Scans this index so it
    // reads profiles with their aggregates and nothing else), plus other overloaded lists.
    { name: 'byList', partitionKey: 'listPk', sortKey: 'listSk' },
    // Members of an RFM segment.
    { name: 'bySegment', partitionKey: 'segmentPk', sortKey: 'segmentSk' },
    // Members of a lifecycle stage.
    { name: 'byLifecycle', partitionKey: 'lifecyclePk', sortKey: 'lifecycleSk' },
    // Members of a value tier.
    { name: 'byTier', partitionKey: 'tierPk', sortKey: 'tierSk' },
    // Customers by birthday month-day (the birthday job's only read path).
    { name: 'byBirthday', partitionKey: 'birthdayPk', sortKey: 'birthdaySk' },
  ],
} as const;

export type IndexName = (typeof table.indexes)[number]['name'];

const READ_ROLES = ['admin', 'marketer', 'support'] as const;

export const functions = {
  system: {
    entry: 'functions/system.ts',
    description: 'Health check and the OpenAPI document',
    grants: [],
    routes: [
      { method: 'GET', path: '/health', roles: 'public', summary: 'Liveness check' },
      { method: 'GET', path: '/openapi.json', roles: 'public', summary: 'OpenAPI 3.1 document of this API' },
    ],
  },
  customers: {
    entry: 'functions/customers.ts',
    description: 'Customer profiles: create, read, update, list, erase',
    grants: ['table:read', 'table:write'],
    routes: [
      { method: 'POST', path: '/customers', roles: ['admin', 'ingest'], summary: 'Create a customer' },
      { method: 'GET', path: '/customers', roles: READ_ROLES, summary: 'List customers' },
      { method: 'GET', path: '/customers/{id}', roles: READ_ROLES, summary: 'Read a customer' },
      {
        method: 'PATCH',
        path: '/customers/{id}',
        roles: ['admin', 'ingest'],
        summary: 'Update a customer (If-Match required)',
      },
      { method: 'DELETE', path: '/customers/{id}', roles: ['admin'], summary: 'Erase a customer and all their data' },
    ],
  },
  activity: {
    entry: 'functions/activity.ts',
    description: 'Behaviour and social events, survey answers (NPS, CSAT) and the customer timeline',
    grants: ['table:read', 'table:write'],
    routes: [
      { method: 'POST', path: '/customers/{id}/events', roles: ['admin', 'ingest'], summary: 'Record an event of a customer' },
      {
        method: 'POST',
        path: '/events/batch',
        roles: ['admin', 'ingest'],
        summary: 'Record up to 100 events of any customers, each answered on its own',
      },
      {
        method: 'POST',
        path: '/customers/{id}/feedback',
        roles: ['admin', 'support', 'ingest'],
        summary: 'Record an NPS or CSAT answer',
      },
      {
        method: 'GET',
        path: '/customers/{id}/timeline',
        roles: READ_ROLES,
        summary: 'Everything a customer did and said, newest first',
      },
    ],
  },
  complaints: {
    entry: 'functions/complaints.ts',
    description: 'Complaint tickets: open, move through their lifecycle, support queues',
    grants: ['table:read', 'table:write'],
    routes: [
      { method: 'POST', path: '/customers/{id}/complaints', roles: ['admin', 'support'], summary: 'Open a complaint' },
      {
        method: 'GET',
        path: '/customers/{id}/complaints/{complaintId}',
        roles: ['admin', 'support'],
        summary: 'Read a complaint',
      },
      {
        method: 'POST',
        path: '/customers/{id}/complaints/{complaintId}/transition',
        roles: ['admin', 'support'],
        summary: 'Move a complaint to another status',
      },
      {
        method: 'GET',
        path: '/complaints',
        roles: ['admin', 'support'],
        summary: 'A support queue (open by default), oldest first',
      },
    ],
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functions;

export interface DeclaredRoute extends HttpRoute {
  readonly functionName: string;
  readonly routeKey: string;
}

/** Every HTTP route of the application with the function that serves it. */
export function allRoutes(): DeclaredRoute[] {
  return Object.entries(functions as Record<string, FunctionSpec>).flatMap(([functionName, fn]) =>
    (fn.routes ?? []).map((route) => ({ ...route, functionName, routeKey: `${route.method} ${route.path}` })),
  );
}

/** The route declared for an API Gateway route key (`GET /customers/{id}`). */
export function routeFor(routeKey: string): DeclaredRoute | undefined {
  return allRoutes().find((route) => route.routeKey === routeKey);
}

/** Every declared job (schedule) with the function that runs it. */
export function allJobs(): Array<ScheduleSpec & { functionName: string }> {
  return Object.entries(functions as Record<string, FunctionSpec>).flatMap(([functionName, fn]) =>
    (fn.schedules ?? []).map((schedule) => ({ ...schedule, functionName })),
  );
}
