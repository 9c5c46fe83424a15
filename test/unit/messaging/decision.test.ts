import { describe, expect, it } from 'vitest';
import { type DecisionInput, decide, isSuppressed } from '../../../shared/domain/messaging/decision.js';
import { DEFAULT_MESSAGING_SETTINGS } from '../../../shared/domain/messaging/settings.js';

// 14 March 2026, 12:00 in Shanghai: outside the default quiet hours (21:00–08:00).
const NOON_SHANGHAI = new Date('2026-03-14T04:00:00Z');

const input = (overrides: Partial<DecisionInput> = {}): DecisionInput => ({
  campaign: 'birthday',
  now: NOON_SHANGHAI,
  timeZone: 'Asia/Shanghai',
  hasEmail: true,
  emailConsent: true,
  suppressed: false,
  eligible: true,
  state: {},
  settings: DEFAULT_MESSAGING_SETTINGS,
  ...overrides,
});

const daysBefore = (days: number) => new Date(NOON_SHANGHAI.getTime() - days * 86_400_000).toISOString();

describe('whether a marketing email goes out', () => {
  it('sends to a consenting, unsuppressed, uncapped customer at noon', () => {
    expect(decide(input())).toEqual({ action: 'send' });
    expect(decide(input({ campaign: 'winback' }))).toEqual({ action: 'send' });
  });

  it.each<[string, Partial<DecisionInput>, string]>([
    ['no address', { hasEmail: false }, 'no-email'],
    ['no consent (or withdrawn)', { emailConsent: false }, 'no-consent'],
    ['a suppressed address', { suppressed: true }, 'suppressed'],
    ['a marketing email 3 days ago (cap 7)', { state: { lastMarketingAt: daysBefore(3) } }, 'capped'],
  ])('skips %s, for both campaigns', (_what, overrides, reason) => {
    expect(decide(input(overrides))).toEqual({ action: 'skip', reason });
    expect(decide(input({ ...overrides, campaign: 'winback' }))).toEqual({ action: 'skip', reason });
  });

  it('lets a marketing email 8 days ago pass the 7-day cap', () => {
    expect(decide(input({ state: { lastMarketingAt: daysBefore(8) } }))).toEqual({ action: 'send' });
  });

  it('applies the cooldown, the sunset and eligibility to win-backs only', () => {
    const cooling = { state: { lastWinbackAt: daysBefore(60), lastMarketingAt: daysBefore(60) } };
    expect(decide(input({ ...cooling, campaign: 'winback' }))).toEqual({
      action: 'skip',
      reason: 'cooldown',
    });
    expect(decide(input(cooling))).toEqual({ action: 'send' });
    expect(
      decide(input({ ...cooling, campaign: 'winback', state: { lastWinbackAt: daysBefore(91) } })),
    ).toEqual({ action: 'send' });

    const threeUnanswered = {
      winbackSends: [daysBefore(400), daysBefore(300), daysBefore(200)],
      lastWinbackAt: daysBefore(200),
    };
    expect(decide(input({ campaign: 'winback', state: threeUnanswered }))).toEqual({
      action: 'skip',
      reason: 'sunset',
    });
    // An order after the second win-back answered the first two: one unanswered, go on.
    expect(
      decide(input({ campaign: 'winback', state: threeUnanswered, lastOrderAt: daysBefore(250) })),
    ).toEqual({ action: 'send' });
    expect(decide(input({ campaign: 'winback', eligible: false }))).toEqual({
      action: 'skip',
      reason: 'not-eligible',
    });
  });

  it("defers a send in the quiet hours to their end, in the customer's time zone", () => {
    const lateInShanghai = new Date('2026-03-14T15:30:00Z'); // 23:30 in Shanghai, 08:30 in Los Angeles
    expect(decide(input({ now: lateInShanghai }))).toEqual({
      action: 'defer',
      reason: 'quiet-hours',
      until: new Date('2026-03-15T00:00:00Z'), // 08:00 in Shanghai
    });
    expect(decide(input({ now: lateInShanghai, timeZone: 'America/Los_Angeles' }))).toEqual({
      action: 'send',
    });
    expect(
      decide(input({ now: lateInShanghai, settings: { ...DEFAULT_MESSAGING_SETTINGS, quietHours: null } })),
    ).toEqual({
      action: 'send',
    });
  });

  it('skips for consent before considering quiet hours (a skip is final, a deferral is not)', () => {
    expect(decide(input({ now: new Date('2026-03-14T15:30:00Z'), emailConsent: false }))).toEqual({
      action: 'skip',
      reason: 'no-consent',
    });
  });
});

describe('the suppression list', () => {
  const unsubscribedAt = '2026-03-01T00:00:00.000Z';

  it('stops email for good after a bounce or a complaint, whatever the consent', () => {
    expect(isSuppressed({ reasons: ['bounce'] }, '2026-04-01T00:00:00Z')).toBe(true);
    expect(
      isSuppressed({ reasons: ['complaint', 'unsubscribe'], unsubscribedAt }, '2026-04-01T00:00:00Z'),
    ).toBe(true);
  });

  it('stops email after an unsubscribe until the customer opts in again', () => {
    expect(isSuppressed({ reasons: ['unsubscribe'], unsubscribedAt }, undefined)).toBe(true);
    expect(isSuppressed({ reasons: ['unsubscribe'], unsubscribedAt }, '2026-02-01T00:00:00Z')).toBe(true); // consent older
    expect(isSuppressed({ reasons: ['unsubscribe'], unsubscribedAt }, unsubscribedAt)).toBe(true);
    expect(isSuppressed({ reasons: ['unsubscribe'], unsubscribedAt }, '2026-03-01T00:00:01Z')).toBe(false); // opted in after
  });

  it('lets an address that is not on the list through', () => {
    expect(isSuppressed(undefined, undefined)).toBe(false);
  });
});
