// Every key of the single table is built here and nowhere else. Access patterns: README
// "Data model". Index names and key attribute names come from shared/app.ts (`table`).

export type Key = { pk: string; sk: string };

export const PROFILE = 'PROFILE';

export const customerPartition = (customerId: string) => `CUSTOMER#${customerId}`;

export const keys = {
  /** The customer's profile with its aggregates and scores. */
  customer: (customerId: string): Key => ({ pk: customerPartition(customerId), sk: PROFILE }),
  /**
   * The customer's nightly scores (RFM, tier, lifecycle, churn, CLV) with their index keys, beside
   * the profile: only the nightly run writes it, so it writes with plain batch puts. The sort key
   * starts with `PROFILE` so one Query (`begins_with`) reads a profile with its scores.
   */
  scores: (customerId: string): Key => ({ pk: customerPartition(customerId), sk: `${PROFILE}#SCORES` }),
  /** Left when a customer is erased (no personal data) so late writers cannot resurrect them. */
  erased: (customerId: string): Key => ({ pk: customerPartition(customerId), sk: 'ERASED' }),
  /** Left when a customer is merged into another: `GET` answers with a redirect. */
  mergedInto: (customerId: string): Key => ({ pk: customerPartition(customerId), sk: 'MERGED' }),
  /** Uniqueness claims: one person, one profile. Written in the same transaction as the profile. */
  email: (normalizedEmail: string): Key => ({ pk: `EMAIL#${normalizedEmail}`, sk: 'UNIQUE' }),
  phone: (e164: string): Key => ({ pk: `PHONE#${e164}`, sk: 'UNIQUE' }),
  externalId: (externalId: string): Key => ({ pk: `EXT#${externalId}`, sk: 'UNIQUE' }),
  /** Tag membership, one item per (tag, customer): `GET /customers?tag=` queries the tag's partition. */
  tag: (tag: string, customerId: string): Key => ({ pk: `TAG#${tag}`, sk: `CUSTOMER#${customerId}` }),
  tagPartition: (tag: string) => `TAG#${tag}`,
  /**
   * Everything on a customer's timeline (orders, behaviour and social events, feedback,
   * complaints, messages) shares the customer's partition with sort keys `TL#<iso time>#<kind>#<id>`,
   * so one Query (ScanIndexForward: false) reads the whole timeline newest first.
   */
  timeline: (customerId: string, at: string, kind: string, id: string): Key => ({
    pk: customerPartition(customerId),
    sk: `${TIMELINE_PREFIX}${at}#${kind}#${id}`,
  }),
  /** An order id, claimed once per business (attribute_not_exists): retries never count twice. */
  orderId: (orderId: string): Key => ({ pk: `ORDERID#${orderId}`, sk: 'ORDER' }),
  /**
   * An `Idempotency-Key` header, per caller (token subject): claimed before the request runs,
   * holding the stored response afterwards; expires (TTL) after 24 hours.
   */
  idempotency: (subject: string, key: string): Key => ({
    pk: `IDEMPOTENCY#${subject}#${key}`,
    sk: 'REQUEST',
  }),
  /**
   * A client-chosen id (an event's `eventId`, a survey answer's `feedbackId`) claimed once per
   * customer and scope, in the same transaction as the timeline item it creates: a retried
   * request finds the claim and is answered as a duplicate.
   */
  clientClaim: (customerId: string, scope: 'event' | 'feedback', clientId: string): Key => ({
    pk: customerPartition(customerId),
    sk: `CLAIM#${scope}#${clientId}`,
  }),
};

export const TIMELINE_PREFIX = 'TL#';

/**
 * The audit trail (who read, exported, changed or erased which customer): one item per
 * (customer, request) in the customer's audit partition, and one per request in its UTC day's
 * partition, so admins query by customer or by time without a Scan. Kept apart from the customer
 * partition on purpose: erasure leaves the trail (ids only, no personal data) until its TTL.
 */
