// Every kind of item the table can hold, by its `type` attribute: whether it holds personal data,
// where it lives, how a data-subject export and an erasure find it, and how long it is kept.
// `GET /customers/{id}/export` and `DELETE /customers/{id}` are driven by this list, and a test
// (test/integration/privacy.test.ts) scans the table after a broad scenario and fails on any item
// whose `type` is missing here. Adding an item type = one entry below.
import { auditKeys, type Key, keys, messageKeys } from '../store/keys.js';
import { CAMPAIGN_ITEM_TYPES } from './campaign-item-types.js';

type Item = Record<string, unknown>;

/** What export and erasure know when they look for a customer's items outside their partition. */
export interface CustomerItems {
  customerId: string;
  /** The profile item (absent when erasure resumes after a crash). */
  profile: Item | undefined;
  /** Every item of the customer's partition `CUSTOMER#<id>`. */
  partition: readonly Item[];
}

/** A single item, or every item of a partition (belonging to the customer when it has `customerId`). */
export type Location = Key | { partition: string };

export interface ItemTypeSpec {
  readonly type: string;
  readonly description: string;
  /** Holds personal data, or data linked to one person (anything keyed by or naming a customer id). */
  readonly personal: boolean;
  /**
   * `customer-partition`: `pk = CUSTOMER#<id>`, found by one Query.
   * `located`: elsewhere, found from the customer's profile or partition items by `locate`.
   * `shared`: not about one customer (run state, models, aggregates, settings).
   */
  readonly home: 'customer-partition' | 'located' | 'shared';
  readonly locate?: (customer: CustomerItems) => Location[];
  /**
   * `delete`: erased with the customer. `keep`: kept on purpose (no personal data; `reason` says
   * why). `expire`: cannot be found from the customer; removed by its TTL (`retention`).
   */
  readonly onErasure: 'delete' | 'keep' | 'expire';
  /** Included in the data-subject export (everything about the customer, derived data included). */
  readonly exported: boolean;
  readonly retention: string;
  readonly reason?: string;
}

const UNTIL_ERASED = 'until the customer is erased';
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

