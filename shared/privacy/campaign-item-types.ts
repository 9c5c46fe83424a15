// The item types campaign lists keep in the table, for the registry in ./registry.ts (to be spread
// into ITEM_TYPES; the `campaign` type itself is registered there already). None names or
// describes a customer: the lists themselves are CSV files in S3, not items, and expire with the
// bucket's lifecycle rule (30 days); a customer erased today is absent from every later list.
import type { ItemTypeSpec } from './registry.js';

export const CAMPAIGN_ITEM_TYPES: readonly ItemTypeSpec[] = [
  {
    type: 'segment-definition',
    description: 'A saved segment: a named rule over profile and computed fields',
    personal: false,
    home: 'shared',
    onErasure: 'keep',
    exported: false,
    retention: 'until deleted by a marketer',
    reason: 'a rule over fields, naming no customer',
  },
  {
    type: 'campaign-run',
    description: "One day's list of a campaign: its S3 object key, size, spend and CLV totals by segment",
    personal: false,
    home: 'shared',
    onErasure: 'keep',
    exported: false,
    retention: 'until the campaign is deleted',
    reason: 'counts and totals of a list, naming no customer (the CSV in S3 expires after 30 days)',
  },
  {
    type: 'campaign-notice',
    description: 'The ledger entry of a list notice to a marketer recipient (sent once per run)',
    personal: false,
    home: 'shared',
    onErasure: 'expire',
    exported: false,
    retention: '400 days (TTL)',
    reason: 'names a staff recipient, not a customer',
  },
  {
    type: 'campaign-download',
    description: 'Who (token subject) downloaded which list when: the list-level audit record',
    personal: false,
    home: 'shared',
    onErasure: 'expire',
    exported: false,
    retention: '400 days (TTL)',
    reason: 'names a staff member and a list, not a customer',
  },
];
