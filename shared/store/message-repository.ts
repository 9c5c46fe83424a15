// Messaging in the single table: the send ledger (one entry per customer, campaign and period,
// claimed before sending), the messaging state that the frequency cap, cooldown and sunset rules
// read, the message log on the customer's timeline, per-campaign counters, the suppression list,
// deferred sends and the win-backs awaiting attribution. Every change that counts is written in
// one transaction with its counter, so a retry or a re-run can neither lose nor double it.
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../clients/dynamodb.js';
import type {
  Campaign,
  MessagingState,
  SkipReason,
  Suppression,
  SuppressionReason,
} from '../domain/messaging/decision.js';
import type { LedgerRef } from '../domain/messaging/ses-events.js';
import { type OutcomeCounter, type StatsItem, skipCounter } from '../domain/messaging/stats.js';
import { ulid } from '../ids.js';
import { loadCustomers, type StoredCustomer } from './customer-repository.js';
import { cancellationCodes, isConditionFailure, queryAll } from './dynamo-helpers.js';
import { customerPartition, indexKeys, type Key, keys, messageKeys, TIMELINE_PREFIX } from './keys.js';
import { getItem, transactWrite } from './timeline-repository.js';

type Item = Record<string, unknown>;
type TransactItem = NonNullable<Parameters<typeof transactWrite>[0]['TransactItems']>[number];

export type LedgerState = 'claimed' | 'sent' | 'failed' | 'skipped';

/** A ledger entry: what was decided for one message. No address, no name: ids and outcomes only. */
export interface LedgerEntry extends LedgerRef {
  state: LedgerState;
  /** Business-local month of the decision (`YYYY-MM`): the stats bucket. */
  month: string;
  claimedAt?: string;
  attempts?: number;
  reason?: SkipReason;
  template?: string;
  sentAt?: string;
  sesMessageId?: string;
  /** When SES's Send event said it accepted the message (evidence for crash recovery). */
  sesAcceptedAt?: string;
  sesAcceptedId?: string;
  error?: string;
  /** The deferred item that brings an unresolved claim back (deleted with the outcome). */
  reminderPk?: string;
  reminderSk?: string;
  unsubscribedAt?: string;
  bouncedAt?: string;
  complainedAt?: string;
  convertedAt?: string;
  convertedOrderId?: string;
}

/** A decision in the customer's message log (timeline kind `message`). */
export interface MessageLog {
  campaign: Campaign;
  period: string;
  decision: 'sent' | 'skipped' | 'failed' | 'deferred' | 'unsubscribed' | 'converted';
  reason?: string;
  template?: string;
  sesMessageId?: string;
  until?: string;
}

const ledgerKey = (ref: LedgerRef) => messageKeys.ledger(ref.customerId, ref.campaign, ref.period);
const refOf = (entry: LedgerRef): LedgerRef => ({
  customerId: entry.customerId,
  campaign: entry.campaign,
  period: entry.period,
});

function ledgerFrom(item: Item | undefined): LedgerEntry | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, type: _type, ...entry } = item;
  return entry as unknown as LedgerEntry;
}

export async function getLedger(ref: LedgerRef): Promise<LedgerEntry | undefined> {
  return ledgerFrom(await getItem(ledgerKey(ref)));
}

export async function getMessagingState(customerId: string): Promise<MessagingState> {
  const item = await getItem(messageKeys.state(customerId));
  return {
    lastMarketingAt: item?.lastMarketingAt as string | undefined,
    lastWinbackAt: item?.lastWinbackAt as string | undefined,
    winbackSends: (item?.winbackSends as string[] | undefined) ?? [],
  };
}

/** Nothing goes into the partition of a customer erased (or merged away) meanwhile. */
const profileExists = (customerId: string): TransactItem => ({
  ConditionCheck: {
    TableName: tableName(),
    Key: keys.customer(customerId),
    ConditionExpression: 'attribute_exists(pk)',
  },
});

