// Saved segment definitions, campaigns, their runs, the notice ledger and download records in the
// single table (keys: `campaignKeys` in keys.ts).
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../clients/dynamodb.js';
import type { CampaignInput, CampaignRecord, LastRun, ListSummary } from '../domain/campaign.js';
import { NotFoundError, PreconditionFailedError } from '../domain/errors.js';
import type { SegmentDefinitionRecord } from '../domain/segment-definition.js';
import { batchWrite, cursor, deleteRequest, isConditionFailure, queryAll } from './dynamo-helpers.js';
import { campaignKeys, type Key } from './keys.js';

type Item = Record<string, unknown>;

/** Notice ledger entries and download records expire (DynamoDB TTL) after about 13 months. */
const RECORD_DAYS = 400;
const expiresAt = (at: string) => Math.floor(Date.parse(at) / 1000) + RECORD_DAYS * 86_400;

const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'type']);
const strip = <T>(item: Item): T =>
  Object.fromEntries(Object.entries(item).filter(([key]) => !KEY_ATTRIBUTES.has(key))) as T;

async function getItem(key: Key, consistent = false): Promise<Item | undefined> {
  const result = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: consistent }),
  );
  return result.Item as Item | undefined;
}

/**
 * Replace the given attributes of an existing item if its version is still `expectedVersion`
 * (absent attributes of `fields` are removed); other attributes (a campaign's `lastRun`) stay.
 */
