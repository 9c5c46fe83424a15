// What customers and mailbox providers tell us after a message: one-click unsubscribes, SES
// bounces and complaints (suppression), SES's acceptance of a send (crash recovery), and the
// per-campaign statistics built from all of it.

import { applyPatch, hasConsent } from '../../domain/customer.js';
import { GoneError, NotFoundError, PreconditionFailedError, ValidationError } from '../../domain/errors.js';
import { CAMPAIGNS, type Campaign } from '../../domain/messaging/decision.js';
import {
  interpretSesEvent,
  type LedgerRef,
  type SesFeedback,
  sesEventDetailSchema,
} from '../../domain/messaging/ses-events.js';
import { type MessageStats, messageStats, monthsBetween } from '../../domain/messaging/stats.js';
import {
  suppressionHash,
  type UnsubscribeClaims,
  verifyUnsubscribeToken,
} from '../../domain/messaging/unsubscribe-token.js';
import { localDay } from '../../domain/time.js';
import { log } from '../../log.js';
import { loadCustomer, updateCustomerProfile } from '../../store/customer-repository.js';
import { mergedInto } from '../../store/merge-repository.js';
import {
  getLedger,
  loadStats,
  markAcceptedBySes,
  recordAfterMessage,
  suppress,
} from '../../store/message-repository.js';
import type { Clock } from '../customer-profiles.js';

export interface FeedbackDeps {
  secret: string;
  clock: Clock;
  businessTimeZone: string;
}

/** The claims of a genuine unsubscribe token, or a 400 naming the token. */
export function readUnsubscribeToken(token: string, secret: string): UnsubscribeClaims {
  const claims = verifyUnsubscribeToken(token, secret);
  if (!claims) {
    throw new ValidationError([
      { field: 'query.token', message: 'is not a valid unsubscribe token (forged, altered or cut short)' },
    ]);
  }
  return claims;
}

/**
 * One-click unsubscribe (RFC 8058): the address goes on the suppression list, the customer's
 * email consent is withdrawn (`source: unsubscribe-link`) and the message's campaign counts the
 * unsubscribe once. Idempotent: repeating it changes nothing more. An erased customer's address
 * is still suppressed (by hash).
 */
export async function unsubscribe(token: string, deps: FeedbackDeps): Promise<UnsubscribeClaims> {
  const claims = readUnsubscribeToken(token, deps.secret);
  const at = deps.clock.now().toISOString();
  const [campaign, period] = claims.m;
  await suppress(claims.h, 'unsubscribe', at);
  await withdrawEmailConsent(claims.c, at);
  const ref = await ledgerOf({ customerId: claims.c, campaign, period });
  if (!ref) return claims;
  await recordAfterMessage({
    ref,
    counter: 'unsubscribed',
    at,
    log: { campaign, period, decision: 'unsubscribed' },
  });
  return claims;
}

/** Merges chained one into another that a message's customer id is followed through. */
const MAX_MERGE_HOPS = 5;

/**
 * The ledger entry a message's feedback belongs to. A message sent before its customer was merged
 * into another names the duplicate, whose ledger moved to the survivor (merge-repository.ts): the
 * redirect is followed. The survivor's entry for that period is the same message only if SES's
 * message id agrees (the survivor's own entry stands when both were messaged); else, or when the
 * customer was erased, there is no entry to stamp.
 */
async function ledgerOf(ref: LedgerRef, sesMessageId?: string): Promise<LedgerRef | undefined> {
  let current = ref;
  for (let hop = 0; hop <= MAX_MERGE_HOPS; hop++) {
    const entry = await getLedger(current);
    if (entry) {
      const sameMessage =
        hop === 0 || !sesMessageId || !entry.sesMessageId || entry.sesMessageId === sesMessageId;
      return sameMessage ? current : undefined;
    }
    const survivor = await mergedInto(current.customerId);
    if (!survivor) return undefined;
    current = { ...current, customerId: survivor };
  }
  return undefined;
}

/**
 * Withdraw email consent through the profile's own versioned update (retried on a concurrent
 * change). A customer merged since the message was sent withdraws on the surviving profile.
 */
async function withdrawEmailConsent(messagedId: string, at: string): Promise<void> {
  let customerId = messagedId;
  for (let attempt = 0; attempt < 5 + MAX_MERGE_HOPS; attempt++) {
    let current: Awaited<ReturnType<typeof loadCustomer>>;
    try {
      current = await loadCustomer(customerId, true);
    } catch (error) {
      if (error instanceof GoneError && error.redirectTo) {
        customerId = error.redirectTo;
        continue;
      }
      if (error instanceof NotFoundError || error instanceof GoneError) return;
      throw error;
    }
    if (!hasConsent(current, 'email')) return;
    const next = applyPatch(
      current,
      { consent: { email: { granted: false, source: 'unsubscribe-link', at } } },
      at,
    );
    try {
      await updateCustomerProfile(current, next, current.version, at);
      return;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
  throw new Error('unsubscribe: the profile kept changing; retry');
}

/**
 * An SES event from the default bus. Permanent bounces and complaints suppress the address (by
 * hash: it survives the customer's erasure) and count against the message's campaign; a Send
 * event records that SES accepted the message.
 */
export async function handleSesEvent(
  detail: unknown,
  deps: FeedbackDeps,
): Promise<SesFeedback | { kind: 'malformed' }> {
  const parsed = sesEventDetailSchema.safeParse(detail);
  if (!parsed.success) {
    log.warn('messaging: an SES event of an unknown shape was ignored');
    return { kind: 'malformed' };
  }
  const feedback = interpretSesEvent(parsed.data);
  const at = deps.clock.now().toISOString();
  const ledger =
    feedback.kind === 'ignored' || !feedback.ledger
      ? undefined
      : await ledgerOf(feedback.ledger, feedback.sesMessageId);
  if (feedback.kind === 'accepted') {
    if (ledger) await markAcceptedBySes(ledger, feedback.sesMessageId, at);
  } else if (feedback.kind === 'bounce' || feedback.kind === 'complaint') {
    for (const address of feedback.addresses)
      await suppress(suppressionHash(address, deps.secret), feedback.kind, at);
    if (ledger) {
      await recordAfterMessage({
        ref: ledger,
        counter: feedback.kind === 'bounce' ? 'bounced' : 'complained',
        at,
      });
    }
    log.info('messaging: addresses suppressed', {
      kind: feedback.kind,
      count: feedback.addresses.length,
      customerId: feedback.ledger?.customerId,
    });
  }
  return feedback;
}

const MAX_MONTHS = 36;

/** Counters per campaign for the months `from`..`to` (default: the last 12 business-local months). */
export async function loadMessageStats(
  query: { from?: string; to?: string },
  deps: Pick<FeedbackDeps, 'clock' | 'businessTimeZone'>,
): Promise<MessageStats> {
  const to = query.to ?? localDay(deps.clock.now(), deps.businessTimeZone).slice(0, 7);
  const from = query.from ?? shiftMonth(to, -11);
  if (from > to) throw new ValidationError([{ field: 'query.from', message: 'must not be after `to`' }]);
  if (monthsBetween(from, to).length > MAX_MONTHS) {
    throw new ValidationError([{ field: 'query.from', message: `at most ${MAX_MONTHS} months at once` }]);
  }
  return messageStats(await loadStats(CAMPAIGNS as readonly Campaign[], from, to), from, to);
}

function shiftMonth(month: string, by: number): string {
  const [year, number] = month.split('-').map(Number) as [number, number];
  const index = year * 12 + (number - 1) + by;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}
