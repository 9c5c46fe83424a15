// Use cases of the customer profile API. Plain values in, plain values out; the clock and the id
// generator are parameters so tests can fix them.
import {
  applyPatch,
  type CreateCustomerInput,
  type CustomerRecord,
  newProfile,
  type PatchCustomerInput,
} from '../domain/customer.js';
import { ValidationError } from '../domain/errors.js';
import { newCustomerId } from '../ids.js';
import {
  eraseCustomer as eraseStoredCustomer,
  findCustomerIdBy,
  insertCustomer,
  listCustomers as listStoredCustomers,
  listCustomersByTag,
  loadCustomer,
  loadCustomers,
  type Page,
  type StoredCustomer,
  updateCustomerProfile,
} from '../store/customer-repository.js';
import { listCustomersByScores } from '../store/analytics-repository.js';

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

export async function createCustomer(
  input: CreateCustomerInput,
  clock: Clock = systemClock,
): Promise<CustomerRecord> {
  const now = clock.now().toISOString();
  const record: CustomerRecord = {
    ...newProfile(input, now),
    id: newCustomerId(clock.now().getTime()),
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  await insertCustomer(record);
  return record;
}

export async function getCustomer(customerId: string): Promise<StoredCustomer> {
  return loadCustomer(customerId);
}

/** `"3"` or `W/"3"` → 3. */
export function versionFromETag(ifMatch: string | undefined): number {
  const match = ifMatch ? /^(?:W\/)?"(\d+)"$/.exec(ifMatch.trim()) : null;
  if (!match) {
    throw new ValidationError([
      { field: 'If-Match', message: 'send the ETag of the version you read, e.g. If-Match: "3"' },
    ]);
  }
  return Number(match[1]);
}

export const etagOf = (record: { version: number }) => `"${record.version}"`;

export async function updateCustomer(
  customerId: string,
  patch: PatchCustomerInput,
  expectedVersion: number,
  clock: Clock = systemClock,
): Promise<CustomerRecord> {
  const current = await loadCustomer(customerId, true);
  const now = clock.now().toISOString();
  const next = applyPatch(current, patch, now);
  return updateCustomerProfile(current, next, expectedVersion, now);
}

export interface CustomerFilter {
  email?: string;
  phone?: string;
  externalId?: string;
  tag?: string;
  segment?: string;
  lifecycle?: string;
  tier?: string;
}

export async function listCustomers(
  filter: CustomerFilter,
  limit: number,
  after?: string,
): Promise<Page<StoredCustomer>> {
  const unique = (['email', 'phone', 'externalId'] as const).find((field) => filter[field] !== undefined);
  if (unique) {
    const id = await findCustomerIdBy(unique, filter[unique] as string);
    return { items: id ? await loadCustomers([id]) : [] };
  }
  if (filter.tag) return listCustomersByTag(filter.tag, limit, after);
  if (filter.segment || filter.lifecycle || filter.tier) return listCustomersByScores(filter, limit, after);
  return listStoredCustomers(limit, after);
}

export async function eraseCustomer(customerId: string, clock: Clock = systemClock) {
  return eraseStoredCustomer(customerId, clock.now().toISOString());
}
