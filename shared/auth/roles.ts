// Roles come from the verified JWT: Cognito user pool groups for people (`cognito:groups`) and an
// OAuth scope for the machine-ingestion app client (`<resource-server>/ingest`). The same claims
// reach the handler from API Gateway's JWT authorizer on AWS and from the local API.
export const ROLES = ['admin', 'marketer', 'support', 'ingest'] as const;
export type Role = (typeof ROLES)[number];

/** Resource server identifier of the API in Cognito; scopes are `retain/<name>`. */
export const SCOPE_PREFIX = 'retain/';

export interface Principal {
  /** Token subject (user id, or the app client id for machine clients). Used in the audit trail. */
  readonly subject: string;
  readonly roles: ReadonlySet<Role>;
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * API Gateway HTTP APIs pass array claims as one string, `[admin marketer]`; tokens verified
 * elsewhere carry real arrays. Accept both.
 */
function claimList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') return [];
  return value
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

export function principalFromClaims(claims: Record<string, unknown> | undefined): Principal | undefined {
  if (!claims || typeof claims.sub !== 'string') return undefined;
  const roles = new Set<Role>();
  for (const group of claimList(claims['cognito:groups'])) if (isRole(group)) roles.add(group);
  for (const scope of claimList(claims.scope)) {
    const name = scope.startsWith(SCOPE_PREFIX) ? scope.slice(SCOPE_PREFIX.length) : '';
    if (name === 'ingest') roles.add('ingest');
  }
  return { subject: claims.sub, roles };
}

export function hasAnyRole(principal: Principal, allowed: readonly Role[]): boolean {
  return allowed.some((role) => principal.roles.has(role));
}
