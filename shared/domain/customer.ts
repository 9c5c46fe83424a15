// The customer profile: zod schemas are the single source of truth for the request bodies, the
// stored fields and the responses (types come from z.infer). Pure: no I/O.
import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { ValidationError } from './errors.js';

const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));

/** `+8613800138000` from `+86 138-0013-8000`, `0086 13800138000`, `(+1) 415 555 0100`. */
export function normalizePhone(raw: string): string | undefined {
  const compact = raw.replace(/[\s().-]/g, '').replace(/^00/, '+');
  return /^\+[1-9]\d{6,14}$/.test(compact) ? compact : undefined;
}

export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function isLanguageTag(value: string): boolean {
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

/** `YYYY-MM-DD`, or `--MM-DD` when the year is not known (ISO 8601). */
export function isBirthDate(value: string): boolean {
  const match = /^(\d{4}|-)-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const year = match[1] === '-' ? 2000 : Number(match[1]); // 2000 is a leap year: --02-29 is valid
  const month = Number(match[2]);
  const day = Number(match[3]);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** `MM-DD` of a birth date (with or without year). */
export const birthMonthDay = (birthDate: string) => birthDate.slice(-5);

export const CONSENT_CHANNELS = ['email', 'sms', 'push'] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];

// Schemas are built on first use (shared/lazy.ts): most functions import this module for its helpers.
const emailSchema = /* @__PURE__ */ lazy(() =>
  z.pipe(z.email().check(z.maxLength(254)), z.transform(normalizeEmail)),
);
const phoneSchema = /* @__PURE__ */ lazy(() =>
  z.pipe(
    z.string().check(
      z.maxLength(32),
      z.refine(
        (value) => normalizePhone(value) !== undefined,
        'must be a phone number with its country code, e.g. +8613800138000',
      ),
    ),
    z.transform((value) => normalizePhone(value) as string),
  ),
);

export const nameSchema = /* @__PURE__ */ lazy(() =>
  z
    .strictObject({
      given: z.optional(text(100)),
      family: z.optional(text(100)),
      /** A single display name, for names that don't split into given and family. */
      display: z.optional(text(200)),
    })
    .check(
      z.refine(
        (name) => Boolean(name.given || name.family || name.display),
        'give at least one of given, family, display',
      ),
    ),
);

export const addressSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    line1: z.optional(text(200)),
    line2: z.optional(text(200)),
    city: z.optional(text(100)),
    region: z.optional(text(100)),
    postalCode: z.optional(text(20)),
    country: z.optional(
      z.string().check(z.regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code, e.g. CN')),
    ),
  }),
);

export const consentInputSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    granted: z.boolean(),
    /** Where the consent was given or withdrawn: `web-signup`, `pos`, `unsubscribe-link` … */
    source: text(64),
    /** When; defaults to the time of the request. */
    at: z.optional(z.iso.datetime({ offset: true })),
  }),
);

export const consentSchema = /* @__PURE__ */ lazy(() =>
  z.object({ granted: z.boolean(), source: z.string(), at: z.string() }),
);
export type Consent = z.infer<typeof consentSchema>;

const tagSchema = /* @__PURE__ */ lazy(() =>
  z
    .string()
    .check(z.regex(/^[\p{L}\p{N}][\p{L}\p{N}_:.-]{0,39}$/u, 'tags are 1–40 letters, digits, _ : . -')),
);

export const GENDERS = ['female', 'male', 'other', 'unspecified'] as const;

/** Profile fields a client may set, as sent on create. */
const profileInputShape = /* @__PURE__ */ lazy(() => ({
  externalId: z.optional(
    z.string().check(z.regex(/^[\w.:@/-]{1,128}$/, '1–128 letters, digits and _ . : @ / -')),
  ),
  name: z.optional(nameSchema),
  gender: z.optional(z.enum(GENDERS)),
  birthDate: z.optional(z.string().check(z.refine(isBirthDate, 'must be YYYY-MM-DD or --MM-DD'))),
  email: z.optional(emailSchema),
  phone: z.optional(phoneSchema),
  address: z.optional(addressSchema),
  language: z.optional(
    z.string().check(z.refine(isLanguageTag, 'must be a BCP 47 language tag, e.g. zh-CN or en')),
  ),
  timeZone: z.optional(
    z.string().check(z.refine(isTimeZone, 'must be an IANA time zone, e.g. Asia/Shanghai')),
  ),
  acquisitionChannel: z.optional(text(64)),
  tags: z.optional(z.array(tagSchema).check(z.maxLength(20))),
  consent: z.optional(
    z.strictObject({
      email: z.optional(consentInputSchema),
      sms: z.optional(consentInputSchema),
      push: z.optional(consentInputSchema),
    }),
  ),
}));

const hasIdentifier = (input: { email?: string; phone?: string; externalId?: string }) =>
  Boolean(input.email || input.phone || input.externalId);

export const createCustomerSchema = /* @__PURE__ */ lazy(() =>
  z
    .strictObject(profileInputShape)
    .check(
      z.refine(hasIdentifier, { message: 'give at least one of email, phone, externalId', path: ['email'] }),
    ),
);
export type CreateCustomerInput = z.infer<typeof createCustomerSchema>;

/**
 * PATCH body: JSON merge patch (RFC 7396) of the profile fields. `null` removes a field; nested
 * objects (name, address, consent) are merged field by field.
 */