export const auditKeys = {
  customerPartition: (customerId: string) => `AUDIT#CUSTOMER#${customerId}`,
  dayPartition: (day: string) => `AUDIT#DAY#${day}`,
  /** Sort key: time first, so a range of `sk` is a time range. */
  sortKey: (at: string, requestId: string) => `${at}#${requestId}`,
  byCustomer: (customerId: string, at: string, requestId: string): Key => ({
    pk: auditKeys.customerPartition(customerId),
    sk: auditKeys.sortKey(at, requestId),
  }),
  byDay: (at: string, requestId: string): Key => ({
    pk: auditKeys.dayPartition(at.slice(0, 10)),
    sk: auditKeys.sortKey(at, requestId),
  }),
};

/**
 * Campaign lists (docs/campaigns.md). Saved segment definitions and campaigns each live in one
 * partition (a business has tens of them, not millions: one Query lists them); a campaign's runs
 * (one per business-local day, replaced on a re-run), its notice ledger and its download records
 * share the campaign's partition.
 */
export const campaignKeys = {
  definitionsPartition: 'SEGDEFS',
  definition: (definitionId: string): Key => ({
    pk: campaignKeys.definitionsPartition,
    sk: `SEGDEF#${definitionId}`,
  }),
  campaignsPartition: 'CAMPAIGNS',
  campaign: (campaignId: string): Key => ({
    pk: campaignKeys.campaignsPartition,
    sk: `CAMPAIGN#${campaignId}`,
  }),
  campaignPartition: (campaignId: string) => `CAMPAIGN#${campaignId}`,
  runPrefix: 'RUN#',
  run: (campaignId: string, runId: string): Key => ({
    pk: campaignKeys.campaignPartition(campaignId),
    sk: `${campaignKeys.runPrefix}${runId}`,
  }),
  /** One notice per (run, recipient), claimed with attribute_not_exists: a re-run never mails twice. */
  notice: (campaignId: string, runId: string, recipient: string): Key => ({
    pk: campaignKeys.campaignPartition(campaignId),
    sk: `NOTICE#${runId}#${recipient}`,
  }),
  /** Who downloaded which list when (a list-level audit record: ids only). */
  download: (campaignId: string, at: string, requestId: string): Key => ({
    pk: campaignKeys.campaignPartition(campaignId),
    sk: `DOWNLOAD#${at}#${requestId}`,
  }),
  /** The S3 object of a run's CSV: deterministic, so a re-run of the same day replaces it. */
  listObject: (campaignId: string, runId: string) => `campaign-lists/${campaignId}/${runId}.csv`,
};

/**
 * How many index partitions each list of customers is spread over: the customer list (`byList`)
 * and the members of a segment, lifecycle stage or value tier (`bySegment`, `byLifecycle`,
 * `byTier`). Those lists have few keys (one, or 3–11), so unsharded every write to them would land
 * on one index partition: every order (it updates the profile, and so its `byList` entry) and, on
 * a first night, every customer's scores. Readers query every shard and merge (`queryShards`).
 */
export const LIST_SHARDS = 8;

/** The shard of a customer id: FNV-1a (32 bit) of the id, modulo `LIST_SHARDS`. Stable forever. */
export function listShard(customerId: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < customerId.length; index++) {
    hash ^= customerId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % LIST_SHARDS;
}

/** A list's partition key for this customer: the list's key and the customer's shard. */
const shardedKey = (list: string, customerId: string) => `${list}#${listShard(customerId)}`;

/** Every shard's partition key of a list. */
export const listShardKeys = (list: string): string[] =>
  Array.from({ length: LIST_SHARDS }, (_, shard) => `${list}#${shard}`);

const CUSTOMER_LIST = 'CUSTOMERS';

