// The one declaration of the application. The CDK stack (infra/stack.ts) and the local runtime
// (infra/local/) both read it: adding a function is one entry in `functions` plus its handler file.
// Plain data only. A handler imports only its own route constant (below), which the HTTP chain
// enforces roles from; the rest of the declaration is tree-shaken out of its bundle.
import type { Role } from './auth/roles.js';
import type { AuditAction } from './domain/privacy.js';

/** What a function may touch. Each grant becomes least-privilege IAM on AWS and an env var. */
export type Grant =
  | 'table:read'
  | 'table:write'
  | 'bus:put'
  | 'email:send'
  | 'email:account'
  | 'bucket:read'
  | 'bucket:write'
  | 'bucket:delete'
  | 'secret:unsubscribe';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRoute {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `/customers/{id}`. */
  readonly path: string;
  /** Who may call it. `public` routes need no token (health, OpenAPI, unsubscribe). */
  readonly roles: readonly Role[] | 'public';
  readonly summary: string;
  /**
   * What the audit trail records for the customers this route touches. Derived from the method and
   * path when absent (shared/domain/privacy.ts `auditActionOf`); `false` for routes that show no
   * customer data.
   */
  readonly audit?: AuditAction | false;
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
    { name: 'byList', partitionKey: 'listPk', sortKey: 'listSk', projection: 'all' },
    // Members of an RFM segment, a lifecycle stage, a value tier: the nightly scores items. Keys
    // only: the lists read the members' profiles and scores by key, and an index entry is then
    // written only when its key changes, not on every night's rewrite of the scores.
    { name: 'bySegment', partitionKey: 'segmentPk', sortKey: 'segmentSk', projection: 'keys' },
    { name: 'byLifecycle', partitionKey: 'lifecyclePk', sortKey: 'lifecycleSk', projection: 'keys' },
    { name: 'byTier', partitionKey: 'tierPk', sortKey: 'tierSk', projection: 'keys' },
    // Customers by birthday month-day (the birthday job's only read path; it reads the profiles
    // by key, so an order's update of the profile does not rewrite this index).
    { name: 'byBirthday', partitionKey: 'birthdayPk', sortKey: 'birthdaySk', projection: 'keys' },
  ],
} as const;

export type IndexName = (typeof table.indexes)[number]['name'];

const READ_ROLES = ['admin', 'marketer', 'support'] as const;

// HTTP routes of each function, one constant per function: its handler passes it to the HTTP chain
// (shared/http/handler.ts), so a bundle holds its own routes and roles, not this whole declaration.
export const systemRoutes = [
  { method: 'GET', path: '/health', roles: 'public', summary: 'Liveness check' },
  { method: 'GET', path: '/openapi.json', roles: 'public', summary: 'OpenAPI 3.1 document of this API' },
] as const satisfies readonly HttpRoute[];

export const customersRoutes = [
  { method: 'POST', path: '/customers', roles: ['admin', 'ingest'], summary: 'Create a customer' },
  { method: 'GET', path: '/customers', roles: READ_ROLES, summary: 'List customers' },
  { method: 'GET', path: '/customers/{id}', roles: READ_ROLES, summary: 'Read a customer' },
  {
    method: 'PATCH',
    path: '/customers/{id}',
    roles: ['admin', 'ingest'],
    summary: 'Update a customer (If-Match required)',
  },
  {
    method: 'DELETE',
    path: '/customers/{id}',
    roles: ['admin'],
    summary: 'Erase a customer and all their data',
  },
] as const satisfies readonly HttpRoute[];

export const ordersRoutes = [
  {
    method: 'POST',
    path: '/customers/{id}/orders',
    roles: ['admin', 'ingest'],
    summary: 'Record an order',
  },
  {
    method: 'POST',
    path: '/orders/batch',
    roles: ['admin', 'ingest'],
    summary: 'Record up to 100 orders of any customers, each answered on its own',
  },
  {
    method: 'POST',
    path: '/customers/{id}/orders/{orderId}/refund',
    roles: ['admin', 'ingest'],
    summary: 'Refund an order fully or partly, or cancel it',
  },
] as const satisfies readonly HttpRoute[];

export const customerMergeRoutes = [
  {
    method: 'POST',
    path: '/customers/{id}/merge',
    roles: ['admin'],
    summary: 'Merge a duplicate customer into this one (orders, events, feedback, complaints move)',
  },
] as const satisfies readonly HttpRoute[];

