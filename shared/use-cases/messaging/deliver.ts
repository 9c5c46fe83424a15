// One marketing email to one customer, whatever the campaign: the ledger says whether it was
// decided already, the pure decision applies consent, suppression, cap and quiet hours, a claim
// (ledger entry + the customer's marketing slot, one transaction) comes before the send, and the
// outcome is recorded after. A crash between claim and outcome leaves a reminder that brings the
// claim back after the grace period; it is then resolved from SES's own record of the send (see
// docs/messaging.md), so the customer gets one email, not two.
import { hasConsent } from '../../domain/customer.js';
import {
  type TemplateData,
  templateLanguage,
  templateName,
  unsubscribeHeaders,
  unsubscribeUrl,
  unsubscribeVariables,
} from '../../domain/messaging/content.js';
import { type Campaign, decide, isSuppressed, type SkipReason } from '../../domain/messaging/decision.js';
import { capAllows, windowStart } from '../../domain/messaging/schedule.js';
import { LEDGER_TAG, type LedgerRef, ledgerTagValue } from '../../domain/messaging/ses-events.js';
import { signUnsubscribeToken, suppressionHash } from '../../domain/messaging/unsubscribe-token.js';
import { localDay } from '../../domain/time.js';
import { log } from '../../log.js';
import { PermanentSendError } from '../../messaging/mailer.js';
import type { StoredCustomer } from '../../store/customer-repository.js';
import {
  claimSend,
  findSuppression,
  getLedger,
  getMessagingState,
  type LedgerEntry,
  logDecision,
  reclaimSend,
  recordDeferral,
  recordOutcome,
  recordSkip,
} from '../../store/message-repository.js';
import type { MessagingDeps } from './deps.js';

export interface Delivery {
  campaign: Campaign;
  /** `2026` for a birthday, the lifecycle change's as-of date for a win-back. */
  period: string;
  customer: StoredCustomer;
  /** Whether the campaign still applies (win-back: still at risk or churned). */
  eligible: boolean;
  /** Kept with a deferral and given back when it is retried. */
  context?: Record<string, string>;
  /** The campaign's own variables (gift, suggestions, offer). */
  content: () => Promise<TemplateData>;
}

export type DeliveryOutcome =
  | { outcome: 'sent'; recovered?: boolean }
  | { outcome: 'skipped'; reason: SkipReason }
  | { outcome: 'deferred'; until: string }
  /** Decided by an earlier run (skipped or failed then): nothing more to do. */
  | { outcome: 'decided-before' }
  /** Another run holds the claim; its reminder brings it back if that run died. */
  | { outcome: 'in-progress' }
  | { outcome: 'failed' }
  /** The customer was erased meanwhile. */
  | { outcome: 'gone' };

const MINUTE = 60_000;

/** `YYYY-MM` of an instant in the business's time zone: the stats bucket. */
const monthOf = (now: Date, deps: MessagingDeps) => localDay(now, deps.businessTimeZone).slice(0, 7);

export async function deliver(delivery: Delivery, deps: MessagingDeps): Promise<DeliveryOutcome> {
  const { customer, campaign, period } = delivery;
  const now = deps.clock.now();
  const at = now.toISOString();
  const ref: LedgerRef = { customerId: customer.id, campaign, period };
  const month = monthOf(now, deps);

  const existing = await getLedger(ref);
  if (existing) return resumeDecided(existing, delivery, deps);

  const addressHash = customer.email ? suppressionHash(customer.email, deps.secret) : undefined;
  const [suppression, state] = await Promise.all([
    addressHash ? findSuppression(addressHash) : Promise.resolve(undefined),
    getMessagingState(customer.id),
  ]);
  const decision = decide({
    campaign,
    now,
    timeZone: customer.timeZone ?? deps.businessTimeZone,
    hasEmail: Boolean(customer.email),
    emailConsent: hasConsent(customer, 'email'),
    suppressed: isSuppressed(suppression, customer.consent?.email?.at),
    eligible: delivery.eligible,
    state,
    lastOrderAt: typeof customer.lastOrderAt === 'string' ? customer.lastOrderAt : undefined,
    settings: deps.settings,
  });

  if (decision.action === 'skip') return skip(ref, at, month, decision.reason, delivery, deps);
  if (decision.action === 'defer') {
    const until = decision.until.toISOString();
    const deferred = await recordDeferral(
      {
        ...ref,
        dueAt: until,
        reason: decision.reason,
        ...(delivery.context ? { context: delivery.context } : {}),
      },
      at,
      month,
    );
    return deferred === 'gone' ? { outcome: 'gone' } : { outcome: 'deferred', until };
  }

  const template = templateName(campaign, templateLanguage(customer.language));
  const claim = await claimSend({
    ref,
    at,
    month,
    template,
    capStart: windowStart(now, deps.settings.frequencyCapDays),
    ...(campaign === 'winback' ? { cooldownStart: windowStart(now, deps.settings.winbackCooldownDays) } : {}),
    resolveAt: new Date(now.getTime() + deps.settings.claimGraceMinutes * MINUTE).toISOString(),
  });
  if (claim === 'gone') return { outcome: 'gone' };
  if (claim === 'exists') {
    const entry = await getLedger(ref);
    return entry ? resumeDecided(entry, delivery, deps) : { outcome: 'gone' };
  }
  if (claim === 'capped') {
    // Another campaign took the customer's slot between our read and our claim.
    const fresh = await getMessagingState(customer.id);
    const reason: SkipReason =
      campaign === 'winback' && !capAllows(fresh.lastWinbackAt, now, deps.settings.winbackCooldownDays)
        ? 'cooldown'
        : 'capped';
    return skip(ref, at, month, reason, delivery, deps);
  }
  return send(claim.claimed, delivery, deps, addressHash as string);
}