/** Index key attributes, by index (see `table.indexes` in shared/app.ts). */
export const indexKeys = {
  /** `byList`: every profile, newest first, in `LIST_SHARDS` partitions (`CUSTOMERS#<shard>`). */
  customerList: (createdAt: string, customerId: string) => ({
    listPk: shardedKey(CUSTOMER_LIST, customerId),
    listSk: `${createdAt}#${customerId}`,
  }),
  customerListPks: (): string[] => listShardKeys(CUSTOMER_LIST),
  /** What every profile's `listPk` begins with (the nightly Scan's filter). */
  CUSTOMER_LIST_PREFIX: `${CUSTOMER_LIST}#`,
  /** `byBirthday`: a profile with a birth date (`--MM-DD` or `YYYY-MM-DD`), by month-day. */
  birthday: (birthDate: string, customerId: string) => ({
    birthdayPk: `BIRTHDAY#${birthDate.slice(-5)}`,
    birthdaySk: customerId,
  }),
  /** `byList`: the support queue of complaints in one status, oldest first. Closed ones leave it. */
  complaintQueue: (status: string, openedAt: string, complaintId: string) => ({
    listPk: `COMPLAINTS#${status}`,
    listSk: `${openedAt}#${complaintId}`,
  }),
  complaintQueuePk: (status: string) => `COMPLAINTS#${status}`,
};

/**
 * The nightly analytics. A run's state lives in its own partition `RUN#<asOf>` (one per business
 * day, however often it is re-run): the run item, per attempt the shards' summaries (gzip'd JSON in
 * parts of at most 300 kB) and completion markers, the claims of the phase transitions, the context
 * phase 2 scores with, and the claim of the completion event (once per day). Results that readers
 * query by date live in partitions of their own, sorted by as-of date.
 */
const pad = (n: number) => String(n).padStart(4, '0');
export const analyticsKeys = {
  runPartition: (asOf: string) => `RUN#${asOf}`,
  run: (asOf: string): Key => ({ pk: analyticsKeys.runPartition(asOf), sk: 'RUN' }),
  /** Part `part` of the summary of slice `slice` (one worker invocation's stretch) of a shard. */
  shardData: (
    asOf: string,
    attempt: number,
    phase: number,
    shard: number,
    slice: number,
    part: number,
  ): Key => ({
    pk: analyticsKeys.runPartition(asOf),
    sk: `${analyticsKeys.shardDataPrefix(attempt, phase)}${pad(shard)}#${pad(slice)}#${pad(part)}`,
  }),
  /** The claim of a shard's slice by the invocation scanning it, then where the next slice starts. */
  shardSlice: (asOf: string, attempt: number, phase: number, shard: number, slice: number): Key => ({
    pk: analyticsKeys.runPartition(asOf),
    sk: `SLICE#${pad(attempt)}#${phase}#${pad(shard)}#${pad(slice)}`,
  }),
  shardDataPrefix: (attempt: number, phase: number) => `DATA#${pad(attempt)}#${phase}#`,
  shardDone: (asOf: string, attempt: number, phase: number, shard: number): Key => ({
    pk: analyticsKeys.runPartition(asOf),
    sk: `${analyticsKeys.shardDonePrefix(attempt, phase)}${pad(shard)}`,
  }),
  shardDonePrefix: (attempt: number, phase: number) => `DONE#${pad(attempt)}#${phase}#`,
  phaseClaim: (asOf: string, attempt: number, phase: number): Key => ({
    pk: analyticsKeys.runPartition(asOf),
    sk: `PHASE#${pad(attempt)}#${phase}`,
  }),
  context: (asOf: string, attempt: number): Key => ({
    pk: analyticsKeys.runPartition(asOf),
    sk: `CONTEXT#${pad(attempt)}`,
  }),
  completion: (asOf: string): Key => ({ pk: analyticsKeys.runPartition(asOf), sk: 'COMPLETED' }),
  /** Fitted models, segment profiles and KPIs per as-of date (Query newest first for trends). */
  modelPartition: 'ANALYTICS#MODEL',
  model: (asOf: string): Key => ({ pk: analyticsKeys.modelPartition, sk: asOf }),
  segmentsPartition: 'ANALYTICS#SEGMENTS',
  segments: (asOf: string): Key => ({ pk: analyticsKeys.segmentsPartition, sk: asOf }),
  kpisPartition: 'ANALYTICS#KPIS',
  kpis: (asOf: string): Key => ({ pk: analyticsKeys.kpisPartition, sk: asOf }),
  /** Acquisition spend per month (`YYYY-MM`), by channel, for CAC. */
  acquisitionCostsPartition: 'ANALYTICS#ACQCOSTS',
  acquisitionCosts: (month: string): Key => ({ pk: analyticsKeys.acquisitionCostsPartition, sk: month }),
  /** A customer's lifecycle change on a day, in their partition (erased with them). */
  lifecycleChange: (customerId: string, asOf: string): Key => ({
    pk: customerPartition(customerId),
    sk: `LIFECYCLE#${asOf}`,
  }),
};