export const activityRoutes = [
  {
    method: 'POST',
    path: '/customers/{id}/events',
    roles: ['admin', 'ingest'],
    summary: 'Record an event of a customer',
  },
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
] as const satisfies readonly HttpRoute[];

export const complaintsRoutes = [
  {
    method: 'POST',
    path: '/customers/{id}/complaints',
    roles: ['admin', 'support'],
    summary: 'Open a complaint',
  },
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
] as const satisfies readonly HttpRoute[];

export const privacyRoutes = [
  {
    method: 'GET',
    path: '/customers/{id}/export',
    roles: ['admin'],
    summary: 'Everything held about a customer, derived data included (data-subject access)',
  },
  {
    method: 'GET',
    path: '/audit',
    roles: ['admin'],
    summary: 'Who read, exported, changed or erased which customer, by customer or by day',
    audit: false,
  },
] as const satisfies readonly HttpRoute[];

export const segmentDefinitionsRoutes = [
  {
    method: 'POST',
    path: '/segments/definitions',
    roles: ['admin', 'marketer'],
    summary: 'Save a segment rule',
  },
  {
    method: 'GET',
    path: '/segments/definitions',
    roles: ['admin', 'marketer'],
    summary: 'List saved segments',
  },
  {
    method: 'GET',
    path: '/segments/definitions/{id}',
    roles: ['admin', 'marketer'],
    summary: 'Read a saved segment',
  },
  {
    method: 'PUT',
    path: '/segments/definitions/{id}',
    roles: ['admin', 'marketer'],
    summary: 'Replace a saved segment (If-Match optional)',
  },
  {
    method: 'DELETE',
    path: '/segments/definitions/{id}',
    roles: ['admin', 'marketer'],
    summary: 'Delete a saved segment no campaign uses',
  },
  {
    method: 'POST',
    path: '/segments/definitions/{id}/preview',
    roles: ['admin', 'marketer'],
    summary: 'How many customers the segment selects today, with a sample',
    audit: 'read',
  },
] as const satisfies readonly HttpRoute[];

export const campaignsApiRoutes = [
  { method: 'POST', path: '/campaigns', roles: ['admin', 'marketer'], summary: 'Create a campaign' },
  {
    method: 'GET',
    path: '/campaigns',
    roles: ['admin', 'marketer'],
    summary: 'List campaigns with their latest list',
  },
  { method: 'GET', path: '/campaigns/{id}', roles: ['admin', 'marketer'], summary: 'Read a campaign' },
  {
    method: 'PUT',
    path: '/campaigns/{id}',
    roles: ['admin', 'marketer'],
    summary: 'Replace a campaign (If-Match optional)',
  },
  {
    method: 'DELETE',
    path: '/campaigns/{id}',
    roles: ['admin', 'marketer'],
    summary: 'Delete a campaign and its run history',
  },
  {
    method: 'GET',
    path: '/campaigns/{id}/runs',
    roles: ['admin', 'marketer'],
    summary: "A campaign's lists, newest first",
  },
  {
    method: 'GET',
    path: '/campaigns/{id}/runs/{runId}',
    roles: ['admin', 'marketer'],
    summary: 'One list run with its summary',
  },
  {
    method: 'GET',
    path: '/campaigns/{id}/runs/{runId}/download',
    roles: ['admin', 'marketer'],
    summary: "Redirect (302) to a short-lived link to the run's CSV",
    audit: 'export',
  },
] as const satisfies readonly HttpRoute[];

export const analyticsApiRoutes = [
  {
    method: 'GET',
    path: '/analytics/model',
    roles: ['admin', 'marketer'],
    summary: 'The fitted BG/NBD and Gamma-Gamma models of a run',
  },
  {
    method: 'GET',
    path: '/segments',
    roles: ['admin', 'marketer'],
    summary: 'RFM segment profiles with their trend',
  },
  {
    method: 'GET',
    path: '/segments/{name}',
    roles: ['admin', 'marketer'],
    summary: 'One RFM segment profile with its trend',
  },
  {
    method: 'GET',
    path: '/analytics/kpis',
    roles: ['admin', 'marketer'],
    summary: 'Retention by cohort, repeat-purchase rate, average CLV, CAC per channel',
  },
  {
    method: 'PUT',
    path: '/analytics/acquisition-costs',
    roles: ['admin', 'marketer'],
    summary: 'Acquisition spend of a month by channel (for CAC)',
  },
] as const satisfies readonly HttpRoute[];