async function skip(
  ref: LedgerRef,
  at: string,
  month: string,
  reason: SkipReason,
  delivery: Delivery,
  deps: MessagingDeps,
): Promise<DeliveryOutcome> {
  const recorded = await recordSkip({ ref, at, month, reason });
  if (recorded === 'gone') return { outcome: 'gone' };
  if (recorded === 'exists') {
    const entry = await getLedger(ref);
    return entry ? resumeDecided(entry, delivery, deps) : { outcome: 'gone' };
  }
  return { outcome: 'skipped', reason };
}

/** Send a claimed message and record the outcome. */
async function send(
  entry: LedgerEntry,
  delivery: Delivery,
  deps: MessagingDeps,
  addressHash: string,
): Promise<DeliveryOutcome> {
  const { customer } = delivery;
  const language = templateLanguage(customer.language);
  const token = signUnsubscribeToken(
    { c: customer.id, h: addressHash, m: [entry.campaign, entry.period], l: language },
    deps.secret,
  );
  const url = unsubscribeUrl(deps.publicBaseUrl, token);
  const data = { ...(await delivery.content()), ...unsubscribeVariables(url) };
  let outcome: Parameters<typeof recordOutcome>[0]['outcome'];
  try {
    const sesMessageId = await deps.mailer.send({
      to: customer.email as string,
      template: entry.template ?? templateName(entry.campaign, language),
      data,
      headers: unsubscribeHeaders(url),
      tags: [
        { name: 'campaign', value: entry.campaign },
        { name: LEDGER_TAG, value: ledgerTagValue(entry) },
      ],
    });
    outcome = { state: 'sent', sesMessageId };
  } catch (error) {
    if (!(error instanceof PermanentSendError)) throw error; // the claim stays; its reminder resolves it
    log.warn('messaging: SES refused a message', {
      customerId: customer.id,
      campaign: entry.campaign,
      error: error.message,
    });
    outcome = { state: 'failed', error: error.message.slice(0, 200) };
  }
  const now = deps.clock.now();
  await recordOutcome({
    entry,
    at: now.toISOString(),
    outcome,
    ...(entry.campaign === 'winback'
      ? {
          attributionUntil: new Date(
            now.getTime() + deps.settings.attributionWindowDays * 86_400_000,
          ).toISOString(),
        }
      : {}),
  });
  return outcome.state === 'sent' ? { outcome: 'sent' } : { outcome: 'failed' };
}

/**
 * The ledger already has this message. Sent: a repeat (logged as such). Skipped or failed: the
 * earlier decision stands. Claimed: another run is sending it, or crashed doing so; after the
 * grace period the claim is resolved: SES recorded accepting it → it was sent; otherwise it never
 * reached SES → send it now (consent and suppression checked again).
 */
async function resumeDecided(
  entry: LedgerEntry,
  delivery: Delivery,
  deps: MessagingDeps,
): Promise<DeliveryOutcome> {
  const now = deps.clock.now();
  const at = now.toISOString();
  if (entry.state === 'sent') {
    await logDecision(
      entry.customerId,
      at,
      { campaign: entry.campaign, period: entry.period, decision: 'skipped', reason: 'already-sent' },
      { month: monthOf(now, deps), counter: 'skip_already_sent' },
    );
    return { outcome: 'skipped', reason: 'already-sent' };
  }
  if (entry.state !== 'claimed') return { outcome: 'decided-before' };

  const claimedAt = Date.parse(entry.claimedAt ?? at);
  if (now.getTime() - claimedAt < deps.settings.claimGraceMinutes * MINUTE) return { outcome: 'in-progress' };
  if (entry.sesAcceptedAt) {
    await recordOutcome({
      entry,
      at,
      outcome: { state: 'sent', sesMessageId: entry.sesAcceptedId ?? '', recovered: true },
      ...(entry.campaign === 'winback'
        ? {
            attributionUntil: new Date(
              Date.parse(entry.sesAcceptedAt) + deps.settings.attributionWindowDays * 86_400_000,
            ).toISOString(),
          }
        : {}),
    });
    return { outcome: 'sent', recovered: true };
  }
  const reclaimed = await reclaimSend(
    entry,
    at,
    new Date(now.getTime() + deps.settings.claimGraceMinutes * MINUTE).toISOString(),
  );
  if (!reclaimed) return { outcome: 'in-progress' };
  const { customer } = delivery;
  const addressHash = customer.email ? suppressionHash(customer.email, deps.secret) : undefined;
  const withdrawn: SkipReason | undefined = !customer.email
    ? 'no-email'
    : !hasConsent(customer, 'email')
      ? 'no-consent'
      : isSuppressed(await findSuppression(addressHash as string), customer.consent?.email?.at)
        ? 'suppressed'
        : undefined;
  if (withdrawn) {
    await recordOutcome({ entry: reclaimed, at, outcome: { state: 'skipped', reason: withdrawn } });
    return { outcome: 'skipped', reason: withdrawn };
  }
  log.info('messaging: resending a claim that never reached SES', {
    customerId: customer.id,
    campaign: entry.campaign,
    attempts: reclaimed.attempts,
  });
  return send(reclaimed, delivery, deps, addressHash as string);
}