function logItem(customerId: string, at: string, log: MessageLog): TransactItem {
  const id = `msg_${ulid(Date.parse(at))}`;
  const fields = Object.fromEntries(Object.entries(log).filter(([, value]) => value !== undefined));
  return {
    Put: {
      TableName: tableName(),
      Item: {
        ...keys.timeline(customerId, at, 'message', id),
        type: 'message-log',
        kind: 'message',
        at,
        id,
        customerId,
        ...fields,
      },
    },
  };
}

function countItem(campaign: Campaign, month: string, counters: Record<string, number>): TransactItem {
  const names: Record<string, string> = { '#type': 'type', '#campaign': 'campaign', '#month': 'month' };
  const values: Record<string, unknown> = {
    ':type': 'message-stats',
    ':campaign': campaign,
    ':month': month,
  };
  const adds = Object.entries(counters).map(([counter, amount], index) => {
    names[`#c${index}`] = counter;
    values[`:c${index}`] = amount;
    return `#c${index} :c${index}`;
  });
  return {
    Update: {
      TableName: tableName(),
      Key: messageKeys.stats(campaign, month),
      UpdateExpression: `SET #type = :type, #campaign = :campaign, #month = :month ADD ${adds.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** Write the message log entry alone (decisions that change no ledger: a repeat, a deferral). */
export async function logDecision(
  customerId: string,
  at: string,
  log: MessageLog,
  count?: { month: string; counter: string },
) {
  try {
    await transactWrite({
      TransactItems: [
        profileExists(customerId),
        logItem(customerId, at, log),
        ...(count ? [countItem(log.campaign, count.month, { [count.counter]: 1 })] : []),
      ],
    });
  } catch (error) {
    if (!isConditionFailure(error)) throw error; // the customer is gone: nothing to log
  }
}

export type ClaimResult = { claimed: LedgerEntry } | 'exists' | 'capped' | 'gone';

/**
 * Claim the ledger entry for a send and take the customer's marketing slot in one transaction:
 * the entry must not exist (one message per period), the last marketing email must be older than
 * the frequency cap and, for a win-back, the last win-back older than the cooldown. Concurrent
 * birthday and win-back sends for one customer therefore cannot both pass the cap.
 */
export async function claimSend(input: {
  ref: LedgerRef;
  at: string;
  month: string;
  template: string;
  capStart: string;
  cooldownStart?: string;
  /** When to come back to this claim if no outcome is recorded by then (a crash mid-send). */
  resolveAt: string;
}): Promise<ClaimResult> {
  const { ref, at } = input;
  const reminder = deferredItem({ ...ref, dueAt: input.resolveAt, reason: 'resolve-claim' });
  const winback = ref.campaign === 'winback';
  const values: Record<string, unknown> = {
    ':now': at,
    ':capStart': input.capStart,
    ':type': 'messaging-state',
  };
  let update = 'SET #type = :type, lastMarketingAt = :now';
  let condition = '(attribute_not_exists(lastMarketingAt) OR lastMarketingAt <= :capStart)';
  if (winback) {
    values[':cooldownStart'] = input.cooldownStart ?? at;
    values[':sent'] = [at];
    values[':none'] = [];
    update += ', lastWinbackAt = :now, winbackSends = list_append(if_not_exists(winbackSends, :none), :sent)';
    condition += ' AND (attribute_not_exists(lastWinbackAt) OR lastWinbackAt <= :cooldownStart)';
  }
  const entry: LedgerEntry = {
    ...ref,
    state: 'claimed',
    month: input.month,
    template: input.template,
    claimedAt: at,
    attempts: 1,
    reminderPk: reminder.pk,
    reminderSk: reminder.sk,
  };
  try {
    await transactWrite({
      TransactItems: [
        profileExists(ref.customerId),
        {
          Put: {
            TableName: tableName(),
            Item: { ...ledgerKey(ref), type: 'message-ledger', ...entry },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            TableName: tableName(),
            Key: messageKeys.state(ref.customerId),
            UpdateExpression: update,
            ConditionExpression: condition,
            ExpressionAttributeNames: { '#type': 'type' },
            ExpressionAttributeValues: values,
          },
        },
        { Put: { TableName: tableName(), Item: reminder } },
      ],
    });
    return { claimed: entry };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const codes = cancellationCodes(error);
    if (codes[0] === 'ConditionalCheckFailed') return 'gone';
    if (codes[1] === 'ConditionalCheckFailed') return 'exists';
    return 'capped';
  }
}

/**
 * Write `item` once (it must not exist yet) with its counter and the log entry, into the partition
 * of a customer who still exists: 'exists' when it was written before, 'gone' when the customer is.
 */
async function recordOnce(
  customerId: string,
  item: Item,
  count: { month: string; counter: string },
  at: string,
  log: MessageLog,
): Promise<'recorded' | 'exists' | 'gone'> {
  try {
    await transactWrite({
      TransactItems: [
        profileExists(customerId),
        { Put: { TableName: tableName(), Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
        countItem(log.campaign, count.month, { [count.counter]: 1 }),
        logItem(customerId, at, log),
      ],
    });
    return 'recorded';
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return cancellationCodes(error)[0] === 'ConditionalCheckFailed' ? 'gone' : 'exists';
  }
}

/** Record a decision not to send: the ledger entry (once), its counter and the log entry. */
export function recordSkip(input: {
  ref: LedgerRef;
  at: string;
  month: string;
  reason: SkipReason;
}): Promise<'recorded' | 'exists' | 'gone'> {
  const { ref, at, month, reason } = input;
  return recordOnce(
    ref.customerId,
    { ...ledgerKey(ref), type: 'message-ledger', ...ref, state: 'skipped', reason, month, decidedAt: at },
    { month, counter: skipCounter(reason) },
    at,
    { campaign: ref.campaign, period: ref.period, decision: 'skipped', reason },
  );
}

/**
 * Take over a claim left without outcome (a crashed send), only if nobody else did since:
 * conditional on the claim time that was read. Its reminder moves to the new resolution time.
 */
export async function reclaimSend(
  entry: LedgerEntry,
  at: string,
  resolveAt: string,
): Promise<LedgerEntry | undefined> {
  const ref = refOf(entry);
  const reminder = deferredItem({ ...ref, dueAt: resolveAt, reason: 'resolve-claim' });
  try {
    await transactWrite({
      TransactItems: [
        {
          Update: {
            TableName: tableName(),
            Key: ledgerKey(ref),
            UpdateExpression: 'SET claimedAt = :now, reminderPk = :rpk, reminderSk = :rsk ADD attempts :one',
            ConditionExpression: '#state = :claimed AND claimedAt = :before',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: {
              ':now': at,
              ':one': 1,
              ':claimed': 'claimed',
              ':before': entry.claimedAt,
              ':rpk': reminder.pk,
              ':rsk': reminder.sk,
            },
          },
        },
        // The same key (due in the same hour) is replaced by the Put: a transaction may touch an item once.
        ...(entry.reminderPk === reminder.pk && entry.reminderSk === reminder.sk
          ? []
          : reminderDeletion(entry)),
        { Put: { TableName: tableName(), Item: reminder } },
      ],
    });
    return {
      ...entry,
      claimedAt: at,
      attempts: (entry.attempts ?? 1) + 1,
      reminderPk: reminder.pk,
      reminderSk: reminder.sk,
    };
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** Deleting the claim's reminder, unless it is the very item being replaced. */
function reminderDeletion(entry: LedgerEntry): TransactItem[] {
  return entry.reminderPk && entry.reminderSk
    ? [{ Delete: { TableName: tableName(), Key: { pk: entry.reminderPk, sk: entry.reminderSk } } }]
    : [];
}

export type SendOutcome =
  | { state: 'sent'; sesMessageId: string; recovered?: boolean }
  | { state: 'failed'; error: string }
  /** A claim resolved without sending: the customer withdrew consent or was suppressed meanwhile. */
  | { state: 'skipped'; reason: SkipReason };

/**
 * Record the outcome of a claimed send with its counter and log entry; a sent win-back also
 * starts waiting for an order to attribute. Conditional on the entry still being claimed, so an
 * outcome is recorded (and counted) once.
 */
export async function recordOutcome(input: {
  entry: LedgerEntry;
  at: string;
  outcome: SendOutcome;
  attributionUntil?: string;
}): Promise<boolean> {
  const { entry, at, outcome } = input;
  const ref = refOf(entry);
  const names: Record<string, string> = { '#state': 'state' };
  const values: Record<string, unknown> = { ':claimed': 'claimed', ':state': outcome.state, ':at': at };
  const sets = ['#state = :state', 'decidedAt = :at'];
  let counter: string;
  let log: MessageLog;
  const base = { campaign: entry.campaign, period: entry.period, template: entry.template };
  if (outcome.state === 'sent') {
    sets.push('sentAt = :at', 'sesMessageId = :messageId');
    values[':messageId'] = outcome.sesMessageId;
    counter = 'sent';
    log = {
      ...base,
      decision: 'sent',
      sesMessageId: outcome.sesMessageId,
      ...(outcome.recovered ? { reason: 'recovered-after-crash' } : {}),
    };
  } else if (outcome.state === 'failed') {
    sets.push('#error = :error');
    names['#error'] = 'error';
    values[':error'] = outcome.error;
    counter = 'failed';
    log = { ...base, decision: 'failed', reason: outcome.error };
  } else {
    sets.push('reason = :reason');
    values[':reason'] = outcome.reason;
    counter = skipCounter(outcome.reason);
    log = { ...base, decision: 'skipped', reason: outcome.reason };
  }
  const opensAttribution = outcome.state === 'sent' && entry.campaign === 'winback' && input.attributionUntil;
  try {
    await transactWrite({
      TransactItems: [
        {
          Update: {
            TableName: tableName(),
            Key: ledgerKey(ref),
            UpdateExpression: `SET ${sets.join(', ')} REMOVE reminderPk, reminderSk`,
            ConditionExpression: '#state = :claimed',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          },
        },
        countItem(entry.campaign, entry.month, { [counter]: 1 }),
        logItem(ref.customerId, at, log),
        ...reminderDeletion(entry),
        ...(opensAttribution
          ? [
              {
                Put: {
                  TableName: tableName(),
                  Item: {
                    ...messageKeys.openWinback(at.slice(0, 10), ref.customerId, ref.period),
                    type: 'winback-open',
                    customerId: ref.customerId,
                    period: ref.period,
                    sentAt: at,
                    until: input.attributionUntil,
                    // Closed by the attribution job at the end of the window; TTL only cleans up after a long outage.
                    expiresAt: Math.floor(Date.parse(input.attributionUntil as string) / 1000) + 14 * 86_400,
                  },
                },
              },
            ]
          : []),
      ],
    });
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** SES's Send event for a ledger entry: remember that SES accepted the message. */
export async function markAcceptedBySes(ref: LedgerRef, sesMessageId: string, at: string): Promise<void> {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: ledgerKey(ref),
        UpdateExpression:
          'SET sesAcceptedAt = if_not_exists(sesAcceptedAt, :at), sesAcceptedId = if_not_exists(sesAcceptedId, :id)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': at, ':id': sesMessageId },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error; // the customer was erased meanwhile
  }
}

export type FeedbackCounter = Extract<
  OutcomeCounter,
  'bounced' | 'complained' | 'unsubscribed' | 'converted'
>;
const FEEDBACK_ATTRIBUTE: Record<FeedbackCounter, string> = {
  bounced: 'bouncedAt',
  complained: 'complainedAt',
  unsubscribed: 'unsubscribedAt',
  converted: 'convertedAt',
};

/**
 * Something that happened after a message (a bounce, a complaint, an unsubscribe, a conversion):
 * stamped on its ledger entry and counted for its campaign once, however often it is reported.
 * `also` adds attributes to the stamp; `log` adds a message log entry in the same transaction.
 */
export async function recordAfterMessage(input: {
  ref: LedgerRef;
  counter: FeedbackCounter;
  at: string;
  also?: Record<string, string>;
  log?: MessageLog;
  /** Items to write in the same transaction (e.g. closing an open win-back). */
  with?: TransactItem[];
}): Promise<boolean> {
  const entry = await getLedger(input.ref);
  if (entry?.state !== 'sent') return false;
  const attribute = FEEDBACK_ATTRIBUTE[input.counter];
  const names: Record<string, string> = { '#stamp': attribute, '#state': 'state' };
  const values: Record<string, unknown> = { ':at': input.at, ':sent': 'sent' };
  const sets = ['#stamp = :at'];
  for (const [index, [name, value]] of Object.entries(input.also ?? {}).entries()) {
    names[`#a${index}`] = name;
    values[`:a${index}`] = value;
    sets.push(`#a${index} = :a${index}`);
  }
  try {
    await transactWrite({
      TransactItems: [
        {
          Update: {
            TableName: tableName(),
            Key: ledgerKey(input.ref),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: '#state = :sent AND attribute_not_exists(#stamp)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          },
        },
        countItem(entry.campaign, entry.month, { [input.counter]: 1 }),
        ...(input.log ? [logItem(input.ref.customerId, input.at, input.log)] : []),
        ...(input.with ?? []),
      ],
    });
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

// ---- Suppression list ----------------------------------------------------------------------

/** The suppression list's entry for an address hash, if any. */
export async function findSuppression(addressHash: string): Promise<Suppression | undefined> {
  const item = await getItem(messageKeys.suppression(addressHash));
  if (!item) return undefined;
  const reasons = item.reasons instanceof Set ? [...(item.reasons as Set<SuppressionReason>)] : [];
  return {
    reasons,
    ...(typeof item.unsubscribedAt === 'string' ? { unsubscribedAt: item.unsubscribedAt } : {}),
  };
}

/** Add an address (by hash) to the suppression list; repeating it only adds the reason. */
export async function suppress(addressHash: string, reason: SuppressionReason, at: string): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: messageKeys.suppression(addressHash),
      UpdateExpression: `SET #type = :type, firstAt = if_not_exists(firstAt, :at), lastAt = :at${
        reason === 'unsubscribe' ? ', unsubscribedAt = :at' : ''
      } ADD reasons :reason`,
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':type': 'suppression', ':at': at, ':reason': new Set([reason]) },
    }),
  );
}

