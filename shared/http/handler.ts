// The one HTTP middleware chain: header normaliser → Idempotency-Key (POSTs, idempotency.ts) →
// auth (roles from the function's route constant in shared/app.ts) → JSON body parsing → zod validation → use case → output
// schema; every error becomes problem+json in one place (problem.ts). Handlers only declare
// routes: schemas plus a call into a use case.
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import type { HttpRoute } from '../app.js';
import { hasAnyRole, type Principal, principalFromClaims } from '../auth/roles.js';
import { ValidationError } from '../domain/errors.js';
import { maskContactData, seesContactData } from '../domain/privacy.js';
import { recordAccess } from '../use-cases/audit-trail.js';
import { fieldIssues, HttpProblem, problemResponse, toProblem } from './problem.js';
import { idempotencyMiddleware } from './idempotency.js';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = APIGatewayProxyStructuredResultV2;

type Schema = z.core.$ZodType;
type Out<S> = S extends Schema ? z.infer<S> : undefined;
/** Without an output schema a route may answer any JSON body. */
type ResponseOf<S> = S extends Schema ? z.infer<S> : unknown;

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Undefined only on public routes. */
  principal: Principal | undefined;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | undefined>>;
  event: HttpEvent;
}

export interface Reply<R = unknown> {
  status?: number;
  body?: R;
  headers?: Record<string, string>;
  /** Raw (non-JSON) body, e.g. an HTML page; `contentType` says what it is. */
  raw?: string;
  contentType?: string;
}

/**
 * The HTTP contract of a route: its schemas. Contracts live in shared/api/*-contract.ts so that the
 * OpenAPI document (functions/system.ts) is generated from the very schemas the handlers enforce.
 */
export interface RouteContract {
  params?: Schema;
  query?: Schema;
  body?: Schema;
  /** Output schema: the response passes through it, so internal fields never leak. */
  response?: Schema;
  /** Status of a successful answer (default 200), for the OpenAPI document. */
  status?: number;
  /** Largest accepted body in bytes (default 256 KiB). */
  maxBodyBytes?: number;
  /** Extra request headers the route reads, for the OpenAPI document. */
  headers?: Record<string, { required: boolean; description: string }>;
}

/** Identity helper that keeps the literal types of a contract. */
export function contract<const C extends Record<string, RouteContract>>(routes: C): C {
  return routes;
}

export type RouteHandler<C extends RouteContract> = (
  input: RouteInput<Out<C['params']>, Out<C['query']>, Out<C['body']>>,
) => Promise<Reply<ResponseOf<C['response']>>>;

export type Handlers<C extends Record<string, RouteContract>> = { [K in keyof C]: RouteHandler<C[K]> };

const DEFAULT_MAX_BODY = 256 * 1024;

function authorize(declared: HttpRoute, event: HttpEvent): Principal | undefined {
  if (declared.roles === 'public') return undefined;
  const principal = principalFromClaims(event.requestContext.authorizer?.jwt?.claims);
  if (!principal) {
    throw new HttpProblem(
      401,
      'Unauthorized',
      'a valid bearer token is required',
      {},
      { 'www-authenticate': 'Bearer' },
    );
  }
  if (!hasAnyRole(principal, declared.roles)) {
    throw new HttpProblem(
      403,
      'Forbidden',
      `this route needs one of the roles: ${declared.roles.join(', ')}`,
    );
  }
  return principal;
}

function validate<S extends Schema | undefined>(schema: S, value: unknown, prefix: string): Out<S> {
  if (!schema) return undefined as Out<S>;
  const parsed = z.safeParse(schema, value);
  if (!parsed.success) throw new ValidationError(fieldIssues(parsed.error, prefix));
  return parsed.data as Out<S>;
}

function parseBody(event: HttpEvent, headers: Record<string, string | undefined>, maxBytes: number): unknown {
  const text = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body
    : '';
  if (Buffer.byteLength(text) > maxBytes) {
    throw new HttpProblem(413, 'Payload too large', `the body must be at most ${maxBytes} bytes`, {
      errors: [{ field: 'body', message: `larger than ${maxBytes} bytes` }],
    });
  }
  if (text.trim() === '') throw new ValidationError([{ field: 'body', message: 'a JSON body is required' }]);
  const type = headers['content-type'] ?? '';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new HttpProblem(415, 'Unsupported media type', 'send the body as application/json', {
      errors: [{ field: 'content-type', message: 'must be application/json' }],
    });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError([{ field: 'body', message: 'malformed JSON' }]);
  }
}

