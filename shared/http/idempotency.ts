// `Idempotency-Key` (IETF draft-ietf-httpapi-idempotency-key-header): any POST sent with the
// header can be retried safely. The first request claims the key (per caller: the token subject)
// before it runs and stores its response when it succeeds; a retry with the same key and the same
// request gets that response again (`idempotent-replayed: true`) without running twice; a retry
// while the first is still running gets 409; the same key on a different request gets 422. Keys
// expire after 24 hours. A request that fails (an error answer, 4xx or 5xx) frees its key, so a
// retry runs again: our writes are transactional, so a failed request has written nothing.
//
// Automatic for every POST route of a function that has the table (grant `table:write`); on a
// function without the table, a request with the header is refused (400) rather than silently
// unprotected.
import { createHash, randomUUID } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import type { HttpRoute } from '../app.js';
import { principalFromClaims } from '../auth/roles.js';
import { config } from '../config.js';
import { ValidationError } from '../domain/errors.js';
import { log } from '../log.js';
import type { HttpEvent, HttpResult } from './handler.js';
import { HttpProblem } from './problem.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** The header as contracts document it (`headers` of a POST route, for the OpenAPI document). */
export const idempotencyHeader = {
  'Idempotency-Key': {
    required: false,
    description:
      'Any POST may carry one (1–255 printable characters): a retry with the same key answers the first response',
  },
};
const FIELD = 'Idempotency-Key';
const KEY_PATTERN = /^[\x21-\x7E][\x20-\x7E]{0,254}$/;
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** Larger responses are not stored (a DynamoDB item holds 400 KB): such a retry runs again. */
const MAX_STORED_BODY = 300 * 1024;

/** The validated header value, or undefined without the header. */
export function idempotencyKeyOf(headers: Readonly<Record<string, string | undefined>>): string | undefined {
  const value = headers[IDEMPOTENCY_HEADER];
  if (value === undefined) return undefined;
  if (!KEY_PATTERN.test(value)) {
    throw new ValidationError([
      { field: FIELD, message: 'must be 1–255 printable ASCII characters, not starting with a space' },
    ]);
  }
  return value;
}

/** What a request is, for telling a retry from another request reusing the key. */
export function requestFingerprint(event: HttpEvent): string {
  const body = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body
    : '';
  return createHash('sha256')
    .update(`${event.routeKey}\n${event.rawPath}?${event.rawQueryString ?? ''}\n${body}`)
    .digest('base64url');
}

export interface IdempotencyRecord {
  state: 'in_progress' | 'completed';
  fingerprint: string;
  /** Identifies the attempt holding the key. */
  token: string;
  /** Epoch ms until which an in-progress attempt is presumed alive. */
  lockedUntil: number;
  /** Epoch seconds (DynamoDB TTL). */
  expiresAt: number;
  response?: HttpResult;
}

/** Where keys are kept (DynamoDB in production: shared/store/idempotency-store.ts). */
export interface IdempotencyStore {
  /** Claims the key, or returns the record already holding it (expired records do not count). */
  claim(
    subject: string,
    key: string,
    record: IdempotencyRecord,
    nowSeconds: number,
  ): Promise<'claimed' | IdempotencyRecord>;
  /** Takes over an in-progress record whose attempt died (still holding `staleToken`). */
  takeOver(subject: string, key: string, staleToken: string, record: IdempotencyRecord): Promise<boolean>;
  complete(subject: string, key: string, token: string, response: HttpResult): Promise<void>;
  release(subject: string, key: string, token: string): Promise<void>;
}

export interface IdempotentRequest {
  subject: string;
  key: string;
  fingerprint: string;
  /** How long this attempt may run (the function's remaining time). */
  lockMs: number;
  now?: number;
}

export type ClaimOutcome = { run: true; token: string } | { run: false; response: HttpResult };