/** Every item of several partitions (in parallel), optionally only the sort keys matching `sk`. */
async function queryPartitions(
  partitions: readonly string[],
  sk?: { condition: string; values: Record<string, unknown> },
): Promise<Item[]> {
  const pages = await Promise.all(
    partitions.map((pk) =>
      queryAll({
        KeyConditionExpression: sk ? `pk = :pk AND ${sk.condition}` : 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk, ...sk?.values },
      }),
    ),
  );
  return pages.flat();
}

// ---- Counters ------------------------------------------------------------------------------

/** The counter items of the months `from`..`to` (`YYYY-MM`), every campaign. */
export async function loadStats(
  campaigns: readonly Campaign[],
  from: string,
  to: string,
): Promise<StatsItem[]> {
  const items = await queryPartitions(campaigns.map(messageKeys.statsPartition), {
    condition: 'sk BETWEEN :from AND :to',
    values: { ':from': from, ':to': to },
  });
  return items as StatsItem[];
}

// ---- Deferred sends ------------------------------------------------------------------------

export interface DeferredSend {
  campaign: Campaign;
  customerId: string;
  period: string;
  dueAt: string;
  reason: string;
  /** What the campaign needs to try again (e.g. the lifecycle change of a win-back). */
  context?: Record<string, string>;
}

