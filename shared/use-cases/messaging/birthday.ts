// The birthday job. Hourly, it greets the customers for whom it is now the greeting hour (09:00
// by default) on their birthday, in their own time zone (the business's when they have none);
// with `asOf` it greets everyone whose birthday falls on that local date. Customers are found
// through the `byBirthday` index (one Query per month-day, never a Scan).
import type { CustomerScores } from '../../domain/customer-scores.js';
import { GoneError, NotFoundError } from '../../domain/errors.js';
import { birthdayTemplateData, type Suggestion } from '../../domain/messaging/content.js';
import {
  birthdayDueAt,
  birthdayMonthDaysOn,
  daysAtLocalHour,
  isBirthdayOn,
} from '../../domain/messaging/schedule.js';
import { suggestionsFor } from '../../domain/recommendations.js';
import { localDay } from '../../domain/time.js';
import { log } from '../../log.js';
import { loadCustomer, type StoredCustomer } from '../../store/customer-repository.js';
import { customersWithBirthday } from '../../store/message-repository.js';
import { loadCoPurchases, productNames } from '../../store/recommendation-repository.js';
import type { Delivery } from './deliver.js';
import type { MessagingDeps } from './deps.js';
import { deliverAll, drainDeferred, type RunSummary } from './runs.js';

/** Up to three products bought by customers who bought what this customer bought. */
export async function suggestionsForCustomer(customer: StoredCustomer): Promise<Suggestion[]> {
  const owned = Array.isArray(customer.skus) ? (customer.skus as string[]) : [];
  if (owned.length === 0) return [];
  const table = await loadCoPurchases(owned.slice(0, 100));
  const skus = suggestionsFor(owned, table, 3);
  if (skus.length === 0) return [];
  const names = await productNames(skus);
  return skus.map((sku) => (names.has(sku) ? { sku, name: names.get(sku) as string } : { sku }));
}

/** The birthday email of a customer for a year. */
export function birthdayDelivery(customer: StoredCustomer, year: string, deps: MessagingDeps): Delivery {
  return {
    campaign: 'birthday',
    period: year,
    customer,
    eligible: true,
    content: async () => {
      const membership = (customer.scores as CustomerScores | undefined)?.membership;
      return birthdayTemplateData({
        profile: customer,
        gift: membership ? deps.settings.birthdayGifts[membership] : undefined,
        suggestions: await suggestionsForCustomer(customer),
      });
    },
  };
}

async function currentProfile(customerId: string): Promise<StoredCustomer | undefined> {
  try {
    return await loadCustomer(customerId, true);
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof GoneError) return undefined;
    throw error;
  }
}

export interface BirthdayRunInput {
  /** Greet everyone whose birthday falls on this local date (`YYYY-MM-DD`), whatever the hour. */
  asOf?: string;
}

export async function runBirthdayJob(
  input: BirthdayRunInput,
  deps: MessagingDeps,
): Promise<RunSummary & { greetingDays: string[] }> {
  const now = deps.clock.now();
  const zoneOf = (customer: StoredCustomer) => customer.timeZone ?? deps.businessTimeZone;
  const days = input.asOf ? [input.asOf] : daysAtLocalHour(now, deps.settings.birthdayHour);
  const monthDays = [...new Set(days.flatMap(birthdayMonthDaysOn))];

  /** The local birthday being celebrated now, or undefined when the customer is not due. */
  const dueDay = (customer: StoredCustomer): string | undefined => {
    if (!customer.birthDate) return undefined;
    if (input.asOf) return isBirthdayOn(customer.birthDate, input.asOf) ? input.asOf : undefined;
    return birthdayDueAt(customer.birthDate, zoneOf(customer), now, deps.settings.birthdayHour)
      ? localDay(now, zoneOf(customer))
      : undefined;
  };

  const summary = await deliverAll(
    customersWithBirthday(monthDays),
    async (candidate) => {
      const day = dueDay(candidate);
      if (!day) return undefined;
      // The index is eventually consistent: decide on the profile as it is now (consent just withdrawn…).
      const customer = await currentProfile(candidate.id);
      return customer ? birthdayDelivery(customer, day.slice(0, 4), deps) : undefined;
    },
    deps,
  );
  const deferred = await drainDeferred('birthday', deps, (customer, send) =>
    birthdayDelivery(customer, send.period, deps),
  );
  log.info('birthday job finished', { ...summary.counts, deferredHandled: deferred.handled, days });
  return { ...summary, deferredHandled: deferred.handled, greetingDays: days };
}