/** Claims the key for this attempt, or answers with the stored response of the first one. */
export async function claimIdempotencyKey(
  request: IdempotentRequest,
  store: IdempotencyStore,
): Promise<ClaimOutcome> {
  const now = request.now ?? Date.now();
  const record: IdempotencyRecord = {
    state: 'in_progress',
    fingerprint: request.fingerprint,
    token: randomUUID(),
    lockedUntil: now + request.lockMs,
    expiresAt: Math.floor(now / 1000) + IDEMPOTENCY_TTL_SECONDS,
  };
  const { subject, key } = request;
  const existing = await store.claim(subject, key, record, Math.floor(now / 1000));
  if (existing === 'claimed') return { run: true, token: record.token };
  if (existing.fingerprint !== request.fingerprint) {
    throw new HttpProblem(
      422,
      'Idempotency key reused',
      'this Idempotency-Key was used for a different request',
      {
        errors: [{ field: FIELD, message: 'already used for a different request' }],
      },
    );
  }
  if (existing.state === 'completed' && existing.response) {
    return {
      run: false,
      response: {
        ...existing.response,
        headers: { ...existing.response.headers, 'idempotent-replayed': 'true' },
      },
    };
  }
  // Still running, unless its lock ran out (the attempt died): then this attempt takes over.
  if (existing.lockedUntil <= now && (await store.takeOver(subject, key, existing.token, record))) {
    return { run: true, token: record.token };
  }
  throw new HttpProblem(
    409,
    'Request in progress',
    'a request with this Idempotency-Key is still being processed; retry later',
    { errors: [{ field: FIELD, message: 'a request with this key is in progress' }] },
    { 'retry-after': '1' },
  );
}

/** After the attempt: keep a successful response for retries, or free the key (error answers). */
export async function settleIdempotencyKey(
  store: IdempotencyStore,
  held: { subject: string; key: string; token: string },
  response: HttpResult | undefined,
): Promise<void> {
  const keep =
    response !== undefined &&
    (response.statusCode ?? 200) < 400 &&
    Buffer.byteLength(response.body ?? '') <= MAX_STORED_BODY;
  if (keep) await store.complete(held.subject, held.key, held.token, response);
  else await store.release(held.subject, held.key, held.token);
}

interface Held {
  subject: string;
  key: string;
  token: string;
  store: IdempotencyStore;
}

/**
 * The middleware of the HTTP chain (shared/http/handler.ts). Before: a POST with the header claims
 * the key or answers with the stored response. After: stores the response. On error: frees the key.
 */
export function idempotencyMiddleware(
  routeFor: (routeKey: string) => HttpRoute | undefined,
  store: IdempotencyStore,
): MiddlewareObj<HttpEvent, HttpResult> {
  const held = new WeakMap<object, Held>();
  return {
    before: async (request) => {
      const { event } = request;
      if (event.requestContext?.http?.method !== 'POST') return undefined;
      const key = idempotencyKeyOf((event.headers ?? {}) as Record<string, string | undefined>);
      const declared = routeFor(event.routeKey);
      if (key === undefined || !declared) return undefined;
      const subject =
        declared.roles === 'public'
          ? 'public'
          : principalFromClaims(event.requestContext.authorizer?.jwt?.claims)?.subject;
      if (!subject) return undefined; // no valid token: the chain answers 401
      if (!config().tableName) {
        throw new ValidationError([
          { field: FIELD, message: 'this route does not accept an Idempotency-Key' },
        ]);
      }
      const remaining = request.context.getRemainingTimeInMillis?.() || 30_000;
      const outcome = await claimIdempotencyKey(
        { subject, key, fingerprint: requestFingerprint(event), lockMs: remaining + 5000 },
        store,
      );
      if (!outcome.run) return outcome.response;
      held.set(request, { subject, key, token: outcome.token, store });
      return undefined;
    },
    after: async (request) => {
      const mine = held.get(request);
      if (mine) await settleIdempotencyKey(mine.store, mine, request.response ?? undefined);
    },
    onError: async (request) => {
      const mine = held.get(request);
      if (!mine) return;
      held.delete(request);
      await settleIdempotencyKey(mine.store, mine, undefined).catch((error: unknown) => {
        log.warn('idempotency key not released', { error });
      });
    },
  };
}