export const messagesApiRoutes = [
  {
    method: 'GET',
    path: '/unsubscribe',
    roles: 'public',
    summary: 'Unsubscribe confirmation page (changes nothing)',
  },
  {
    method: 'POST',
    path: '/unsubscribe',
    roles: 'public',
    summary: 'One-click unsubscribe (RFC 8058), idempotent',
  },
  {
    method: 'GET',
    path: '/messages/stats',
    roles: ['admin', 'marketer'],
    summary: 'Sends, skips, suppressions, unsubscribes and win-back conversions per campaign and month',
    audit: false,
  },
] as const satisfies readonly HttpRoute[];

export const functions = {
  system: {
    entry: 'functions/system.ts',
    description: 'Health check and the OpenAPI document',
    grants: [],
    routes: systemRoutes,
  },
  customers: {
    entry: 'functions/customers.ts',
    description: 'Customer profiles: create, read, update, list, erase',
    grants: ['table:read', 'table:write'],
    routes: customersRoutes,
  },
  orders: {
    entry: 'functions/orders.ts',
    description: 'Orders, refunds and cancellations (aggregates in the same write), batches',
    grants: ['table:read', 'table:write', 'bus:put'],
    memoryMb: 1024,
    timeoutSeconds: 29,
    routes: ordersRoutes,
  },
  // Its own function: merging moves orders, events and claims between partitions (a rare admin
  // operation), so neither customers nor orders carries its code (docs/performance.md).
  'customer-merge': {
    entry: 'functions/customer-merge.ts',
    description: 'Merging a duplicate customer into the surviving one',
    grants: ['table:read', 'table:write', 'bus:put'],
    memoryMb: 1024,
    timeoutSeconds: 29,
    routes: customerMergeRoutes,
  },
  activity: {
    entry: 'functions/activity.ts',
    description: 'Behaviour and social events, survey answers (NPS, CSAT) and the customer timeline',
    grants: ['table:read', 'table:write'],
    // A batch of 100 events is a few transactions; head-room under API Gateway's 30 s limit.
    timeoutSeconds: 25,
    routes: activityRoutes,
  },
  complaints: {
    entry: 'functions/complaints.ts',
    description: 'Complaint tickets: open, move through their lifecycle, support queues',
    grants: ['table:read', 'table:write'],
    routes: complaintsRoutes,
  },
  privacy: {
    entry: 'functions/privacy.ts',
    description: 'Data-subject export and the audit trail of who touched which customer',
    grants: ['table:read', 'table:write'],
    routes: privacyRoutes,
  },
  // Declared before analytics-api: the local gateway matches routes in declaration order, and
  // `GET /segments/definitions` must win over `GET /segments/{name}` (as it does on API Gateway).
  'segment-definitions': {
    entry: 'functions/segment-definitions.ts',
    description: 'Saved segments: rules over profile and computed fields, with a preview',
    grants: ['table:read', 'table:write'],
    routes: segmentDefinitionsRoutes,
    timeoutSeconds: 29,
  },
  'campaigns-api': {
    entry: 'functions/campaigns-api.ts',
    description: 'Campaigns, their list runs, and list downloads (marketers and admins; never support)',
    grants: ['table:read', 'table:write', 'bucket:read'],
    routes: campaignsApiRoutes,
  },
  'campaign-lists': {
    entry: 'functions/campaign-lists.ts',
    description: "Generates every active campaign's list (CSV in S3) and notifies its marketers",
    grants: ['table:read', 'table:write', 'bucket:read', 'bucket:write', 'email:send'],
    // After each completed nightly run; the schedule is the safety net that makes the day's lists
    // exist even when the analytics failed (a run of a day already listed replaces it, mails nobody twice).
    events: [{ name: 'analytics-run-completed', detailType: ['analytics.run.completed'] }],
    // 07:00 every day in the business's time zone, five hours after the nightly analytics start.
    schedules: [
      {
        job: 'campaign-lists',
        cron: 'cron(0 7 * * ? *)',
        timeZone: 'business',
        description:
          'Campaign lists of the day (safety net; normally generated when the nightly analytics complete)',
      },
    ],
    memoryMb: 1024,
    timeoutSeconds: 900,
  },
  'analytics-coordinator': {
    entry: 'functions/analytics-coordinator.ts',
    description:
      'Nightly analytics: starts a run, fans in shard reports, fits the models once, completes the run',
    grants: ['table:read', 'table:write', 'bus:put', 'bucket:read', 'bucket:delete'],
    // 02:00 every day in the business's time zone (EventBridge Scheduler evaluates it there).
    schedules: [
      {
        job: 'nightly',
        cron: 'cron(0 2 * * ? *)',
        timeZone: 'business',
        description: 'RFM segments, tiers, lifecycle stages, churn and CLV for every customer',
      },
    ],
    events: [{ name: 'analytics-shard-completed', detailType: ['analytics.shard.completed'] }],
    memoryMb: 1769,
    timeoutSeconds: 900,
  },
  'analytics-worker': {
    entry: 'functions/analytics-worker.ts',
    description: 'Nightly analytics: summarises (phase 1) or scores (phase 2) one shard of the customers',
    grants: ['table:read', 'table:write', 'bus:put', 'bucket:read', 'bucket:write'],
    events: [{ name: 'analytics-shard-requested', detailType: ['analytics.shard.requested'] }],
    memoryMb: 1769,
    timeoutSeconds: 900,
  },
  'analytics-api': {
    entry: 'functions/analytics-api.ts',
    description: 'Segment profiles, the fitted churn and value models, KPIs and acquisition costs',
    grants: ['table:read', 'table:write'],
    routes: analyticsApiRoutes,
  },
  birthday: {
    entry: 'functions/birthday.ts',
    description: 'Birthday greetings, each customer at the greeting hour of their own time zone, once a year',
    grants: ['table:read', 'table:write', 'email:send', 'email:account', 'secret:unsubscribe'],
    schedules: [
      {
        job: 'birthday',
        cron: 'cron(0 * * * ? *)',
        timeZone: 'UTC',
        description:
          'Birthday greetings: every hour at minute 0 (UTC), greeting whoever it is 09:00 for on their birthday',
      },
    ],
    timeoutSeconds: 900,
  },
  winback: {
    entry: 'functions/winback.ts',
    description: 'Win-back emails to customers turning at risk or churned; deferred sends; order attribution',
    grants: ['table:read', 'table:write', 'email:send', 'email:account', 'secret:unsubscribe'],
    events: [
      {
        name: 'winback-on-lifecycle-change',
        detailType: ['customer.lifecycle.changed'],
        detail: { to: ['at_risk', 'churned'] },
      },
    ],
    schedules: [
      {
        job: 'winback',
        cron: 'cron(30 * * * ? *)',
        timeZone: 'UTC',
        description:
          'Win-backs held back by quiet hours, and order attribution: every hour at minute 30 (UTC)',
      },
    ],
    timeoutSeconds: 300,
  },
  suppression: {
    entry: 'functions/suppression.ts',
    description: 'SES feedback: suppress bounced and complaining addresses; record messages SES accepted',
    grants: ['table:read', 'table:write', 'secret:unsubscribe'],
    events: [
      {
        name: 'ses-feedback',
        bus: 'default',
        source: ['aws.ses'],
        detailType: ['Email Bounced', 'Email Complaint Received', 'Email Sent'],
      },
    ],
  },
  'messages-api': {
    entry: 'functions/messages-api.ts',
    description: 'One-click unsubscribe (public, signed links) and message statistics per campaign',
    grants: ['table:read', 'table:write', 'secret:unsubscribe'],
    routes: messagesApiRoutes,
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functions;

export interface DeclaredRoute extends HttpRoute {
  readonly functionName: string;
  readonly routeKey: string;
}

let declaredRoutes: Map<string, DeclaredRoute> | undefined;

/** Every HTTP route, by route key (built once: the declaration is constant). */
function routesByKey(): Map<string, DeclaredRoute> {
  if (declaredRoutes) return declaredRoutes;
  declaredRoutes = new Map();
  for (const [functionName, fn] of Object.entries(functions as Record<string, FunctionSpec>)) {
    for (const route of fn.routes ?? []) {
      const routeKey = `${route.method} ${route.path}`;
      if (declaredRoutes.has(routeKey)) throw new Error(`route ${routeKey} is declared twice`);
      declaredRoutes.set(routeKey, { ...route, functionName, routeKey });
    }
  }
  return declaredRoutes;
}

/** Every HTTP route of the application with the function that serves it. */
export function allRoutes(): DeclaredRoute[] {
  return [...routesByKey().values()];
}

/** The route declared for an API Gateway route key (`GET /customers/{id}`). */
export function routeFor(routeKey: string): DeclaredRoute | undefined {
  return routesByKey().get(routeKey);
}

/** Every declared job (schedule) with the function that runs it. */
export function allJobs(): Array<ScheduleSpec & { functionName: string }> {
  return Object.entries(functions as Record<string, FunctionSpec>).flatMap(([functionName, fn]) =>
    (fn.schedules ?? []).map((schedule) => ({ ...schedule, functionName })),
  );
}
