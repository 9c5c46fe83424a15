// Sending templated email through SES v2: `SendEmail` with `Content.Template` (SES renders the
// template created from shared/messaging/templates/), the unsubscribe headers, the configuration
// set (bounce, complaint and send events) and tags naming the ledger entry. Paced to the account's
// send rate (GetAccount), throttled sends retried with exponential backoff and jitter.
import { GetAccountCommand, type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { TemplateData } from '../domain/messaging/content.js';
import { log } from '../log.js';

export interface OutgoingEmail {
  to: string;
  template: string;
  data: TemplateData;
  headers: ReadonlyArray<{ name: string; value: string }>;
  tags: ReadonlyArray<{ name: string; value: string }>;
}

export interface Mailer {
  /** Sends one email; resolves with SES's message id. */
  send(email: OutgoingEmail): Promise<string>;
}

/** SES refused this message for good (e.g. a rejected address): record it as failed, don't retry. */
export class PermanentSendError extends Error {
  override name = 'PermanentSendError';
}

const THROTTLING = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ServiceUnavailable',
  'InternalFailure',
]);
const PERMANENT = new Set(['MessageRejected', 'BadRequestException']);

export interface SesMailerOptions {
  client: SESv2Client;
  from: string;
  configurationSet: string;
  /** Sends per second to use when GetAccount cannot be read. */
  fallbackRate: number;
  /** Attempts per message when SES throttles (first try included). */
  maxAttempts?: number;
  /** For tests: how to wait. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Delay before retry `attempt` (1, 2, …): exponential from 100 ms, capped at 5 s, with full jitter. */
export function backoffDelay(attempt: number, random: number = Math.random()): number {
  return Math.round(Math.min(5000, 100 * 2 ** (attempt - 1)) * (0.5 + random / 2));
}

/**
 * Spaces calls to at most `rate` per second (a slot every 1000/rate ms), so a job never bursts
 * past the account's sending rate. Pure scheduling: returns how long to wait for the next slot.
 */
export function pacer(rate: number) {
  const interval = 1000 / rate;
  let next = 0;
  return (now: number): number => {
    const slot = Math.max(now, next);
    next = slot + interval;
    return slot - now;
  };
}

export function sesMailer(options: SesMailerOptions): Mailer {
  const sleep = options.sleep ?? defaultSleep;
  const maxAttempts = options.maxAttempts ?? 6;
  let pace: Promise<(now: number) => number> | undefined;

  const sendRate = async (): Promise<number> => {
    try {
      const account = await options.client.send(new GetAccountCommand({}));
      const rate = account.SendQuota?.MaxSendRate;
      if (rate && rate > 0) return rate;
    } catch (error) {
      log.warn('messaging: SES GetAccount failed; pacing at the configured rate', {
        error: (error as Error).name,
        rate: options.fallbackRate,
      });
    }
    return options.fallbackRate;
  };

  return {
    async send(email) {
      pace ??= sendRate().then((rate) => pacer(rate));
      const wait = (await pace)(Date.now());
      if (wait > 0) await sleep(wait);
      const command = new SendEmailCommand({
        FromEmailAddress: options.from,
        Destination: { ToAddresses: [email.to] },
        ConfigurationSetName: options.configurationSet,
        EmailTags: email.tags.map((tag) => ({ Name: tag.name, Value: tag.value })),
        Content: {
          Template: {
            TemplateName: email.template,
            TemplateData: JSON.stringify(email.data),
            Headers: email.headers.map((header) => ({ Name: header.name, Value: header.value })),
          },
        },
      });
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await options.client.send(command);
          return result.MessageId ?? '';
        } catch (error) {
          const name = (error as { name?: string }).name ?? '';
          if (PERMANENT.has(name)) throw new PermanentSendError(`${name}: ${(error as Error).message}`);
          if (!THROTTLING.has(name) || attempt >= maxAttempts) throw error;
          const delay = backoffDelay(attempt);
          log.warn('messaging: SES throttled a send; retrying', { attempt, delayMs: delay });
          await sleep(delay);
        }
      }
    },
  };
}
