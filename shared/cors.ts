// Cross-origin access for browser clients (a shop's site, the admin and marketer UIs a business
// builds): the `cors` settings section (RETAIN_SETTINGS `{ "cors": { "allowedOrigins": […] } }`).
// Default: no origin allowed, so browsers may call the API from its own origin only. One source
// for both worlds: the CDK stack turns the section into the HTTP API's `corsPreflight`, the local
// gateway answers preflights and adds the same headers from it. Pure apart from reading settings.
import * as z from 'zod/mini';
import { lazy } from './lazy.js';
import { parseOverrides, sectionFrom, settingsSection } from './settings.js';

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    // `*` is a valid host character to URL, but a wildcard to API Gateway: an allow-list is exact.
    return (
      (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value && !value.includes('*')
    );
  } catch {
    return false;
  }
}

export const corsSettingsSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    /** Exact origins (`https://shop.example`, `http://localhost:5173`): no path, no trailing slash, no wildcard. */
    allowedOrigins: z.array(
      z
        .string()
        .check(
          z.refine(isOrigin, 'must be an origin: scheme://host[:port] in lower case, no path or wildcard'),
        ),
    ),
    /** How long a browser may cache a preflight answer. */
    maxAgeSeconds: z
      .int('must be a whole number')
      .check(z.gte(0, 'must be at least 0'), z.lte(86_400, 'must be at most 86400')),
  }),
);
export type CorsSettings = z.infer<typeof corsSettingsSchema>;

export const DEFAULT_CORS_SETTINGS: CorsSettings = { allowedOrigins: [], maxAgeSeconds: 600 };

/** Request headers a browser client may send: the token, JSON bodies, retries and optimistic locking. */
export const CORS_ALLOW_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'if-match'] as const;
/** Response headers a browser client may read: the version for `If-Match`, a created resource, a back-off. */
export const CORS_EXPOSE_HEADERS = ['etag', 'location', 'retry-after'] as const;

/** The section as the running process sees it (the local gateway). */
export const corsSettings = (): CorsSettings =>
  settingsSection('cors', corsSettingsSchema, DEFAULT_CORS_SETTINGS);

/** The section from RETAIN_SETTINGS text (the CDK stack, from context `settings`). */
export const corsSettingsFrom = (raw: string | undefined): CorsSettings =>
  sectionFrom(parseOverrides(raw), 'cors', corsSettingsSchema, DEFAULT_CORS_SETTINGS);

/** The distinct methods of the declared routes, for `Access-Control-Allow-Methods`. */
export const corsMethods = (routes: ReadonlyArray<{ method: string }>): string[] =>
  [...new Set(routes.map((route) => route.method))].sort();

/**
 * The CORS headers of a response to a request from `origin`: none unless the origin is allowed.
 * `preflight` (the methods to allow) makes them the answer to an `OPTIONS` preflight.
 */
export function corsHeaders(
  settings: CorsSettings,
  origin: string | undefined,
  preflight?: { methods: readonly string[] },
): Record<string, string> {
  if (!origin || !settings.allowedOrigins.includes(origin)) return {};
  const headers: Record<string, string> = { 'access-control-allow-origin': origin, vary: 'origin' };
  if (preflight) {
    headers['access-control-allow-methods'] = preflight.methods.join(',');
    headers['access-control-allow-headers'] = CORS_ALLOW_HEADERS.join(',');
    headers['access-control-max-age'] = String(settings.maxAgeSeconds);
  } else {
    headers['access-control-expose-headers'] = CORS_EXPOSE_HEADERS.join(',');
  }
  return headers;
}