export const patchCustomerSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    externalId: z.optional(z.nullable(profileInputShape.externalId.def.innerType)),
    name: z.optional(z.nullable(nameSchema)),
    gender: z.optional(z.nullable(z.enum(GENDERS))),
    birthDate: z.optional(z.nullable(profileInputShape.birthDate.def.innerType)),
    email: z.optional(z.nullable(emailSchema)),
    phone: z.optional(z.nullable(phoneSchema)),
    address: z.optional(z.nullable(addressSchema)),
    language: z.optional(z.nullable(profileInputShape.language.def.innerType)),
    timeZone: z.optional(z.nullable(profileInputShape.timeZone.def.innerType)),
    acquisitionChannel: z.optional(z.nullable(text(64))),
    tags: z.optional(z.nullable(z.array(tagSchema).check(z.maxLength(20)))),
    consent: z.optional(
      z.nullable(
        z.strictObject({
          email: z.optional(z.nullable(consentInputSchema)),
          sms: z.optional(z.nullable(consentInputSchema)),
          push: z.optional(z.nullable(consentInputSchema)),
        }),
      ),
    ),
  }),
);
export type PatchCustomerInput = z.infer<typeof patchCustomerSchema>;

/** The profile fields as stored (consent carries its timestamp). */
export interface ProfileFields {
  externalId?: string;
  name?: { given?: string; family?: string; display?: string };
  gender?: (typeof GENDERS)[number];
  birthDate?: string;
  email?: string;
  phone?: string;
  address?: z.infer<typeof addressSchema>;
  language?: string;
  timeZone?: string;
  acquisitionChannel?: string;
  tags?: string[];
  consent?: Partial<Record<ConsentChannel, Consent>>;
}

export const PROFILE_FIELDS = [
  'externalId',
  'name',
  'gender',
  'birthDate',
  'email',
  'phone',
  'address',
  'language',
  'timeZone',
  'acquisitionChannel',
  'tags',
  'consent',
] as const satisfies ReadonlyArray<keyof ProfileFields>;

export interface CustomerRecord extends ProfileFields {
  id: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

function stampConsent(
  consent:
    Partial<Record<ConsentChannel, { granted: boolean; source: string; at?: string } | null>> | undefined,
  now: string,
  previous: ProfileFields['consent'] = undefined,
): ProfileFields['consent'] {
  if (!consent) return previous;
  const next: NonNullable<ProfileFields['consent']> = { ...previous };
  for (const channel of CONSENT_CHANNELS) {
    const value = consent[channel];
    if (value === null) delete next[channel];
    else if (value) next[channel] = { granted: value.granted, source: value.source, at: value.at ?? now };
  }
  return Object.keys(next).length > 0 ? next : undefined;
}

const dedupe = (tags: string[] | undefined) => (tags && tags.length > 0 ? [...new Set(tags)] : undefined);

/** A new profile from a validated create body. */
export function newProfile(input: CreateCustomerInput, now: string): ProfileFields {
  const { consent, tags, ...rest } = input;
  return withoutUndefined({ ...rest, tags: dedupe(tags), consent: stampConsent(consent, now) });
}

/** Apply a merge patch (RFC 7396) to a profile; the result is re-validated by the caller's rules. */
export function applyPatch(current: ProfileFields, patch: PatchCustomerInput, now: string): ProfileFields {
  const next: Record<string, unknown> = { ...current };
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (field === 'consent') {
      next.consent = value === null ? undefined : stampConsent(value as never, now, current.consent);
    } else if (value === null) {
      delete next[field];
    } else if (field === 'name' || field === 'address') {
      next[field] = { ...(current[field] as object | undefined), ...(value as object) };
    } else if (field === 'tags') {
      next.tags = dedupe(value as string[]);
    } else {
      next[field] = value;
    }
  }
  const result = withoutUndefined(next) as ProfileFields;
  if (!hasIdentifier(result)) {
    throw new ValidationError([
      { field: 'email', message: 'a customer keeps at least one of email, phone, externalId' },
    ]);
  }
  return result;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Whether the customer gave (and did not withdraw) marketing consent on a channel. */
export function hasConsent(profile: ProfileFields, channel: ConsentChannel): boolean {
  return profile.consent?.[channel]?.granted === true;
}

/**
 * How to address the customer in their language: zh-CN writes family name first with no space
 * (王小明); other languages use the given name. Falls back to the display name.
 */
export function salutationName(profile: ProfileFields): string | undefined {
  const { name, language } = profile;
  if (!name) return undefined;
  if (language?.toLowerCase().startsWith('zh') || language?.toLowerCase().startsWith('ja')) {
    // A name in Latin letters keeps its own order and space (亲爱的 John Smith, not SmithJohn).
    if (
      name.given &&
      name.family &&
      !/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(name.family + name.given)
    ) {
      return `${name.given} ${name.family}`;
    }
    const full = `${name.family ?? ''}${name.given ?? ''}`;
    return full || name.display;
  }
  return name.given ?? name.display ?? name.family;
}

/** Output schema of a customer: what any response may show of a profile. */
export const customerViewSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    id: z.string(),
    version: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
    externalId: z.optional(z.string()),
    name: z.optional(
      z.object({
        given: z.optional(z.string()),
        family: z.optional(z.string()),
        display: z.optional(z.string()),
      }),
    ),
    gender: z.optional(z.string()),
    birthDate: z.optional(z.string()),
    email: z.optional(z.string()),
    phone: z.optional(z.string()),
    address: z.optional(addressSchema),
    language: z.optional(z.string()),
    timeZone: z.optional(z.string()),
    acquisitionChannel: z.optional(z.string()),
    tags: z.optional(z.array(z.string())),
    consent: z.optional(z.record(z.string(), consentSchema)),
  }),
);
export type CustomerView = z.infer<typeof customerViewSchema>;
