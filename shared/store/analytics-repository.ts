// The nightly analytics in the single table: the run's state (attempts, shard summaries, claims),
// the parallel Scan of the profiles, the score writes (scores items beside the profiles), and the results readers query
// (model, segment profiles, KPIs, acquisition costs). Keys: shared/store/keys.ts (`analyticsKeys`).
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../clients/dynamodb.js';
import type { CustomerScores } from '../domain/customer-scores.js';
import { loadCustomers, loadScoresItems, type Page, type StoredCustomer } from './customer-repository.js';
import {
  batchWrite,
  cursor,
  deleteRequest,
  isConditionFailure,
  putRequest,
  queryAll,
  queryShards,
} from './dynamo-helpers.js';
import { analyticsKeys, keys, scoreIndexKeys } from './keys.js';
import { scanProfileSegment } from './profile-scan.js';

type Item = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Run state

export interface RunRecord {
  asOf: string;
  attempt: number;
  runId: string;
  totalShards: number;
  status: 'running' | 'completed';
  startedAt: string;
  completedAt?: string;
  summary?: unknown;
}

export const runIdOf = (asOf: string, attempt: number) => `run-${asOf}-${attempt}`;

/** A new attempt at the run of `asOf` (the first, or a re-run): its number comes from an atomic counter. */
export async function startRunAttempt(asOf: string, totalShards: number, now: string): Promise<RunRecord> {
  const result = await documentClient.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: analyticsKeys.run(asOf),
      UpdateExpression:
        'ADD attempt :one SET asOf = :asOf, totalShards = :shards, #status = :running, startedAt = :now, #type = :type REMOVE completedAt',
      ExpressionAttributeNames: { '#status': 'status', '#type': 'type' },
      ExpressionAttributeValues: {
        ':one': 1,
        ':asOf': asOf,
        ':shards': totalShards,
        ':running': 'running',
        ':now': now,
        ':type': 'analytics-run',
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  const attempt = Number(result.Attributes?.attempt);
  return { asOf, attempt, runId: runIdOf(asOf, attempt), totalShards, status: 'running', startedAt: now };
}

export async function loadRun(asOf: string): Promise<RunRecord | undefined> {
  const result = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: analyticsKeys.run(asOf), ConsistentRead: true }),
  );
  if (!result.Item) return undefined;
  const item = result.Item;
  return {
    asOf: String(item.asOf),
    attempt: Number(item.attempt),
    runId: runIdOf(String(item.asOf), Number(item.attempt)),
    totalShards: Number(item.totalShards),
    status: item.status as RunRecord['status'],
    startedAt: String(item.startedAt),
    completedAt: item.completedAt as string | undefined,
    summary: item.summary,
  };
}

/** Marks the attempt's run completed with its summary (a later attempt's completion overwrites it). */
export async function completeRun(
  asOf: string,
  attempt: number,
  summary: unknown,
  now: string,
): Promise<void> {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: analyticsKeys.run(asOf),
        UpdateExpression:
          'SET #status = :completed, completedAt = :now, summary = :summary, completedAttempt = :attempt',
        // An older attempt finishing late never overwrites a newer attempt's result.
        ConditionExpression: 'attribute_not_exists(completedAttempt) OR completedAttempt <= :attempt',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':completed': 'completed',
          ':now': now,
          ':summary': summary,
          ':attempt': attempt,
        },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

const PART_BYTES = 300 * 1024;

/**
 * The summary of one slice of a shard (gzip'd JSON, in parts that fit DynamoDB's 400 kB items).
 * Only the invocation holding the slice's claim writes it, and a retry of that invocation rewrites
 * it whole; every part carries the part count, and part 0 (always rewritten) is authoritative.
 */
export async function putSliceSummary(
  asOf: string,
  attempt: number,
  phase: number,
  shard: number,
  slice: number,
  summary: unknown,
): Promise<void> {
  const packed = gzipSync(JSON.stringify(summary));
  const parts: Uint8Array[] = [];
  for (let start = 0; start < packed.length || parts.length === 0; start += PART_BYTES) {
    parts.push(packed.subarray(start, start + PART_BYTES));
  }
  // Parts one request each: a batch of 25 parts could exceed BatchWriteItem's 16 MB.
  for (const [part, data] of parts.entries()) {
    await documentClient.send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...analyticsKeys.shardData(asOf, attempt, phase, shard, slice, part),
          type: 'analytics-shard-data',
          data,
          parts: parts.length,
        },
      }),
    );
  }
}