const DAY = 86_400_000;

function deferredItem(send: DeferredSend): Item & Key {
  return {
    ...messageKeys.deferred(send.campaign, send.dueAt, send.customerId, send.period),
    type: 'message-deferred',
    ...send,
    // Left over only if no run picked it up within the look-back: DynamoDB TTL removes it.
    expiresAt: Math.floor(Date.parse(send.dueAt) / 1000) + 14 * 86_400,
  };
}

export async function deferSend(send: DeferredSend): Promise<void> {
  await documentClient.send(new PutCommand({ TableName: tableName(), Item: deferredItem(send) }));
}

/**
 * Defer a send to the end of the quiet hours, with its log entry and counter, once: a duplicate
 * event deferred to the same moment finds the item and records nothing more.
 */
export async function recordDeferral(
  send: DeferredSend,
  at: string,
  month: string,
): Promise<'deferred' | 'exists' | 'gone'> {
  const outcome = await recordOnce(send.customerId, deferredItem(send), { month, counter: 'deferred' }, at, {
    campaign: send.campaign,
    period: send.period,
    decision: 'deferred',
    reason: send.reason,
    until: send.dueAt,
  });
  return outcome === 'recorded' ? 'deferred' : outcome;
}

/**
 * Deferred sends of a campaign due at `now`: the UTC days of the last `lookbackDays` up to now
 * (a run that missed a few hours, or days, still finds what was due meanwhile).
 */
