// Win-back: a `customer.lifecycle.changed` event into `at_risk` or `churned` (from the nightly
// analytics) sends one win-back email with the offer of the customer's value tier, within the
// cooldown, cap, quiet hours and sunset rules. The hourly job brings back deferred win-backs and
// attributes orders placed within the attribution window after a win-back to it.
import * as z from 'zod/mini';
import { lazy } from '../../lazy.js';
import type { CustomerScores } from '../../domain/customer-scores.js';
import { GoneError, NotFoundError } from '../../domain/errors.js';
import { winbackTemplateData } from '../../domain/messaging/content.js';
import { log } from '../../log.js';
import { loadCustomer, type StoredCustomer } from '../../store/customer-repository.js';
import {
  closeOpenWinback,
  closeOpenWinbackItem,
  firstOrderBetween,
  openWinbacks,
  recordAfterMessage,
} from '../../store/message-repository.js';
import { type Delivery, type DeliveryOutcome, deliver } from './deliver.js';
import type { MessagingDeps } from './deps.js';
import { drainDeferred } from './runs.js';

export const WINBACK_STAGES = ['at_risk', 'churned'] as const;

/** Detail of `customer.lifecycle.changed` (published by the nightly analytics). */
export const lifecycleChangedSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    customerId: z.string().check(z.minLength(1)),
    from: z.optional(z.nullable(z.string())),
    to: z.string(),
    asOf: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/)),
    runId: z.optional(z.string()),
  }),
);
export type LifecycleChanged = z.infer<typeof lifecycleChangedSchema>;

/**
 * Whether the customer is still one to win back. The event says so as of its date; scores
 * written by a later run (the customer ordered again since) overrule it.
 */
function stillSlipping(customer: StoredCustomer, asOf: string): boolean {
  const scores = customer.scores as CustomerScores | undefined;
  if (!scores?.lifecycle || scores.asOf < asOf) return true;
  return (WINBACK_STAGES as readonly string[]).includes(scores.lifecycle.stage);
}

/** The win-back email of a customer for the lifecycle change of `asOf`. */
export function winbackDelivery(customer: StoredCustomer, asOf: string, deps: MessagingDeps): Delivery {
  const tier = (customer.scores as CustomerScores | undefined)?.tier ?? 'low';
  return {
    campaign: 'winback',
    period: asOf,
    customer,
    eligible: stillSlipping(customer, asOf),
    context: { asOf },
    content: async () =>
      winbackTemplateData({
        profile: customer,
        offer: deps.settings.winbackOffers[tier] ?? deps.settings.winbackOffers.low,
      }),
  };
}

export type LifecycleOutcome = DeliveryOutcome | { outcome: 'ignored'; why: string };

export async function handleLifecycleChange(detail: unknown, deps: MessagingDeps): Promise<LifecycleOutcome> {
  const parsed = lifecycleChangedSchema.safeParse(detail);
  if (!parsed.success) return { outcome: 'ignored', why: 'malformed event' };
  const change = parsed.data;
  if (!(WINBACK_STAGES as readonly string[]).includes(change.to))
    return { outcome: 'ignored', why: `stage ${change.to}` };
  let customer: StoredCustomer;
  try {
    customer = await loadCustomer(change.customerId, true);
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof GoneError)
      return { outcome: 'ignored', why: 'no such customer' };
    throw error;
  }
  return deliver(winbackDelivery(customer, change.asOf, deps), deps);
}

const DAY = 86_400_000;

/**
 * Attribute orders to win-backs: for each win-back still in its window, the first order the
 * customer placed after it (from their timeline) converts it, once; a win-back whose window has
 * passed without an order is closed.
 */
export async function attributeConversions(
  deps: MessagingDeps,
): Promise<{ converted: number; closed: number; open: number }> {
  const now = deps.clock.now();
  const windowDays = Math.ceil(deps.settings.attributionWindowDays) + 2;
  const days = Array.from({ length: windowDays + 1 }, (_, index) =>
    new Date(now.getTime() - index * DAY).toISOString().slice(0, 10),
  );
  const open = await openWinbacks(days);
  let converted = 0;
  let closed = 0;
  for (const item of open) {
    const end = [item.until, now.toISOString()].sort()[0] as string; // the earlier of the two
    if (end <= item.sentAt) continue; // sent after this run's instant: nothing to look at yet
    const order = await firstOrderBetween(item.customerId, item.sentAt, end);
    if (order) {
      const recorded = await recordAfterMessage({
        ref: { customerId: item.customerId, campaign: 'winback', period: item.period },
        counter: 'converted',
        at: order.at,
        also: { convertedOrderId: order.orderId },
        log: {
          campaign: 'winback',
          period: item.period,
          decision: 'converted',
          reason: `order ${order.orderId}`,
        },
        with: [closeOpenWinbackItem(item)],
      });
      if (recorded) converted++;
      else await closeOpenWinback(item);
    } else if (item.until <= now.toISOString()) {
      await closeOpenWinback(item);
      closed++;
    }
  }
  return { converted, closed, open: open.length - converted - closed };
}

/** The hourly win-back job: deferred win-backs that are due, then attribution. */
export async function runWinbackJob(deps: MessagingDeps) {
  const deferred = await drainDeferred('winback', deps, (customer, send) =>
    winbackDelivery(customer, send.context?.asOf ?? send.period, deps),
  );
  const attribution = await attributeConversions(deps);
  log.info('win-back job finished', {
    deferredHandled: deferred.handled,
    ...deferred.counts,
    ...attribution,
  });
  return { deferredHandled: deferred.handled, deferred: deferred.counts, attribution };
}