async function replaceFields(
  key: Key,
  fields: Record<string, unknown>,
  expectedVersion: number,
  entity: string,
  id: string,
): Promise<void> {
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = { ':expected': expectedVersion, ':one': 1 };
  const sets: string[] = [];
  const removes: string[] = [];
  Object.entries(fields).forEach(([field, value], index) => {
    names[`#f${index}`] = field;
    if (value === undefined) removes.push(`#f${index}`);
    else {
      values[`:f${index}`] = value;
      sets.push(`#f${index} = :f${index}`);
    }
  });
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key,
        UpdateExpression: `SET ${sets.join(', ')} ADD #version :one${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const current = await getItem(key, true);
    if (!current) throw new NotFoundError(entity, id);
    throw new PreconditionFailedError(
      `the ${entity} changed since version ${expectedVersion}; read it again`,
    );
  }
}

// --- Segment definitions ----------------------------------------------------------------------

export async function insertDefinition(record: SegmentDefinitionRecord): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...campaignKeys.definition(record.id), type: 'segment-definition', ...record },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

export async function loadDefinition(id: string, consistent = false): Promise<SegmentDefinitionRecord> {
  const item = await getItem(campaignKeys.definition(id), consistent);
  if (!item) throw new NotFoundError('segment definition', id);
  return strip(item);
}

export async function definitionExists(id: string): Promise<boolean> {
  return (await getItem(campaignKeys.definition(id), true)) !== undefined;
}

export async function replaceDefinition(
  record: Pick<SegmentDefinitionRecord, 'id' | 'name' | 'description' | 'rule' | 'updatedAt'>,
  expectedVersion: number,
): Promise<void> {
  const { id, ...fields } = record;
  await replaceFields(campaignKeys.definition(id), fields, expectedVersion, 'segment definition', id);
}

export async function deleteDefinition(id: string): Promise<void> {
  await documentClient.send(new DeleteCommand({ TableName: tableName(), Key: campaignKeys.definition(id) }));
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

async function listPartition<T>(pk: string, limit: number, after?: string): Promise<Page<T>> {
  const page = await documentClient.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      Limit: limit,
      ExclusiveStartKey: cursor.decode(after),
    }),
  );
  return {
    items: (page.Items ?? []).map((item) => strip<T>(item)),
    nextCursor: cursor.encode(page.LastEvaluatedKey),
  };
}

export function listDefinitions(limit: number, after?: string): Promise<Page<SegmentDefinitionRecord>> {
  return listPartition(campaignKeys.definitionsPartition, limit, after);
}

// --- Campaigns --------------------------------------------------------------------------------

export async function insertCampaign(record: CampaignRecord): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...campaignKeys.campaign(record.id), type: 'campaign', ...record },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

export async function loadCampaign(id: string, consistent = false): Promise<CampaignRecord> {
  const item = await getItem(campaignKeys.campaign(id), consistent);
  if (!item) throw new NotFoundError('campaign', id);
  return strip(item);
}

export async function replaceCampaign(
  id: string,
  input: CampaignInput & { updatedAt: string },
  expectedVersion: number,
): Promise<void> {
  const fields: Record<string, unknown> = {
    name: input.name,
    description: input.description,
    segment: input.segment,
    channel: input.channel,
    offer: input.offer,
    action: input.action,
    recipients: input.recipients,
    language: input.language,
    active: input.active,
    updatedAt: input.updatedAt,
  };
  await replaceFields(campaignKeys.campaign(id), fields, expectedVersion, 'campaign', id);
}

export function listCampaigns(limit: number, after?: string): Promise<Page<CampaignRecord>> {
  return listPartition(campaignKeys.campaignsPartition, limit, after);
}

/** Every campaign (the partition holds tens of them, read once per list generation). */
export async function allCampaigns(): Promise<CampaignRecord[]> {
  const items = await queryAll({
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': campaignKeys.campaignsPartition },
  });
  return items.map((item) => strip<CampaignRecord>(item));
}

/** Delete a campaign with its runs, ledger and download records (the CSVs expire in S3). */
export async function deleteCampaign(id: string): Promise<void> {
  await documentClient.send(new DeleteCommand({ TableName: tableName(), Key: campaignKeys.campaign(id) }));
  const rest = await queryAll({
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': campaignKeys.campaignPartition(id) },
    ProjectionExpression: 'pk, sk',
  });
  await batchWrite(rest.map((item) => deleteRequest({ pk: String(item.pk), sk: String(item.sk) })));
}

/** The campaign's latest list, kept on the campaign for the overview; never resurrects a deleted one. */
export async function setLastRun(campaignId: string, lastRun: LastRun): Promise<void> {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: campaignKeys.campaign(campaignId),
        UpdateExpression: 'SET lastRun = :run',
        // A backfill of an older day must not hide the newest list.
        ConditionExpression:
          'attribute_exists(pk) AND (attribute_not_exists(lastRun) OR lastRun.asOf <= :asOf)',
        ExpressionAttributeValues: { ':run': lastRun, ':asOf': lastRun.asOf },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

// --- Runs -------------------------------------------------------------------------------------

export type RunStatus = 'completed' | 'failed';

export interface CampaignRun {
  campaignId: string;
  runId: string;
  asOf: string;
  status: RunStatus;
  trigger: 'analytics' | 'job';
  analyticsRunId?: string;
  generatedAt: string;
  /** Why a run failed (no personal data). */
  error?: string;
  objectKey?: string;
  fileName?: string;
  bytes?: number;
  summary?: ListSummary;
  /** Size of the list before this one (for "change since last run"). */
  previousSize?: number;
  /** How many recipients were notified of this run. */
  noticesSent?: number;
}

/** Write a run; a re-run of the same day replaces it (same key), never adds a second one. */
export async function putRun(run: CampaignRun): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...campaignKeys.run(run.campaignId, run.runId), type: 'campaign-run', ...run },
    }),
  );
}

export async function loadRun(campaignId: string, runId: string): Promise<CampaignRun> {
  const item = await getItem(campaignKeys.run(campaignId, runId));
  if (!item) throw new NotFoundError('run', `${campaignId}/${runId}`);
  return strip(item);
}

/** Runs newest first. */
export async function listRuns(
  campaignId: string,
  limit: number,
  after?: string,
): Promise<Page<CampaignRun>> {
  const page = await documentClient.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :runs)',
      ExpressionAttributeValues: {
        ':pk': campaignKeys.campaignPartition(campaignId),
        ':runs': campaignKeys.runPrefix,
      },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: cursor.decode(after),
    }),
  );
  return {
    items: (page.Items ?? []).map((item) => strip<CampaignRun>(item)),
    nextCursor: cursor.encode(page.LastEvaluatedKey),
  };
}

/** The latest completed run of a day before `asOf`, for "change since last run". */
export async function previousRun(campaignId: string, asOf: string): Promise<CampaignRun | undefined> {
  const page = await documentClient.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :before',
      FilterExpression: '#status = :completed',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':pk': campaignKeys.campaignPartition(campaignId),
        ':from': campaignKeys.runPrefix,
        ':before': campaignKeys.run(campaignId, asOf).sk,
        ':completed': 'completed',
      },
      ScanIndexForward: false,
      Limit: 10,
    }),
  );
  return (page.Items ?? []).map((item) => strip<CampaignRun>(item)).find((run) => run.asOf < asOf);
}

export async function recordNoticesSent(campaignId: string, runId: string, count: number): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: campaignKeys.run(campaignId, runId),
      UpdateExpression: 'SET noticesSent = :count',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':count': count },
    }),
  );
}

// --- The notice ledger ------------------------------------------------------------------------

export type NoticeClaim = 'claimed' | 'already-sent' | 'outcome-unknown';

/**
 * Claim the notice of a run for a recipient. `claimed`: send it now. `already-sent`: an earlier
 * delivery sent it. `outcome-unknown`: an earlier delivery claimed it and stopped before recording
 * the outcome (a crash between the SES call and the write): it is presumed sent, never sent again.
 * A failed send (SES answered with an error) releases its claim, so a retry sends it.
 */
export async function claimNotice(
  campaignId: string,
  runId: string,
  recipient: string,
  now: string,
): Promise<NoticeClaim> {
  try {
    await documentClient.send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...campaignKeys.notice(campaignId, runId, recipient),
          type: 'campaign-notice',
          status: 'claimed',
          claimedAt: now,
          expiresAt: expiresAt(now),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return 'claimed';
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const existing = await getItem(campaignKeys.notice(campaignId, runId, recipient), true);
    return existing?.status === 'sent' ? 'already-sent' : 'outcome-unknown';
  }
}

export async function markNoticeSent(
  campaignId: string,
  runId: string,
  recipient: string,
  messageId: string,
  now: string,
) {
  await documentClient.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: campaignKeys.notice(campaignId, runId, recipient),
      UpdateExpression: 'SET #status = :sent, sentAt = :now, messageId = :id',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':sent': 'sent', ':now': now, ':id': messageId },
    }),
  );
}

export async function releaseNotice(campaignId: string, runId: string, recipient: string): Promise<void> {
  await documentClient.send(
    new DeleteCommand({ TableName: tableName(), Key: campaignKeys.notice(campaignId, runId, recipient) }),
  );
}

// --- Downloads --------------------------------------------------------------------------------

export async function recordDownload(entry: {
  campaignId: string;
  runId: string;
  subject: string;
  at: string;
  requestId: string;
  rows: number;
}): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        ...campaignKeys.download(entry.campaignId, entry.at, entry.requestId),
        type: 'campaign-download',
        ...entry,
        expiresAt: expiresAt(entry.at),
      },
    }),
  );
}