const ownItemTypes = (): ItemTypeSpec[] => [
  {
    type: 'customer',
    description: 'The profile: contact data, consent, aggregates of orders and events',
    personal: true,
    home: 'customer-partition',
    onErasure: 'delete',
    exported: true,
    retention: UNTIL_ERASED,
  },
  {
    type: 'unique',
    description: 'Uniqueness claim of an email, phone or external id (`EMAIL#…`, `PHONE#…`, `EXT#…`)',
    personal: true,
    home: 'located',
    locate: ({ profile }) => [
      ...(typeof profile?.email === 'string' ? [keys.email(profile.email)] : []),
      ...(typeof profile?.phone === 'string' ? [keys.phone(profile.phone)] : []),
      ...(typeof profile?.externalId === 'string' ? [keys.externalId(profile.externalId)] : []),
    ],
    onErasure: 'delete',
    exported: true,
    retention: UNTIL_ERASED,
  },
  {
    type: 'tag',
    description: 'Membership of a tag (`TAG#<tag>` / `CUSTOMER#<id>`)',
    personal: true,
    home: 'located',
    locate: ({ customerId, profile }) => strings(profile?.tags).map((tag) => keys.tag(tag, customerId)),
    onErasure: 'delete',
    exported: true,
    retention: UNTIL_ERASED,
  },
  {
    type: 'erased',
    description: 'Marker left by an erasure: the id was erased (no personal data)',
    personal: false,
    home: 'customer-partition',
    onErasure: 'keep',
    exported: false,
    retention: 'forever',
    reason:
      'stops late writers (a nightly run, a retried order) from recreating the customer; holds only the id and the time',
  },
  {
    type: 'merged',
    description: 'Marker left by a merge: this id now lives on as another customer',
    personal: true,
    home: 'customer-partition',
    onErasure: 'delete',
    exported: true,
    retention: UNTIL_ERASED,
  },
  {
    type: 'order',
    description: 'An order on the timeline (amount, items, channel)',
    personal: true,
    home: 'customer-partition',
    onErasure: 'delete',
    exported: true,
    retention: UNTIL_ERASED,
  },
  {
    type: 'order-claim',
    description: 'Order-id claim (`ORDERID#<orderId>`): an order is counted once',
    personal: true,
    home: 'located',
    locate: ({ partition }) =>
      partition
        .filter(
          (item) => (item.type === 'order' || item.kind === 'order') && typeof item.orderId === 'string',
        )
        .map((item) => keys.orderId(String(item.orderId))),
    onErasure: 'delete',
    exported: true,
    retention: UNTIL_ERASED,
  },
  {
    type: 'claim',
    description: 'Client id claim (event id, feedback id, complaint key): a retried request counts once',
    personal: true,
    home: 'customer-partition',
    onErasure: 'delete',
    exported: true,
    retention: UNTIL_ERASED,
  },
  {
    type: 'event',
    description: 'Behaviour and social events, survey answers on the timeline',
    personal: true,
    home: 'customer-partition',
    onErasure: 'delete',
    exported: true,
    retention: 'behaviour events: the `events` retention (TTL); social events and feedback: until erased',
  },
  // Survey answers keep their survey type (`nps`, `csat`) in the `type` attribute.
  ...['nps', 'csat'].map((type): ItemTypeSpec => ({
    type,
    description: `A ${type.toUpperCase()} survey answer with its comment, on the timeline`,
    personal: true,
    home: 'customer-partition',
    onErasure: 'delete',
    exported: true,
    retention: UNTIL_ERASED,
  })),
  {
    type: 'complaint',
    description: 'A complaint ticket with its status history',
    personal: true,
    home: 'customer-partition',
    onErasure: 'delete',
    exported: true,
    retention: UNTIL_ERASED,
  },
  {
    type: 'scores',
    description:
      'The nightly scores beside the profile (`PROFILE#SCORES`): RFM, tier, membership, lifecycle, churn, CLV',
    personal: true,
    home: 'customer-partition',
    onErasure: 'delete',
    exported: true,
    retention: UNTIL_ERASED,
  },
  {
    type: 'lifecycle-change',
    description: 'A change of lifecycle stage found by the nightly analytics (segment history)',
    personal: true,
    home: 'customer-partition',
    onErasure: 'delete',
    exported: true,
    retention: UNTIL_ERASED,
  },
  {
    type: 'message-ledger',
    description: 'Send ledger of a birthday or win-back message: claimed, sent, skipped, with SES ids',
    personal: true,
    home: 'customer-partition',
    onErasure: 'delete',
    exported: true,
    retention: UNTIL_ERASED,
  },
  {
    type: 'messaging-state',
    description: 'What the frequency cap, cooldown and sunset rules remember of the customer (`MSGSTATE`)',
    personal: true,
    home: 'customer-partition',
    onErasure: 'delete',
    exported: true,
    retention: UNTIL_ERASED,
  },
  {
    type: 'suppression',
    description: 'A suppressed address (bounce, complaint, unsubscribe), as a keyed hash of the address',
    personal: true,
    home: 'shared',
    onErasure: 'keep',
    exported: false,
    retention: 'forever',
    reason:
      'an erased person must not start receiving mail again; the entry holds a keyed hash of the address, not the address, and no customer id',
  },
  {
    type: 'message-log',
    description: 'A messaging decision on the timeline (sent, skipped and why, deferred, converted)',
    personal: true,
    home: 'customer-partition',
    onErasure: 'delete',
    exported: true,
    retention: UNTIL_ERASED,
  },
  {
    type: 'winback-open',
    description: 'A win-back still inside its attribution window (`WINBACKOPEN#<day>`)',
    personal: true,
    home: 'located',
    locate: ({ customerId, partition }) =>
      partition
        .filter(
          (item) =>
            item.type === 'message-ledger' && item.campaign === 'winback' && typeof item.sentAt === 'string',
        )
        .map((item) =>
          messageKeys.openWinback(String(item.sentAt).slice(0, 10), customerId, String(item.period)),
        ),
    onErasure: 'delete',
    exported: true,
    retention: 'the attribution window (default 30 days)',
  },
  {
    type: 'message-deferred',
    description: 'A message waiting for its time (quiet hours, a retry, a claim to resolve): ids only',
    personal: true,
    home: 'shared',
    onErasure: 'expire',
    exported: false,
    retention: 'until due (hours); the run that finds it removes it',
    reason:
      'bucketed by due hour, not by customer; holds only the customer id and the campaign, and the run that picks it up finds the customer gone and deletes it',
  },
  {
    type: 'audit',
    description: 'Audit trail: who read, exported, changed or erased the customer, when (ids only)',
    personal: false,
    home: 'located',
    locate: ({ customerId }) => [{ partition: auditKeys.customerPartition(customerId) }],
    onErasure: 'keep',
    exported: true,
    retention: 'the `audit` retention (default 400 days, TTL)',
    reason:
      'accountability for who touched personal data outlives the data; entries hold only the customer id, the caller and the route',
  },
  {
    type: 'idempotency',
    description: 'A request made safe to retry with `Idempotency-Key`, holding its stored response',
    personal: true,
    home: 'shared',
    onErasure: 'expire',
    exported: false,
    retention: '24 hours (TTL)',
    reason:
      'keyed by caller and key, not by customer: it cannot be found from the customer, and expires within a day',
  },
  // Nightly analytics run state and results: population-level figures, no customer's data.
  ...[
    'analytics-run',
    'analytics-claim',
    'analytics-context',
    'analytics-latest',
    'analytics-shard-data',
    'analytics-shard-done',
    'analytics-model',
    'analytics-segments',
    'analytics-kpis',
    'acquisition-costs',
  ].map((type): ItemTypeSpec => ({
    type,
    description: 'Nightly analytics: run state, fitted models, segment profiles, KPIs, acquisition costs',
    personal: false,
    home: 'shared',
    onErasure: 'keep',
    exported: false,
    retention: 'kept with the run',
    reason: 'population-level summaries: no item names or describes one customer',
  })),
  {
    type: 'message-stats',
    description: 'Counters of a messaging campaign in a month (sent, skipped by reason, converted)',
    personal: false,
    home: 'shared',
    onErasure: 'keep',
    exported: false,
    retention: 'kept for the statistics',
    reason: 'counts, naming no customer',
  },
  ...['co-purchases', 'product'].map((type): ItemTypeSpec => ({
    type,
    description:
      type === 'product'
        ? 'A product name seen in orders, by SKU'
        : 'Products bought together with a SKU, counted over all customers',
    personal: false,
    home: 'shared',
    onErasure: 'keep',
    exported: false,
    retention: 'replaced by each nightly run',
    reason: 'counts over all customers and product names: nothing about one customer',
  })),
  {
    type: 'campaign',
    description: 'A campaign definition (segment, channel, offer, marketer recipients)',
    personal: false,
    home: 'shared',
    onErasure: 'keep',
    exported: false,
    retention: 'until deleted by a marketer',
    reason: 'describes a campaign, not a customer',
  },
];

// A call marked pure rather than a literal with spreads (which esbuild must assume have effects): a
// bundle that reaches this file without reading the registry (through customer-repository) leaves
// it out.
export const ITEM_TYPES: readonly ItemTypeSpec[] = /* @__PURE__ */ ownItemTypes().concat(CAMPAIGN_ITEM_TYPES);

// Built on first use, not at module scope, for the same reason.
let byType: Map<string, ItemTypeSpec> | undefined;

export function itemType(type: string): ItemTypeSpec | undefined {
  byType ??= new Map(ITEM_TYPES.map((spec) => [spec.type, spec]));
  return byType.get(type);
}

/** The locations, outside the customer's partition, of what a customer holds (for export or erasure). */
export function locateCustomerItems(
  customer: CustomerItems,
  which: (spec: ItemTypeSpec) => boolean,
): Array<{ spec: ItemTypeSpec; location: Location }> {
  return ITEM_TYPES.filter((spec) => spec.home === 'located' && spec.locate && which(spec)).flatMap((spec) =>
    (spec.locate?.(customer) ?? []).map((location) => ({ spec, location })),
  );
}