/** The shard's completion marker (after its last slice's summary), with the counts of all its slices. */
export async function putShardDone(
  asOf: string,
  attempt: number,
  phase: number,
  shard: number,
  slices: number,
  counts: Record<string, number>,
): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        ...analyticsKeys.shardDone(asOf, attempt, phase, shard),
        type: 'analytics-shard-done',
        shard,
        slices,
        counts,
      },
    }),
  );
}

/** How a slice ended: where the next slice starts (none: the shard is done) and the counts so far. */
export interface SliceEnd {
  next?: string;
  counts: Record<string, number>;
}

/**
 * Claims a slice of a shard for the invocation `owner` (the triggering event's id: a retried
 * delivery resumes its own claim). Undefined when another delivery holds it (a duplicate
 * continuation event: that one carries the slice on); the slice's end when it is already finished.
 */
export async function claimSlice(
  key: { pk: string; sk: string },
  owner: string,
): Promise<{ end?: SliceEnd } | undefined> {
  try {
    const result = await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key,
        UpdateExpression: 'SET #owner = :owner, #type = :type',
        ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner', '#type': 'type' },
        ExpressionAttributeValues: { ':owner': owner, ':type': 'analytics-slice' },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const item = result.Attributes ?? {};
    if (item.done !== true) return {};
    const counts = (item.counts ?? {}) as Record<string, number>;
    return { end: item.next === undefined ? { counts } : { next: String(item.next), counts } };
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** Records how the owner's slice ended (after its summary is stored), before anything is announced. */
export async function finishSlice(
  key: { pk: string; sk: string },
  owner: string,
  end: SliceEnd,
): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: key,
      UpdateExpression: `SET done = :true, counts = :counts${end.next === undefined ? '' : ', #next = :next'}`,
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner', ...(end.next === undefined ? {} : { '#next': 'next' }) },
      ExpressionAttributeValues: {
        ':true': true,
        ':owner': owner,
        ':counts': end.counts,
        ...(end.next === undefined ? {} : { ':next': end.next }),
      },
    }),
  );
}

/** How many shards of the attempt's phase are done (strongly consistent). */
export async function countDoneShards(asOf: string, attempt: number, phase: number): Promise<number> {
  let count = 0;
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': analyticsKeys.runPartition(asOf),
          ':prefix': analyticsKeys.shardDonePrefix(attempt, phase),
        },
        ConsistentRead: true,
        Select: 'COUNT',
        ExclusiveStartKey,
      }),
    );
    count += page.Count ?? 0;
    ExclusiveStartKey = page.LastEvaluatedKey as Item | undefined;
  } while (ExclusiveStartKey);
  return count;
}

/** Every shard's slice summaries of the attempt's phase, by shard number, in slice order. */
export async function loadShardSummaries<T>(
  asOf: string,
  attempt: number,
  phase: number,
): Promise<Map<number, T[]>> {
  const prefix = analyticsKeys.shardDataPrefix(attempt, phase);
  const items = await queryAll({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': analyticsKeys.runPartition(asOf), ':prefix': prefix },
    ConsistentRead: true,
  });
  // Items arrive in sort-key order: shard, slice, part.
  const slices = new Map<string, { shard: number; parts: Buffer[]; count: number }>();
  for (const item of items) {
    const [shard, slice, part] = String(item.sk).slice(prefix.length).split('#').map(Number);
    const key = `${shard}#${slice}`;
    if (part === 0) slices.set(key, { shard: shard as number, parts: [], count: Number(item.parts) });
    const entry = slices.get(key);
    // Parts beyond part 0's count are left over from a longer write the owner's retry replaced.
    if (entry && (part as number) < entry.count) entry.parts.push(Buffer.from(item.data as Uint8Array));
  }
  const byShard = new Map<number, T[]>();
  for (const { shard, parts } of slices.values()) {
    const summaries = byShard.get(shard) ?? [];
    summaries.push(JSON.parse(gunzipSync(Buffer.concat(parts)).toString('utf8')) as T);
    byShard.set(shard, summaries);
  }
  return byShard;
}

