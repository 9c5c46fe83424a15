// What integration tests use to talk to the local stack: real HTTP to the API, real tokens, the
// control endpoint for jobs and bus events, and the same environment the handlers see.
import { inject } from 'vitest';
import type { Role } from '../../shared/auth/roles.js';
import { resetConfig } from '../../shared/config.js';

export const stack = inject('stack');

/** Point this worker's AWS SDK clients and config at the local stack (for storage-level tests). */
export function useStackEnvironment(): void {
  Object.assign(process.env, stack.env);
  resetConfig();
}

const tokens = new Map<string, Promise<string>>();

async function controlCall<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${stack.urls.control}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const result = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(result.error ?? `control ${path} answered ${response.status}`);
  return result;
}

/** A real JWT for a role, signed by the local issuer. */
export function token(role: Role, subject?: string): Promise<string> {
  const key = `${role}:${subject ?? ''}`;
  if (!tokens.has(key)) {
    tokens.set(
      key,
      controlCall<{ token: string }>('POST', '/tokens', { role, subject }).then((r) => r.token),
    );
  }
  return tokens.get(key) as Promise<string>;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** An HTTP call to the local API. `role: null` sends no token. */
export async function api<T = any>(
  method: string,
  path: string,
  options: { body?: unknown; role?: Role | null; headers?: Record<string, string>; rawBody?: string } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  const role = options.role === undefined ? 'admin' : options.role;
  if (role) headers.authorization = `Bearer ${await token(role)}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${stack.urls.api}${path}`, { method, headers, body, redirect: 'manual' });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** Run a declared job now and wait for every event it caused to be handled. */
export function runJob(job: string, input: Record<string, unknown> = {}) {
  return controlCall<{ result: any; events: string[] }>('POST', `/jobs/${job}`, input);
}

/** Every event the local bus accepted so far, and deliveries that failed every retry. */
export function busEvents() {
  return controlCall<{
    events: Array<{ 'detail-type': string; source: string; detail: any; id: string }>;
    deadLetters: unknown[];
  }>('GET', '/events');
}

/** Put an event on a bus as an AWS service would (e.g. an SES bounce on the default bus). */
export function putEvent(entry: { source: string; detailType: string; detail: unknown; busName?: string }) {
  return controlCall<{ id: string }>('POST', '/events', entry);
}

/** Wait until the local bus has delivered everything. */
export function busIdle() {
  return controlCall('POST', '/idle');
}

/** Unique values so tests don't collide on uniqueness (email, phone, external id). */
let counter = 0;
export function unique(prefix = 't'): string {
  counter++;
  return `${prefix}${process.pid}x${Date.now().toString(36)}x${counter}`;
}

export function uniquePhone(): string {
  counter++;
  const digits = `${Date.now()}${process.pid}${counter}`.slice(-9);
  return `+86138${digits}`.slice(0, 14);
}

/** A token the local issuer signed correctly but whose expiry has passed (for 401 tests). */
export function expiredToken(role: Role): Promise<string> {
  return controlCall<{ token: string }>('POST', '/tokens', { role, ttlSeconds: -120 }).then((r) => r.token);
}

/** An email as the local SES endpoint stored it (aws-ses-v2-local `GET /store`). */
export interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  headers?: Array<{ name: string; value: string }>;
  at: number;
}

/**
 * Emails the local SES endpoint received for these recipients. Every test file shares the one
 * SES server: filter by your own unique addresses, never clear the store (clearing also drops
 * the templates).
 */
export async function sesEmailsTo(...recipients: string[]): Promise<StoredEmail[]> {
  const response = await fetch(`${stack.urls.ses}/store`);
  const { emails } = (await response.json()) as { emails: StoredEmail[] };
  const wanted = new Set(recipients.map((recipient) => recipient.toLowerCase()));
  return emails.filter((email) => email.destination.to.some((to) => wanted.has(to.toLowerCase())));
}

/** The value of a header of a stored email (case-insensitive name). */
export const emailHeader = (email: StoredEmail, name: string) =>
  email.headers?.find((header) => header.name.toLowerCase() === name.toLowerCase())?.value;
