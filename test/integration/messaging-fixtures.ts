// Shared by the messaging integration tests: customers created through the real API, their
// message log read through the real timeline API, and time zones chosen so that a test does not
// depend on the hour it runs at.
import { expect } from 'vitest';
import { type ApiResponse, api, putEvent, type StoredEmail, unique } from './support.js';

export interface TestCustomer {
  id: string;
  email: string;
  version: number;
}

/**
 * A customer with email consent (override anything), created through the API: the suite's stack
 * by default, or a test's private stack (`call`).
 */
export async function createCustomer(
  overrides: Record<string, unknown> = {},
  call: (method: string, path: string, options: { body: unknown }) => Promise<ApiResponse> = api,
): Promise<TestCustomer> {
  const response = await call('POST', '/customers', {
    body: {
      email: `${unique('msg')}@example.com`,
      name: { given: 'Ana', family: 'Lima' },
      language: 'en',
      timeZone: 'Asia/Shanghai',
      consent: { email: { granted: true, source: 'web-signup' } },
      ...overrides,
    },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return { id: response.body.id, email: response.body.email, version: response.body.version };
}

export interface MessageEntry {
  at: string;
  data: {
    campaign: string;
    period: string;
    decision: string;
    reason?: string;
    until?: string;
    template?: string;
  };
}

/** The customer's message log, newest first, from `GET /customers/{id}/timeline?kind=message`. */
export async function messageLog(customerId: string): Promise<MessageEntry[]> {
  const response = await api('GET', `/customers/${customerId}/timeline?kind=message&limit=100`, {
    role: 'support',
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.items as MessageEntry[];
}

/** `decision` or `decision:reason` of each log entry, oldest first. */
export async function decisions(customerId: string): Promise<string[]> {
  return (await messageLog(customerId))
    .reverse()
    .map((entry) =>
      entry.data.reason ? `${entry.data.decision}:${entry.data.reason}` : entry.data.decision,
    );
}

/**
 * A fixed-offset IANA zone (`Etc/GMT-8` is UTC+8) in which it is `hour` o'clock at `instant`, so
 * that a test sending "now" is outside (or inside) the quiet hours whatever time it runs.
 */
export function zoneWhereItIs(hour: number, instant: Date = new Date()): string {
  let offset = hour - instant.getUTCHours();
  if (offset > 14) offset -= 24;
  if (offset < -12) offset += 24;
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

/** An SES event (bounce, complaint) on the default bus, as EventBridge delivers it from SES. */
export const sesEvent = (detailType: string, detail: Record<string, unknown>) =>
  putEvent({ source: 'aws.ses', detailType, detail, busName: 'default' });

/**
 * The `mail` part of an SES event about a stored email (its SES message id and recipients) or a
 * bare address, naming the ledger entry (`<customerId>--<campaign>--<period>`) when given.
 */
export function sesMail(sent: StoredEmail | string, ledgerTag?: string) {
  const fromStore = typeof sent !== 'string';
  return {
    messageId: fromStore ? sent.messageId : unique('ses'),
    timestamp: new Date().toISOString(),
    destination: fromStore ? sent.destination.to : [sent],
    ...(ledgerTag ? { tags: { campaign: [ledgerTag.split('--')[1]], ledger: [ledgerTag] } } : {}),
  };
}

/** SES reports a permanent (hard) bounce of a stored email or an address. */
export function permanentBounce(sent: StoredEmail | string, ledgerTag?: string) {
  const mail = sesMail(sent, ledgerTag);
  return sesEvent('Email Bounced', {
    eventType: 'Bounce',
    bounce: {
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: mail.destination.map((emailAddress) => ({
        emailAddress,
        action: 'failed',
        status: '5.1.1',
      })),
    },
    mail,
  });
}

/** A campaign's counters for one month, from `GET /messages/stats`. */
export async function campaignTotals(campaign: string, month: string) {
  const response = await api('GET', `/messages/stats?from=${month}&to=${month}`, { role: 'marketer' });
  expect(response.status).toBe(200);
  return response.body.campaigns.find((entry: { campaign: string }) => entry.campaign === campaign).totals;
}
