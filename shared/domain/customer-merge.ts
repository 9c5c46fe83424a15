// Merging a duplicate profile into the surviving one: which profile fields the survivor ends up
// with. Pure: no I/O. (Orders and other timeline items move as they are; the aggregates are
// recomputed from the orders: see `activityFromOrders`.)
import { CONSENT_CHANNELS, PROFILE_FIELDS, type ProfileFields } from './customer.js';
import type { MessagingState } from './messaging/decision.js';

export const UNIQUE_FIELDS = ['email', 'phone', 'externalId'] as const;
export type UniqueField = (typeof UNIQUE_FIELDS)[number];

const MAX_TAGS = 20;

/**
 * The survivor's fields win; a field the survivor lacks is taken from the duplicate, whole (a
 * name or an address is never mixed from two profiles). Tags are united. Consent is decided per
 * channel by the latest decision, so a withdrawal on either profile is never lost.
 */
export function mergeProfiles(survivor: ProfileFields, duplicate: ProfileFields): ProfileFields {
  const merged: Record<string, unknown> = {};
  for (const field of PROFILE_FIELDS) {
    if (field === 'tags' || field === 'consent') continue;
    const value = survivor[field] ?? duplicate[field];
    if (value !== undefined) merged[field] = value;
  }
  const tags = [...new Set([...(survivor.tags ?? []), ...(duplicate.tags ?? [])])].slice(0, MAX_TAGS);
  if (tags.length > 0) merged.tags = tags;
  const consent: NonNullable<ProfileFields['consent']> = {};
  for (const channel of CONSENT_CHANNELS) {
    const [mine, theirs] = [survivor.consent?.[channel], duplicate.consent?.[channel]];
    const latest =
      mine && theirs ? (Date.parse(theirs.at) > Date.parse(mine.at) ? theirs : mine) : (mine ?? theirs);
    if (latest) consent[channel] = latest;
  }
  if (Object.keys(consent).length > 0) merged.consent = consent;
  return merged as ProfileFields;
}

/** Uniqueness claims of the duplicate the survivor takes over (it had no value of its own). */
export function claimsTakenOver(survivor: ProfileFields, duplicate: ProfileFields): UniqueField[] {
  return UNIQUE_FIELDS.filter((field) => survivor[field] === undefined && duplicate[field] !== undefined);
}

const latest = (a: string | undefined, b: string | undefined) =>
  a === undefined ? b : b === undefined ? a : Date.parse(b) > Date.parse(a) ? b : a;

/**
 * What the survivor's messaging state remembers after the merge: the stricter of the two, as one
 * person was messaged under both profiles. The latest marketing send (frequency cap) and win-back
 * (cooldown) of either, and every win-back sent to either (the sunset rule counts them).
 */
export function mergeMessagingStates(survivor: MessagingState, duplicate: MessagingState): MessagingState {
  const lastMarketingAt = latest(survivor.lastMarketingAt, duplicate.lastMarketingAt);
  const lastWinbackAt = latest(survivor.lastWinbackAt, duplicate.lastWinbackAt);
  const winbackSends = [
    ...new Set([...(survivor.winbackSends ?? []), ...(duplicate.winbackSends ?? [])]),
  ].sort((a, b) => Date.parse(a) - Date.parse(b));
  return {
    ...(lastMarketingAt ? { lastMarketingAt } : {}),
    ...(lastWinbackAt ? { lastWinbackAt } : {}),
    winbackSends,
  };
}
