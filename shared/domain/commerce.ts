// Money: currencies, the business currency, exchange rates and rounding. Pure: no I/O.
//
// Every order keeps its original amount and currency and its value in the business currency
// (amount × the configured rate, rounded to the business currency's minor unit). Aggregates are
// sums of those values. To keep sums free of binary floating-point drift, pure code adds money as
// integers of minor units (cents) and DynamoDB adds decimal numbers exactly, so 0.1 + 0.2 is 0.3
// in both places.
import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { ValidationError } from './errors.js';

/**
 * Active ISO 4217 codes (2025 list; XTS and XXX, the testing and "no currency" codes, left out).
 * A fixed list rather than `Intl.supportedValuesOf('currency')`, which changes with the ICU build.
 */
export const ISO_4217_CODES: ReadonlySet<string> = new Set(
  (
    'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
    'CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP ' +
    'GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR ' +
    'KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN ' +
    'MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD ' +
    'SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX ' +
    'USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF ' +
    'XPT XSU XUA YER ZAR ZMW ZWG'
  ).split(' '),
);

export const currencyCodeSchema = /* @__PURE__ */ lazy(() =>
  z.string().check(z.regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code in capitals, e.g. USD')),
);

const digitsByCurrency = new Map<string, number>();

/** Decimal places of a currency's minor unit (USD 2, JPY 0, KWD 3). */
export function minorDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    try {
      digits =
        new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
          .maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

/** Amount in integer minor units (19.99 USD → 1999). */
export function toMinor(amount: number, digits: number): number {
  return Math.round(amount * 10 ** digits);
}

export function fromMinor(minor: number, digits: number): number {
  // Dividing an integer by a power of ten gives the double nearest the decimal, as DynamoDB reads it.
  return minor / 10 ** digits;
}

/** Whether the amount has no more decimals than the currency's minor unit allows. */
export function fitsMinorUnit(amount: number, digits: number): boolean {
  const scaled = amount * 10 ** digits;
  return Math.abs(scaled - Math.round(scaled)) < 1e-6;
}

/** Sum of money values without floating-point drift. */
export function sumMoney(values: Iterable<number>, digits: number): number {
  let minor = 0;
  for (const value of values) minor += toMinor(value, digits);
  return fromMinor(minor, digits);
}

export const commerceSettingsSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    /** The business currency: aggregates, analytics and thresholds are in it. */
    currency: z
      .string()
      .check(z.refine((code) => ISO_4217_CODES.has(code), 'must be an ISO 4217 code, e.g. USD')),
    /** Fixed rates: 1 unit of the key currency = rate units of the business currency. */
    exchangeRates: z.record(
      z.string().check(z.refine((code) => ISO_4217_CODES.has(code), 'must be an ISO 4217 code')),
      z.number().check(z.positive('must be a rate > 0')),
    ),
    /** How far in the future an order time may lie (client clocks run fast), in seconds. */
    futureToleranceSeconds: z.int().check(z.gte(0, 'must be ≥ 0')),
    /** Distinct SKUs kept per customer (for co-purchase recommendations); later ones are dropped. */
    maxSkusPerCustomer: z.int().check(z.gte(0, 'must be ≥ 0')),
  }),
);

export type CommerceSettings = z.infer<typeof commerceSettingsSchema>;

export const DEFAULT_COMMERCE: CommerceSettings = {
  currency: 'USD',
  exchangeRates: {},
  futureToleranceSeconds: 300,
  maxSkusPerCustomer: 100,
};

/** The rate from `currency` to the business currency, or a ValidationError naming `field`. */
export function exchangeRate(currency: string, settings: CommerceSettings, field = 'currency'): number {
  if (!ISO_4217_CODES.has(currency)) {
    throw new ValidationError([{ field, message: `${currency} is not an ISO 4217 currency code` }]);
  }
  if (currency === settings.currency) return 1;
  const rate = settings.exchangeRates[currency];
  if (rate === undefined) {
    throw new ValidationError([
      {
        field,
        message: `no exchange rate configured from ${currency} to the business currency ${settings.currency}`,
      },
    ]);
  }
  return rate;
}

/** An amount in the business currency, rounded to its minor unit. */
export function toBusinessValue(amount: number, rate: number, settings: CommerceSettings): number {
  const digits = minorDigits(settings.currency);
  return fromMinor(toMinor(amount * rate, digits), digits);
}
