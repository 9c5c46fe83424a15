// `POST /customers/{id}/merge`: a duplicate profile is merged into the surviving one. Every step
// is safe to repeat (see shared/store/merge-repository.ts): calling the merge again after a
// crash or a timeout completes it, and calling it after it completed answers the same.
import { publish } from '../clients/eventbridge.js';
import { claimsTakenOver, mergeProfiles } from '../domain/customer-merge.js';
import type { CustomerRecord } from '../domain/customer.js';
import { ConflictError, GoneError, ValidationError } from '../domain/errors.js';
import { activityFromOrders } from '../domain/order.js';
import { businessTimeZone } from '../settings.js';
import { loadCustomer, type StoredCustomer } from '../store/customer-repository.js';
import {
  beginMerge,
  clearMergedPartition,
  commitMerge,
  loadProfileItem,
  mergedInto,
  moveCustomerItems,
} from '../store/merge-repository.js';
import { listCustomerOrders } from '../store/order-repository.js';
import { type Clock, systemClock } from './customer-profiles.js';
import { activityOptions } from './orders.js';

export const CUSTOMER_MERGED = 'customer.merged';

export interface MergeResult {
  customer: StoredCustomer;
  mergedId: string;
  /** Timeline items (orders, events, feedback, complaints…) moved by this call. */
  movedItems: number;
}

const MAX_ATTEMPTS = 10;
const pause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(500, 10 * 2 ** attempt)));

type ProfileItem = CustomerRecord & Record<string, unknown>;

export async function mergeCustomers(
  survivorId: string,
  duplicateId: string,
  clock: Clock = systemClock,
): Promise<MergeResult> {
  if (survivorId === duplicateId) {
    throw new ValidationError([
      { field: 'duplicateId', message: 'must be another customer than the survivor' },
    ]);
  }
  await loadCustomer(survivorId, true); // not found, erased or merged away: say so
  let movedItems = 0;
  const duplicate = await loadProfileItem(duplicateId);
  if (!duplicate) {
    // Merged before (a retry): finish whatever a crash may have left, answer the same.
    if ((await mergedInto(duplicateId)) !== survivorId) {
      try {
        await loadCustomer(duplicateId, true);
      } catch (error) {
        if (error instanceof GoneError) throw new ConflictError(error.message, 'duplicateId');
        throw error;
      }
    }
  } else {
    const started = await beginMerge(survivorId, duplicateId);
    if (started === 'duplicate-unavailable') {
      throw new ConflictError(`customer ${duplicateId} is being merged into another customer`, 'duplicateId');
    }
    if (started === 'survivor-unavailable') {
      throw new ConflictError(`customer ${survivorId} is itself being merged into another customer`);
    }
    movedItems += await moveCustomerItems(duplicateId, survivorId);
    await commit(survivorId, duplicateId, clock);
  }
  movedItems += await clearMergedPartition(duplicateId, survivorId);
  // At least once: a repeated merge announces it again; consumers are idempotent.
  await publish([
    { detailType: CUSTOMER_MERGED, detail: { survivorId, duplicateId, at: clock.now().toISOString() } },
  ]);
  return { customer: await loadCustomer(survivorId, true), mergedId: duplicateId, movedItems };
}

/** Step 3 with fresh reads, retried while concurrent orders or edits make it stale. */
async function commit(survivorId: string, duplicateId: string, clock: Clock): Promise<void> {
  const timeZone = businessTimeZone();
  const options = activityOptions();
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const [survivor, duplicate] = (await Promise.all([
      loadProfileItem(survivorId),
      loadProfileItem(duplicateId),
    ])) as [ProfileItem | undefined, ProfileItem | undefined];
    if (!duplicate) return; // committed by a concurrent call of the same merge
    if (!survivor) {
      await loadCustomer(survivorId, true);
      throw new ConflictError(`customer ${survivorId} changed during the merge; retry`);
    }
    const orders = await listCustomerOrders(survivorId);
    const written = await commitMerge({
      survivor,
      duplicate,
      merged: mergeProfiles(survivor, duplicate),
      takeOver: claimsTakenOver(survivor, duplicate),
      activity: activityFromOrders(orders, timeZone, options),
      now: clock.now().toISOString(),
    });
    if (written === 'written') return;
    await pause(attempt);
  }
  throw new ConflictError('the customers changed too often during the merge; retry');
}
