// The local HTTP API: turns HTTP requests into API Gateway HTTP API (payload v2) events for the
// declared routes, verifies bearer tokens like the JWT authorizer, and answers with the handler's
// result. Routing and roles come from shared/app.ts, as on AWS.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { allRoutes } from '../../shared/app.js';
import { corsHeaders, corsMethods, corsSettings } from '../../shared/cors.js';
import { log } from '../../shared/log.js';
import type { LocalAuth } from './local-auth.js';
import type { LambdaRuntime } from './lambda-runtime.js';

const MAX_BODY = 10 * 1024 * 1024; // API Gateway's payload limit

interface CompiledRoute {
  routeKey: string;
  method: string;
  pattern: RegExp;
  names: string[];
  functionName: string;
  secured: boolean;
}

/**
 * Routes in API Gateway's order of precedence: a literal path segment wins over a `{param}` at the
 * same position (`GET /segments/definitions` before `GET /segments/{name}`).
 */
function compile(): CompiledRoute[] {
  const rank = (path: string) =>
    path
      .split('/')
      .map((segment) => (segment.startsWith('{') ? '1' : '0'))
      .join('');
  const routes = [...allRoutes()].sort((a, b) => rank(a.path).localeCompare(rank(b.path)));
  return routes.map((route) => {
    const names: string[] = [];
    const source = route.path
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/\{(\w+)\}/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
    return {
      routeKey: route.routeKey,
      method: route.method,
      pattern: new RegExp(`^${source}$`),
      names,
      functionName: route.functionName,
      secured: route.roles !== 'public',
    };
  });
}

/** API Gateway passes claims to the handler as strings; arrays become `[a b]`. */
function claimStrings(payload: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(payload).map(([key, value]) => [
      key,
      Array.isArray(value) ? `[${value.join(' ')}]` : String(value),
    ]),
  );
}

function readBody(request: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > MAX_BODY ? 'too-large' : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function problem(status: number, title: string, detail: string): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify({ type: `https://retain.dev/problems/${status}`, title, status, detail }),
  };
}

export function startGateway(options: {
  /** Listening already (see `listeningServer`): the gateway answers its requests. */
  server: Server;
  runtime: LambdaRuntime;
  auth: LocalAuth;
}): void {
  const routes = compile();
  // As API Gateway's corsPreflight, from the same `cors` settings section (none allowed by default).
  const cors = corsSettings();
  const preflight = { methods: corsMethods(routes) };

  async function answer(request: IncomingMessage): Promise<APIGatewayProxyStructuredResultV2> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    if (
      method === 'OPTIONS' &&
      cors.allowedOrigins.length &&
      request.headers['access-control-request-method']
    ) {
      return { statusCode: 204, headers: corsHeaders(cors, request.headers.origin, preflight) };
    }
    let matched: { route: CompiledRoute; values: string[] } | undefined;
    for (const route of routes) {
      const match = route.method === method ? route.pattern.exec(url.pathname) : null;
      if (match) {
        matched = { route, values: match.slice(1) };
        break;
      }
    }
    if (!matched) return problem(404, 'Not found', `no route ${method} ${url.pathname}`);
    const { route, values } = matched;

    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
    }
    let claims: Record<string, string> | undefined;
    let scopes: string[] | undefined;
    if (route.secured) {
      const token = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
      if (!token) return problem(401, 'Unauthorized', 'a bearer token is required');
      try {
        const payload = await options.auth.verify(token);
        claims = claimStrings(payload as Record<string, unknown>);
        scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : undefined;
      } catch {
        return problem(401, 'Unauthorized', 'the bearer token is invalid or expired');
      }
    }
    const body = await readBody(request);
    if (body === 'too-large') return problem(413, 'Payload too large', 'the body exceeds 10 MB');

    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = key in query ? `${query[key]},${value}` : value;
    const pathParameters: Record<string, string> = {};
    for (const [index, name] of route.names.entries()) {
      try {
        pathParameters[name] = decodeURIComponent(values[index] ?? '');
      } catch {
        pathParameters[name] = values[index] ?? '';
      }
    }
    const now = new Date();
    const event = {
      version: '2.0',
      routeKey: route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      ...(route.names.length ? { pathParameters } : {}),
      ...(body.length ? { body: body.toString('utf8'), isBase64Encoded: false } : { isBase64Encoded: false }),
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: headers.host ?? '127.0.0.1',
        domainPrefix: 'local',
        http: {
          method,
          path: url.pathname,
          protocol: `HTTP/${request.httpVersion}`,
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey: route.routeKey,
        stage: '$default',
        time: now.toISOString(),
        timeEpoch: now.getTime(),
        ...(claims ? { authorizer: { jwt: { claims, scopes: scopes ?? null } } } : {}),
      },
    };
    try {
      return (await options.runtime.invoke(route.functionName, event)) as APIGatewayProxyStructuredResultV2;
    } catch (error) {
      log.error('local gateway: handler failed', { routeKey: route.routeKey, error });
      return problem(500, 'Internal error', 'the function failed');
    }
  }

  const { server } = options;
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    answer(request)
      .then((result) => {
        const headers: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
        if (request.method !== 'OPTIONS') Object.assign(headers, corsHeaders(cors, request.headers.origin));
        if (result.cookies?.length) headers['set-cookie'] = result.cookies;
        response.writeHead(result.statusCode ?? 200, headers);
        response.end(
          result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined,
        );
      })
      .catch((error: unknown) => {
        log.error('local gateway failed', { error });
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/problem+json' });
        response.end(JSON.stringify({ type: 'about:blank', title: 'Internal error', status: 500 }));
      });
  });
  server.keepAliveTimeout = 65_000;
}
