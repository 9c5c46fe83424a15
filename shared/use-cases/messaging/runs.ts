// Running many deliveries: a few at a time (the mailer paces the sends to the account's rate),
// one customer's failure never stopping the others, and deferred sends brought back when due.

import { GoneError, NotFoundError } from '../../domain/errors.js';
import type { Campaign } from '../../domain/messaging/decision.js';
import { log } from '../../log.js';
import { loadCustomer, type StoredCustomer } from '../../store/customer-repository.js';
import type { Key } from '../../store/keys.js';
import {
  type DeferredSend,
  deferSend,
  dueDeferredSends,
  getLedger,
  removeDeferredSend,
} from '../../store/message-repository.js';
import { type Delivery, type DeliveryOutcome, deliver } from './deliver.js';
import type { MessagingDeps } from './deps.js';

export interface RunSummary {
  /** Deliveries by outcome: `sent`, `skipped:no-consent`, `deferred`, `error` … */
  counts: Record<string, number>;
  deferredHandled: number;
}

const CONCURRENCY = 8;
const HOUR = 3_600_000;

export const outcomeKey = (result: DeliveryOutcome) =>
  result.outcome === 'skipped' ? `skipped:${result.reason}` : result.outcome;

async function forEachConcurrently<T>(
  items: AsyncIterable<T> | Iterable<T>,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  for await (const item of items) {
    const task: Promise<void> = work(item).finally(() => running.delete(task));
    running.add(task);
    if (running.size >= CONCURRENCY) await Promise.race(running);
  }
  await Promise.all(running);
}

/**
 * Deliver to every customer the source yields for whom `build` returns a delivery. A delivery
 * that fails unexpectedly is deferred for an hour (a claimed send has its own reminder too); if
 * even that fails, the run fails at the end so that it is retried (the ledger keeps a retried run
 * from sending twice).
 */
export async function deliverAll(
  customers: AsyncIterable<StoredCustomer> | Iterable<StoredCustomer>,
  build: (customer: StoredCustomer) => Promise<Delivery | undefined>,
  deps: MessagingDeps,
): Promise<RunSummary> {
  const counts: Record<string, number> = {};
  const count = (key: string) => {
    counts[key] = (counts[key] ?? 0) + 1;
  };
  let lost = 0;
  await forEachConcurrently(customers, async (customer) => {
    let delivery: Delivery | undefined;
    try {
      delivery = await build(customer);
      if (!delivery) return;
      count(outcomeKey(await deliver(delivery, deps)));
    } catch (error) {
      count('error');
      if (!delivery) {
        lost++;
        log.error('messaging: preparing a delivery failed', { customerId: customer.id, error });
        return;
      }
      log.error('messaging: a delivery failed; retrying it later', {
        customerId: customer.id,
        campaign: delivery.campaign,
        error,
      });
      try {
        // A send that failed after its claim comes back through the claim's own reminder.
        const { campaign, period, context } = delivery;
        const entry = await getLedger({ customerId: customer.id, campaign, period });
        if (entry?.state === 'claimed') return;
        await deferSend({
          campaign,
          customerId: customer.id,
          period,
          dueAt: new Date(deps.clock.now().getTime() + HOUR).toISOString(),
          reason: 'retry-after-error',
          ...(context ? { context } : {}),
        });
      } catch {
        lost++;
      }
    }
  });
  if (lost > 0)
    throw new Error(`${lost} deliveries failed and could not be deferred; the run must be retried`);
  return { counts, deferredHandled: 0 };
}

/**
 * Bring back the deferred sends of a campaign that are due (quiet hours over, a claim to
 * resolve, a retry): each is delivered again from scratch (the ledger and the decision see to it
 * that nothing is sent twice or against the rules), then removed. One that fails stays for the
 * next run.
 */
export async function drainDeferred(
  campaign: Campaign,
  deps: MessagingDeps,
  build: (customer: StoredCustomer, send: DeferredSend) => Delivery | undefined,
): Promise<{ handled: number; counts: Record<string, number> }> {
  const due = await dueDeferredSends(campaign, deps.clock.now());
  const counts: Record<string, number> = {};
  let handled = 0;
  await forEachConcurrently(due, async (send: DeferredSend & Key) => {
    try {
      let customer: StoredCustomer | undefined;
      try {
        customer = await loadCustomer(send.customerId, true);
      } catch (error) {
        if (!(error instanceof NotFoundError || error instanceof GoneError)) throw error;
      }
      const delivery = customer ? build(customer, send) : undefined;
      if (delivery) {
        const key = outcomeKey(await deliver(delivery, deps));
        counts[key] = (counts[key] ?? 0) + 1;
      }
      await removeDeferredSend(send);
      handled++;
    } catch (error) {
      log.error('messaging: a deferred send failed; it stays for the next run', {
        customerId: send.customerId,
        campaign,
        error,
      });
    }
  });
  return { handled, counts };
}
