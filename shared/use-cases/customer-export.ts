// Data-subject access: everything held about a customer, derived data included (aggregates,
// scores, lifecycle history, message log, claims, audit trail), grouped by item type. What to look
// for and where comes from the registry (shared/privacy/registry.ts), not from a list kept here.
import { itemType } from '../privacy/registry.js';
import { loadCustomer } from '../store/customer-repository.js';
import { PROFILE } from '../store/keys.js';
import {
  customerPartitionItems,
  readLocatedItems,
  withoutStorageAttributes,
} from '../store/privacy-repository.js';
import { type Clock, systemClock } from './customer-profiles.js';

type Item = Record<string, unknown>;

export interface CustomerExport {
  customerId: string;
  exportedAt: string;
  /** The profile item with every attribute other features keep on it (aggregates, scores). */
  profile: Item;
  /** Every other item about the customer, by type (`order`, `event`, `complaint`, `audit` …). */
  items: Record<string, Item[]>;
}

export async function exportCustomer(
  customerId: string,
  clock: Clock = systemClock,
): Promise<CustomerExport> {
  const partition = await customerPartitionItems(customerId);
  const profile = partition.find((item) => item.sk === PROFILE);
  if (!profile) {
    await loadCustomer(customerId, true); // answers Gone (erased, merged) or NotFound
    throw new Error('profile vanished during export');
  }
  const located = await readLocatedItems(customerId, profile, partition, (spec) => spec.exported);
  const items: Record<string, Item[]> = {};
  for (const item of [...partition, ...located]) {
    if (item === profile) continue;
    const type =
      typeof item.type === 'string' ? item.type : typeof item.kind === 'string' ? item.kind : 'unknown';
    // Unregistered types are exported too: the export shows everything held, the registry test flags them.
    if (itemType(type)?.exported === false) continue;
    const { type: _type, ...rest } = withoutStorageAttributes(item);
    items[type] = [...(items[type] ?? []), rest];
  }
  const { type: _type, ...profileFields } = withoutStorageAttributes(profile);
  return { customerId, exportedAt: clock.now().toISOString(), profile: profileFields, items };
}