export async function dueDeferredSends(
  campaign: Campaign,
  now: Date,
  lookbackDays = 3,
): Promise<Array<DeferredSend & Key>> {
  const days = Array.from({ length: lookbackDays + 1 }, (_, index) =>
    new Date(now.getTime() - index * DAY).toISOString().slice(0, 10),
  );
  const items = await queryPartitions(
    days.map((day) => messageKeys.deferredPartition(campaign, day)),
    { condition: 'sk <= :now', values: { ':now': `${now.toISOString()}~` } },
  );
  return items as unknown as Array<DeferredSend & Key>;
}

/** Remove a handled deferred item. */
export async function removeDeferredSend(send: Key): Promise<void> {
  await documentClient.send(new DeleteCommand({ TableName: tableName(), Key: { pk: send.pk, sk: send.sk } }));
}

// ---- Win-back attribution ------------------------------------------------------------------

export interface OpenWinback extends Key {
  customerId: string;
  period: string;
  sentAt: string;
  until: string;
}

/** Win-backs sent on the UTC days given (`YYYY-MM-DD`) and not yet converted or closed. */
export async function openWinbacks(days: readonly string[]): Promise<OpenWinback[]> {
  return (await queryPartitions(days.map(messageKeys.openWinbacksPartition))) as unknown as OpenWinback[];
}