function toResult(reply: Reply, responseSchema: Schema | undefined, principal?: Principal): HttpResult {
  if (reply.raw !== undefined) {
    return {
      statusCode: reply.status ?? 200,
      headers: { 'content-type': reply.contentType ?? 'text/plain; charset=utf-8', ...reply.headers },
      body: reply.raw,
    };
  }
  if (reply.body === undefined) return { statusCode: reply.status ?? 204, headers: reply.headers ?? {} };
  const parsed = responseSchema ? z.parse(responseSchema, reply.body) : reply.body;
  // Property-level protection, in one place for every route: see shared/domain/privacy.ts.
  const body = principal && !seesContactData(principal.roles) ? maskContactData(parsed) : parsed;
  return {
    statusCode: reply.status ?? 200,
    headers: { 'content-type': 'application/json', ...reply.headers },
    body: JSON.stringify(body),
  };
}

/**
 * A Lambda handler serving some routes of a contract. `declared` is the function's route constant
 * from shared/app.ts (`customersRoutes`…): the route keys it may serve and who may call each. Only
 * that constant, not the whole declaration, ends up in the function's bundle.
 */
export function httpHandler<C extends Record<string, RouteContract>, K extends keyof C & string>(
  declared: readonly HttpRoute[],
  routes: C,
  handlers: Pick<Handlers<C>, K>,
) {
  const routeOf = new Map(declared.map((route) => [`${route.method} ${route.path}`, route]));
  for (const routeKey of Object.keys(handlers)) {
    if (!routeOf.has(routeKey)) throw new Error(`route ${routeKey} is not declared for this function`);
  }

  const dispatch = async (event: HttpEvent): Promise<HttpResult> => {
    const definition = routes[event.routeKey] as RouteContract | undefined;
    const handle = (handlers as Record<string, RouteHandler<RouteContract>>)[event.routeKey];
    const declared = routeOf.get(event.routeKey);
    if (!definition || !handle || !declared)
      throw new HttpProblem(404, 'Not found', `no route ${event.routeKey}`);
    const principal = authorize(declared, event);
    const headers = (event.headers ?? {}) as Record<string, string | undefined>;
    const issues: ValidationError[] = [];
    const attempt = <T>(fn: () => T): T | undefined => {
      try {
        return fn();
      } catch (error) {
        if (error instanceof ValidationError) issues.push(error);
        else throw error;
        return undefined;
      }
    };
    const params = attempt(() => validate(definition.params, event.pathParameters ?? {}, 'path'));
    const query = attempt(() => validate(definition.query, event.queryStringParameters ?? {}, 'query'));
    const body = definition.body
      ? attempt(() =>
          validate(
            definition.body,
            parseBody(event, headers, definition.maxBodyBytes ?? DEFAULT_MAX_BODY),
            '',
          ),
        )
      : undefined;
    // Report every bad field of the request at once, not one per round trip.
    if (issues.length > 0) throw new ValidationError(issues.flatMap((error) => error.issues));
    const reply = await handle({ params, query, body, principal, headers, event });
    const result = toResult({ status: definition.status, ...reply }, definition.response, principal);
    // The audit trail is written before the answer leaves; if it cannot be, the request fails.
    await recordAccess({
      route: declared,
      principal,
      requestId: event.requestContext.requestId,
      pathParameters: event.pathParameters,
      requestBody: body,
      responseBody: reply.body,
      status: result.statusCode ?? 200,
      now: new Date(),
    });
    return result;
  };

  return (
    middy<HttpEvent, HttpResult>()
      .use(httpHeaderNormalizer())
      .use({
        onError: (request) => {
          const { problem, headers } = toProblem(request.error);
          request.response = problemResponse(problem, headers);
        },
      })
      // After the error mapper, so its onError (freeing the key) runs before the mapping.
      .use(idempotencyMiddleware((routeKey) => routeOf.get(routeKey)))
      .handler(dispatch)
  );
}
