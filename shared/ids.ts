import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID (time-ordered, 26 characters of Crockford base32): ids sort by creation time, which
 * keeps lists and timelines in order without a separate timestamp key.
 */
export function ulid(now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let random = '';
  for (let i = 0; i < 16; i++) random += CROCKFORD[(bytes[i] ?? 0) % 32];
  return time + random;
}

/** Customer ids carry a prefix so they are recognisable in logs and CSVs. */
export const newCustomerId = (now?: number) => `cus_${ulid(now)}`;
