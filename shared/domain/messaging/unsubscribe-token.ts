// Unsubscribe tokens (the `token` of the RFC 8058 one-click link) and the suppression hash of an
// address. Both are HMAC-SHA256 under keys derived from the unsubscribe secret, so a token cannot
// be forged or altered, and a suppressed address is kept only as a keyed hash that survives the
// customer's erasure without keeping the address. Pure: the secret is a parameter.
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import { lazy } from '../../lazy.js';
import { normalizeEmail } from '../customer.js';
import { CAMPAIGNS } from './decision.js';

const derive = (secret: string, purpose: string) => createHmac('sha256', secret).update(purpose).digest();

/**
 * The address as stored on the suppression list: a keyed hash of the normalised email. The key
 * derives from the unsubscribe secret: rotating that secret orphans the list (see docs).
 */
export function suppressionHash(email: string, secret: string): string {
  return createHmac('sha256', derive(secret, 'retain/suppression/v1'))
    .update(normalizeEmail(email))
    .digest('base64url');
}

export const unsubscribeClaimsSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    /** Customer id. */
    c: z.string().check(z.minLength(1), z.maxLength(64)),
    /** Suppression hash of the address the message went to. */
    h: z.string().check(z.regex(/^[A-Za-z0-9_-]{43}$/)),
    /** Campaign and period of the message (`birthday`, `2026`): its ledger entry. */
    m: z.tuple([z.enum(CAMPAIGNS), z.string().check(z.regex(/^[0-9-]{4,10}$/))]),
    /** Language of the confirmation page. */
    l: z.enum(['en', 'zh-CN']),
  }),
);
export type UnsubscribeClaims = z.infer<typeof unsubscribeClaimsSchema>;

const signature = (payload: string, secret: string) =>
  createHmac('sha256', derive(secret, 'retain/unsubscribe-token/v1')).update(payload).digest();

/** `<base64url JSON claims>.<base64url HMAC>`: URL-safe, no padding. */
export function signUnsubscribeToken(claims: UnsubscribeClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${signature(payload, secret).toString('base64url')}`;
}

/** The claims of a genuine token; undefined for anything forged, altered or malformed. */
export function verifyUnsubscribeToken(token: string, secret: string): UnsubscribeClaims | undefined {
  const match = /^([A-Za-z0-9_-]{1,1024})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match?.[1] || !match[2]) return undefined;
  // Compared as text: base64url has spare bits, so two spellings can decode to the same bytes.
  const given = Buffer.from(match[2]);
  const expected = Buffer.from(signature(match[1], secret).toString('base64url'));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const parsed = unsubscribeClaimsSchema.safeParse(
      JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8')),
    );
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