/**
 * Index keys of the scores item (bySegment, byLifecycle, byTier: keys-only indexes, so an entry is
 * written only when its key changes), each list in `LIST_SHARDS` partitions; the sort key is the
 * customer id. `…Pks` name every shard of one list.
 */
export const scoreIndexKeys = {
  segment: (segment: string, customerId: string) => ({
    segmentPk: shardedKey(`SEGMENT#${segment}`, customerId),
    segmentSk: customerId,
  }),
  segmentPks: (segment: string) => listShardKeys(`SEGMENT#${segment}`),
  lifecycle: (stage: string, customerId: string) => ({
    lifecyclePk: shardedKey(`LIFECYCLE#${stage}`, customerId),
    lifecycleSk: customerId,
  }),
  lifecyclePks: (stage: string) => listShardKeys(`LIFECYCLE#${stage}`),
  tier: (tier: string, customerId: string) => ({
    tierPk: shardedKey(`TIER#${tier}`, customerId),
    tierSk: customerId,
  }),
  tierPks: (tier: string) => listShardKeys(`TIER#${tier}`),
};

/**
 * Birthday and win-back messaging. The ledger and the messaging state live in the customer's
 * partition (erased with them); suppressions deliberately do not (they must survive erasure and
 * hold only a keyed hash of the address).
 */
/** Sort key prefix of a customer's send ledger entries (moved with the customer on a merge). */
export const MESSAGE_LEDGER_PREFIX = 'MSG#';

export const messageKeys = {
  /** One message per customer, campaign and period (`birthday`/`2026`, `winback`/`2026-03-14`), claimed once. */
  ledger: (customerId: string, campaign: string, period: string): Key => ({
    pk: customerPartition(customerId),
    sk: `${MESSAGE_LEDGER_PREFIX}${campaign}#${period}`,
  }),
  /** What the frequency cap, cooldown and sunset rules remember of a customer across campaigns. */
  state: (customerId: string): Key => ({ pk: customerPartition(customerId), sk: 'MSGSTATE' }),
  /** A suppressed address, by its keyed hash (bounce, complaint, unsubscribe). */
  suppression: (addressHash: string): Key => ({ pk: `SUPPRESSED#${addressHash}`, sk: 'SUPPRESSION' }),
  /** Counters of a campaign in a month (`YYYY-MM`); Query the partition for a range of months. */
  statsPartition: (campaign: string) => `MSGSTATS#${campaign}`,
  stats: (campaign: string, month: string): Key => ({ pk: `MSGSTATS#${campaign}`, sk: month }),
  /**
   * Messages waiting (quiet hours, a claim to resolve, a retry), by the UTC day they are due and
   * then by due time: a run Queries the last few days up to now.
   */
  deferredPartition: (campaign: string, dueDay: string) => `MSGDEFER#${campaign}#${dueDay}`,
  deferred: (campaign: string, dueAt: string, customerId: string, period: string): Key => ({
    pk: `MSGDEFER#${campaign}#${dueAt.slice(0, 10)}`,
    sk: `${dueAt}#${customerId}#${period}`,
  }),
  /** Win-backs still inside their attribution window, bucketed by the UTC day they were sent. */
  openWinbacksPartition: (sentDay: string) => `WINBACKOPEN#${sentDay}`,
  openWinback: (sentDay: string, customerId: string, period: string): Key => ({
    pk: `WINBACKOPEN#${sentDay}`,
    sk: `${customerId}#${period}`,
  }),
  /** Co-purchase suggestions of a SKU (written by the nightly job), and product names seen in orders. */
  coPurchases: (sku: string): Key => ({ pk: `RECO#${sku}`, sk: 'RECO' }),
  product: (sku: string): Key => ({ pk: `PRODUCT#${sku}`, sk: 'PRODUCT' }),
};