/**
 * Claims a step that must happen once (a phase transition, the completion event). The owner is the
 * triggering event's id, so a retried delivery of the same event may resume its own unfinished
 * claim; `takeOverBelowAttempt` lets a later attempt take over an earlier attempt's unfinished one.
 */
export async function claimStep(
  key: { pk: string; sk: string },
  owner: string,
  attempt: number,
  takeOverUnfinished = false,
): Promise<boolean> {
  try {
    await documentClient.send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...key, type: 'analytics-claim', owner, attempt, done: false },
        ConditionExpression: takeOverUnfinished
          ? 'attribute_not_exists(pk) OR #owner = :owner OR (done = :false AND attempt < :attempt)'
          : 'attribute_not_exists(pk) OR #owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: takeOverUnfinished
          ? { ':owner': owner, ':false': false, ':attempt': attempt }
          : { ':owner': owner },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export async function finishStep(key: { pk: string; sk: string }, owner: string): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: key,
      UpdateExpression: 'SET done = :true',
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':true': true, ':owner': owner },
    }),
  );
}

export async function putRunContext(asOf: string, attempt: number, context: unknown): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        ...analyticsKeys.context(asOf, attempt),
        type: 'analytics-context',
        data: gzipSync(JSON.stringify(context)),
      },
    }),
  );
}

