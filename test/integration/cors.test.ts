// Browser clients over real HTTP: the suite's stack allows one origin, `https://shop.example`
// (RETAIN_SETTINGS `cors` section, set in global-setup.ts). A preflight from it gets the CORS
// answer, any other origin gets no CORS header at all, and the public unsubscribe route works
// for mail clients whatever origin they send.
import { describe, expect, it } from 'vitest';
import { createCustomer } from './messaging-fixtures.js';
import { api, emailHeader, runJob, sesEmailsTo, stack, unique } from './support.js';

const SHOP = 'https://shop.example';

/** What a browser sends before a cross-origin PATCH with a token and an If-Match header. */
const preflight = (path: string, origin: string) =>
  fetch(`${stack.urls.api}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'PATCH',
      'access-control-request-headers': 'authorization,content-type,if-match',
    },
  });

const corsHeaderNames = (headers: Headers) =>
  [...headers.keys()].filter((name) => name.startsWith('access-control-'));

describe('CORS for browser clients', () => {
  it('answers a preflight from an allowed origin without a token', async () => {
    const response = await preflight('/customers/some-id', SHOP);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(response.headers.get('access-control-allow-methods')?.split(',').sort()).toEqual([
      'DELETE',
      'GET',
      'PATCH',
      'POST',
      'PUT',
    ]);
    expect(response.headers.get('access-control-allow-headers')?.split(',').sort()).toEqual([
      'authorization',
      'content-type',
      'idempotency-key',
      'if-match',
    ]);
    expect(response.headers.get('access-control-max-age')).toBe('600');
  });

  it('gives another origin no CORS headers, on the preflight or the response', async () => {
    const response = await preflight('/customers/some-id', 'https://evil.example');
    expect(corsHeaderNames(response.headers)).toEqual([]);

    const created = await api('POST', '/customers', {
      body: { name: { given: 'Eve' }, email: `${unique('cors')}@example.com` },
      headers: { origin: 'https://evil.example' },
    });
    expect(created.status).toBe(201);
    expect(corsHeaderNames(created.headers)).toEqual([]);
  });

  it('lets the allowed origin read the response and its ETag, on success and on errors', async () => {
    const created = await api('POST', '/customers', {
      body: { name: { given: 'Ana' }, email: `${unique('cors')}@example.com` },
      headers: { origin: SHOP },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(created.headers.get('access-control-expose-headers')?.split(',')).toContain('etag');
    expect(created.headers.get('etag')).toBeTruthy();

    // A missing token is answered by the gateway itself: the browser can still read the 401.
    const unauthorized = await api('GET', `/customers/${created.body.id}`, {
      role: null,
      headers: { origin: SHOP },
    });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe(SHOP);
  });

  it('keeps the public one-click unsubscribe working, from any origin and none', async () => {
    const customer = await createCustomer({ birthDate: '--06-28' });
    await runJob('birthday', { asOf: '2037-06-28', scheduledTime: '2037-06-28T04:00:00Z' });
    const [email] = await sesEmailsTo(customer.email);
    const link = new URL((emailHeader(email as never, 'List-Unsubscribe') ?? '').replace(/^<|>$/g, ''));
    const path = `${link.pathname}${link.search}`;

    const page = await api('GET', path, { role: null, headers: { origin: 'https://webmail.example' } });
    expect(page.status).toBe(200);
    expect(corsHeaderNames(page.headers)).toEqual([]);

    const done = await api('POST', path, {
      role: null,
      rawBody: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://webmail.example' },
    });
    expect(done.status).toBe(200);
    expect(done.body).toContain('You are unsubscribed');
    const profile = await api('GET', `/customers/${customer.id}`);
    expect(profile.body.consent.email).toMatchObject({ granted: false, source: 'unsubscribe-link' });
  });
});
