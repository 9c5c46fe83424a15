// Whether a marketing email goes to a customer now: one pure decision shared by birthday and
// win-back, so consent, suppression, the frequency cap and quiet hours apply the same way to both.
import { capAllows, isQuietAt, quietHoursEnd, unansweredWinbacks } from './schedule.js';
import type { MessagingSettings } from './settings.js';

export const CAMPAIGNS = ['birthday', 'winback'] as const;
export type Campaign = (typeof CAMPAIGNS)[number];

/** Why a customer got no email. Recorded in the message log and counted in the stats. */
export const SKIP_REASONS = [
  'no-email',
  'no-consent',
  'suppressed',
  'not-eligible',
  'sunset',
  'cooldown',
  'capped',
  'already-sent',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** What the messaging state item of a customer remembers across campaigns. */
export interface MessagingState {
  lastMarketingAt?: string;
  lastWinbackAt?: string;
  /** When each win-back was sent (bounded), for the sunset rule. */
  winbackSends?: string[];
}

export type SuppressionReason = 'bounce' | 'complaint' | 'unsubscribe';

/** An address on the suppression list (kept by hash). */
export interface Suppression {
  reasons: readonly SuppressionReason[];
  /** The latest one-click unsubscribe of the address. */
  unsubscribedAt?: string;
}

/**
 * Whether the suppression list stops email to an address. Bounces and complaints stop it for
 * good. An unsubscribe stops it until the customer opts in again: email consent given after the
 * unsubscribe (a consent dated before it, e.g. from a stale import, does not lift it).
 */
export function isSuppressed(
  suppression: Suppression | undefined,
  consentGivenAt: string | undefined,
): boolean {
  if (!suppression) return false;
  if (suppression.reasons.some((reason) => reason !== 'unsubscribe')) return true;
  return (
    !consentGivenAt ||
    !suppression.unsubscribedAt ||
    Date.parse(consentGivenAt) <= Date.parse(suppression.unsubscribedAt)
  );
}

export interface DecisionInput {
  campaign: Campaign;
  now: Date;
  /** The customer's time zone, or the business's when they have none. */
  timeZone: string;
  hasEmail: boolean;
  emailConsent: boolean;
  suppressed: boolean;
  /** Win-back: whether the customer is still at risk or churned. */
  eligible: boolean;
  state: MessagingState;
  lastOrderAt?: string;
  settings: Pick<
    MessagingSettings,
    'quietHours' | 'frequencyCapDays' | 'winbackCooldownDays' | 'winbackSunsetAfter'
  >;
}

export type Decision =
  | { action: 'send' }
  | { action: 'skip'; reason: SkipReason }
  | { action: 'defer'; reason: 'quiet-hours'; until: Date };

export function decide(input: DecisionInput): Decision {
  const { settings, state, now } = input;
  const skip = (reason: SkipReason): Decision => ({ action: 'skip', reason });
  if (!input.hasEmail) return skip('no-email');
  if (!input.emailConsent) return skip('no-consent');
  if (input.suppressed) return skip('suppressed');
  if (input.campaign === 'winback') {
    if (!input.eligible) return skip('not-eligible');
    if (unansweredWinbacks(state.winbackSends ?? [], input.lastOrderAt) >= settings.winbackSunsetAfter) {
      return skip('sunset');
    }
    if (!capAllows(state.lastWinbackAt, now, settings.winbackCooldownDays)) return skip('cooldown');
  }
  if (!capAllows(state.lastMarketingAt, now, settings.frequencyCapDays)) return skip('capped');
  if (isQuietAt(now, input.timeZone, settings.quietHours)) {
    return {
      action: 'defer',
      reason: 'quiet-hours',
      until: quietHoursEnd(now, input.timeZone, settings.quietHours),
    };
  }
  return { action: 'send' };
}