export async function loadRunContext<T>(asOf: string, attempt: number): Promise<T | undefined> {
  const result = await documentClient.send(
    new GetCommand({
      TableName: tableName(),
      Key: analyticsKeys.context(asOf, attempt),
      ConsistentRead: true,
    }),
  );
  const data = result.Item?.data as Uint8Array | undefined;
  return data ? (JSON.parse(gunzipSync(Buffer.from(data)).toString('utf8')) as T) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Results by as-of date

async function putDated(key: { pk: string; sk: string }, type: string, value: Item): Promise<void> {
  await documentClient.send(new PutCommand({ TableName: tableName(), Item: { ...key, type, ...value } }));
}

async function newestDated(pk: string, limit: number, asOf?: string): Promise<Item[]> {
  const result = await documentClient.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: asOf ? 'pk = :pk AND sk <= :asOf' : 'pk = :pk',
      ExpressionAttributeValues: asOf ? { ':pk': pk, ':asOf': asOf } : { ':pk': pk },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return (result.Items ?? []) as Item[];
}

const strip = ({ pk: _pk, sk: _sk, type: _type, ...rest }: Item) => rest;

export const putModel = (asOf: string, model: Item) =>
  putDated(analyticsKeys.model(asOf), 'analytics-model', model);
export async function loadModel(asOf?: string): Promise<Item | undefined> {
  const [item] = await newestDated(analyticsKeys.modelPartition, 1, asOf);
  return item && (!asOf || item.sk === asOf) ? strip(item) : undefined;
}

export const putSegmentStats = (asOf: string, stats: Item) =>
  putDated(analyticsKeys.segments(asOf), 'analytics-segments', stats);
/** The segment profiles of the last `runs` as-of dates up to `asOf` (default: all), newest first. */
export async function loadSegmentHistory(runs: number, asOf?: string): Promise<Item[]> {
  return (await newestDated(analyticsKeys.segmentsPartition, runs, asOf)).map(strip);
}

export const putKpis = (asOf: string, kpis: Item) =>
  putDated(analyticsKeys.kpis(asOf), 'analytics-kpis', kpis);
export async function loadKpis(asOf?: string): Promise<Item | undefined> {
  const [item] = await newestDated(analyticsKeys.kpisPartition, 1, asOf);
  return item && (!asOf || item.sk === asOf) ? strip(item) : undefined;
}

export async function putAcquisitionCosts(
  month: string,
  costs: Record<string, number>,
  now: string,
): Promise<void> {
  await putDated(analyticsKeys.acquisitionCosts(month), 'acquisition-costs', {
    month,
    costs,
    updatedAt: now,
  });
}

/** Acquisition costs of the months from … to (inclusive), by month. */
export async function loadAcquisitionCosts(
  fromMonth: string,
  toMonth: string,
): Promise<Array<{ month: string; costs: Record<string, number> }>> {
  const items = await queryAll({
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: {
      ':pk': analyticsKeys.acquisitionCostsPartition,
      ':from': fromMonth,
      ':to': toMonth,
    },
  });
  return items.map((item) => ({ month: String(item.month), costs: item.costs as Record<string, number> }));
}

// ---------------------------------------------------------------------------------------------
// Profiles: the sharded Scan and the score writes

/** What the nightly run reads of a profile (nothing else travels). */
export interface ScannedProfile {
  id: string;
  createdAt: string;
  dailySpend?: Record<string, number>;
  dailyOrders?: Record<string, number>;
  gender?: string;
  birthDate?: string;
  address?: { region?: string; country?: string };
  acquisitionChannel?: string;
  /** Distinct SKUs bought (undated), for the co-purchase counts of phase 1. */
  skus?: string[];
}

/** A lifecycle change recorded with the scores, until its event is on the bus. */
export interface LifecycleOutbox {
  customerId: string;
  from: string;
  to: string;
  asOf: string;
  runId: string;
}

/** A customer's scores item as the run reads it: the scores, and a change not yet announced. */
export interface StoredScores {
  scores?: CustomerScores;
  lifecycleOutbox?: LifecycleOutbox;
}

const SCAN_ATTRIBUTES = [
  'id',
  'createdAt',
  'dailySpend',
  'dailyOrders',
  'gender',
  'birthDate',
  'address',
  'acquisitionChannel',
  'skus',
];

/** A page of a shard's Scan, and where the Scan goes on after it (none: it was the last page). */
export interface ScannedPage {
  profiles: ScannedProfile[];
  next?: string;
}

/**
 * One segment of a parallel Scan of the `byList` index, page by page: the profiles (and only
 * profiles: the index is overloaded, hence the filter) with their aggregates, never their orders.
 * From `after` (a page's `next`) when given.
 */
export async function* scanProfiles(
  segment: number,
  totalSegments: number,
  pageSize?: number,
  after?: string,
): AsyncGenerator<ScannedPage> {
  const options = { pageSize, attributes: SCAN_ATTRIBUTES, startKey: cursor.decode(after, 'startKey') };
  for await (const { items, lastKey } of scanProfileSegment(segment, totalSegments, options)) {
    yield { profiles: items as unknown as ScannedProfile[], next: cursor.encode(lastKey) };
  }
}

/**
 * The scores items of these customers, strongly consistent (a retried slice sees what its earlier
 * attempt wrote), by customer id.
 */
export async function loadStoredScores(customerIds: readonly string[]): Promise<Map<string, StoredScores>> {
  const items = await loadScoresItems(customerIds, true);
  return new Map(
    [...items].map(([id, item]) => [
      id,
      {
        scores: item.scores as CustomerScores | undefined,
        lifecycleOutbox: item.lifecycleOutbox as LifecycleOutbox | undefined,
      },
    ]),
  );
}

/** New scores of one customer, and the lifecycle change they make (if any). */
export interface ScoresWrite {
  customerId: string;
  scores: CustomerScores;
  change?: LifecycleOutbox | undefined;
}

/**
 * The scores items of a page of customers, with the index keys of their segment, lifecycle stage
 * and tier, and for a lifecycle change the outbox entry on the item plus the change record: plain
 * BatchWriteItem puts, 25 a call. Only the nightly run writes these items, so nothing else can race
 * the put (order writes touch the profile item, never this one); a repeated put of the same night
 * writes the same item. A customer erased or merged meanwhile: see {@link profilesGone}.
 */
export async function putScores(writes: readonly ScoresWrite[]): Promise<void> {
  if (writes.length === 0) return;
  await batchWrite(
    writes.flatMap(({ customerId, scores, change }) => [
      putRequest({
        ...keys.scores(customerId),
        type: 'scores',
        customerId,
        scores,
        ...(change ? { lifecycleOutbox: change } : {}),
        ...(scores.rfm ? scoreIndexKeys.segment(scores.rfm.segment, customerId) : {}),
        ...scoreIndexKeys.lifecycle(scores.lifecycle.stage, customerId),
        ...(scores.tier ? scoreIndexKeys.tier(scores.tier, customerId) : {}),
      }),
      ...(change
        ? [
            putRequest({
              ...analyticsKeys.lifecycleChange(customerId, change.asOf),
              type: 'lifecycle-change',
              ...change,
            }),
          ]
        : []),
    ]),
  );
}

/**
 * Of these customers, the ones without a profile: erased or merged away while the run scored them.
 * Checked after their scores were written; erasure and merge delete the profile before they clear
 * the partition, so a scores item put before that clearing goes with it, and one put after it is
 * found here (docs/analytics.md, "Scores beside the profile").
 */
export async function profilesGone(customerIds: readonly string[]): Promise<Set<string>> {
  const TableName = tableName();
  const present = new Set<string>();
  for (let start = 0; start < customerIds.length; start += 100) {
    let pending: Item[] | undefined = customerIds.slice(start, start + 100).map((id) => keys.customer(id));
    while (pending && pending.length > 0) {
      const result = await documentClient.send(
        new BatchGetCommand({
          RequestItems: {
            [TableName]: { Keys: pending, ConsistentRead: true, ProjectionExpression: 'pk' },
          },
        }),
      );
      for (const item of result.Responses?.[TableName] ?? []) present.add(String(item.pk));
      pending = result.UnprocessedKeys?.[TableName]?.Keys as Item[] | undefined;
    }
  }
  return new Set(customerIds.filter((id) => !present.has(keys.customer(id).pk)));
}

/** Takes back what {@link putScores} wrote for customers found gone. */
export async function deleteScores(writes: readonly ScoresWrite[]): Promise<void> {
  await batchWrite(
    writes.flatMap(({ customerId, change }) => [
      deleteRequest(keys.scores(customerId)),
      ...(change ? [deleteRequest(analyticsKeys.lifecycleChange(customerId, change.asOf))] : []),
    ]),
  );
}

/** Removes a published outbox entry (only that one: a newer change may have replaced it). */
export async function clearOutbox(change: LifecycleOutbox): Promise<void> {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.scores(change.customerId),
        UpdateExpression: 'REMOVE #outbox',
        ConditionExpression: '#outbox.asOf = :asOf AND #outbox.#to = :to',
        ExpressionAttributeNames: { '#outbox': 'lifecycleOutbox', '#to': 'to' },
        ExpressionAttributeValues: { ':asOf': change.asOf, ':to': change.to },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/**
 * Members of a segment, lifecycle stage and/or tier, one page at a time: a Query of the index of
 * the first filter given (segment, then lifecycle, then tier), never a Scan. The indexes hold only
 * keys (shared/app.ts): the page's customers are read with their profiles and scores, and the
 * other filters apply to those scores, so a page can hold fewer than `limit` members (as with a
 * filter expression) while the cursor still moves on.
 */
export async function listCustomersByScores(
  filter: { segment?: string; lifecycle?: string; tier?: string },
  limit: number,
  after?: string,
): Promise<Page<StoredCustomer>> {
  const indexes = [
    {
      value: filter.segment,
      index: 'bySegment',
      key: 'segmentPk',
      member: 'segmentSk',
      partitions: scoreIndexKeys.segmentPks,
      of: (scores: CustomerScores) => scores.rfm?.segment,
    },
    {
      value: filter.lifecycle,
      index: 'byLifecycle',
      key: 'lifecyclePk',
      member: 'lifecycleSk',
      partitions: scoreIndexKeys.lifecyclePks,
      of: (scores: CustomerScores) => scores.lifecycle.stage,
    },
    {
      value: filter.tier,
      index: 'byTier',
      key: 'tierPk',
      member: 'tierSk',
      partitions: scoreIndexKeys.tierPks,
      of: (scores: CustomerScores) => scores.tier,
    },
  ].filter((candidate): candidate is typeof candidate & { value: string } => candidate.value !== undefined);
  const [primary] = indexes;
  if (!primary) return { items: [] };
  const page = await queryShards({
    index: primary.index,
    partitionKey: primary.key,
    sortKey: primary.member,
    partitions: primary.partitions(primary.value),
    limit,
    after,
  });
  // A customer erased or merged since the night's run has no profile and is left out; one whose
  // scores the index has not caught up with yet is judged on the scores as stored.
  // The index's sort key is the customer id (scoreIndexKeys).
  const ids = page.items.map((item) => String(item[primary.member]));
  const members = (await loadCustomers(ids)).filter((customer) => {
    const scores = customer.scores as CustomerScores | undefined;
    return scores !== undefined && indexes.every((wanted) => wanted.of(scores) === wanted.value);
  });
  return { items: members, nextCursor: page.nextCursor };
}