export const closeOpenWinbackItem = (open: Key): TransactItem => ({
  Delete: { TableName: tableName(), Key: { pk: open.pk, sk: open.sk } },
});

export const closeOpenWinback = removeDeferredSend;

/** The customer's first order placed in (from, to], from their timeline (kind `order`). */
export async function firstOrderBetween(
  customerId: string,
  from: string,
  to: string,
): Promise<{ orderId: string; at: string } | undefined> {
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        FilterExpression: '#kind = :order AND #at > :after',
        ExpressionAttributeNames: { '#kind': 'kind', '#at': 'at' },
        ExpressionAttributeValues: {
          ':pk': customerPartition(customerId),
          ':from': `${TIMELINE_PREFIX}${from}`,
          ':to': `${TIMELINE_PREFIX}${to}\uffff`,
          ':order': 'order',
          ':after': from,
        },
        ExclusiveStartKey,
      }),
    );
    const first = page.Items?.[0];
    if (first) return { orderId: String(first.orderId ?? first.id ?? ''), at: String(first.at) };
    ExclusiveStartKey = page.LastEvaluatedKey as Item | undefined;
  } while (ExclusiveStartKey);
  return undefined;
}

// ---- Birthdays -----------------------------------------------------------------------------

/**
 * Customers whose birthday is on one of the month-days (`MM-DD`), page by page from the
 * `byBirthday` index. The index holds keys only (an order's aggregate update never rewrites it):
 * each page's customers are read with their profiles and scores; one erased since is left out.
 */
export async function* customersWithBirthday(monthDays: readonly string[]): AsyncGenerator<StoredCustomer> {
  for (const monthDay of monthDays) {
    const { birthdayPk } = indexKeys.birthday(`--${monthDay}`, '');
    let ExclusiveStartKey: Item | undefined;
    do {
      const page = await documentClient.send(
        new QueryCommand({
          TableName: tableName(),
          IndexName: 'byBirthday',
          KeyConditionExpression: 'birthdayPk = :pk',
          ExpressionAttributeValues: { ':pk': birthdayPk },
          ExclusiveStartKey,
        }),
      );
      // The index's sort key is the customer id (indexKeys.birthday).
      yield* await loadCustomers((page.Items ?? []).map((item) => String(item.birthdaySk)));
      ExclusiveStartKey = page.LastEvaluatedKey as Item | undefined;
    } while (ExclusiveStartKey);
  }
}
