// Complaints are timeline items (`TL#<openedAt>#complaint#<id>` in the customer's partition). The
// complaint id carries its opening time (a ULID), so customer id + complaint id locate the item
// without a pointer. Complaints in a queue status also carry `listPk`/`listSk` (`byList` index):
// the support queue per status, oldest first.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../clients/dynamodb.js';
import {
  type ComplaintChange,
  type ComplaintRecord,
  isQueued,
  isReopen,
  openedAtOf,
  type QueueStatus,
} from '../domain/complaint.js';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import { cancellationCodes, cursor, isConditionFailure } from './dynamo-helpers.js';
import { indexKeys, keys } from './keys.js';
import { appendTimelineItem, getItem, transactWrite } from './timeline-repository.js';

type Item = Record<string, unknown>;

const complaintKey = (customerId: string, complaintId: string) =>
  keys.timeline(customerId, openedAtOf(complaintId), 'complaint', complaintId);

const RECORD_FIELDS = [
  'id',
  'customerId',
  'category',
  'severity',
  'description',
  'channel',
  'status',
  'openedAt',
  'updatedAt',
  'firstResponseAt',
  'resolvedAt',
  'closedAt',
  'reopenCount',
  'history',
] as const satisfies ReadonlyArray<keyof ComplaintRecord>;

export function complaintFromItem(item: Item): ComplaintRecord {
  return Object.fromEntries(
    RECORD_FIELDS.filter((field) => item[field] !== undefined).map((field) => [field, item[field]]),
  ) as unknown as ComplaintRecord;
}

/** A new complaint, counted in the profile's `openComplaints` in the same transaction. */
export async function insertComplaint(record: ComplaintRecord): Promise<void> {
  const { id, customerId, openedAt, ...fields } = record;
  await appendTimelineItem({
    customerId,
    kind: 'complaint',
    id,
    at: openedAt,
    fields: {
      ...fields,
      openedAt,
      type: 'complaint',
      ...indexKeys.complaintQueue(record.status, openedAt, id),
    },
    profile: { expression: 'ADD openComplaints :one', values: { ':one': 1 } },
  });
}

export async function loadComplaint(customerId: string, complaintId: string): Promise<ComplaintRecord> {
  const item = await getItem(complaintKey(customerId, complaintId));
  if (!item) throw new NotFoundError('complaint', complaintId);
  return complaintFromItem(item);
}

/**
 * Apply a legal move as one conditional update (the status must still be `change.from`, so of
 * two concurrent moves only one wins), with the profile's `openComplaints` change in the same
 * transaction. Mirrors `applyTransition` in shared/domain/complaint.ts.
 */
export async function moveComplaint(
  record: ComplaintRecord,
  change: ComplaintChange,
  openDelta: number,
): Promise<void> {
  const TableName = tableName();
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = {
    ':from': change.from,
    ':to': change.to,
    ':at': change.at,
    ':change': [change],
  };
  const sets = ['#status = :to', 'updatedAt = :at', 'history = list_append(history, :change)'];
  const removes: string[] = [];
  const adds: string[] = [];
  if (change.from === 'open') sets.push('firstResponseAt = if_not_exists(firstResponseAt, :at)');
  if (change.to === 'resolved') sets.push('resolvedAt = :at');
  if (change.to === 'closed') sets.push('closedAt = :at');
  if (isReopen(change.from, change.to)) {
    removes.push('resolvedAt', 'closedAt');
    adds.push('reopenCount :one');
    values[':one'] = 1;
  }
  if (isQueued(change.to)) {
    const queue = indexKeys.complaintQueue(change.to, record.openedAt, record.id);
    sets.push('listPk = :queuePk', 'listSk = :queueSk');
    values[':queuePk'] = queue.listPk;
    values[':queueSk'] = queue.listSk;
  } else {
    removes.push('listPk', 'listSk');
  }
  const expression = [
    `SET ${sets.join(', ')}`,
    removes.length ? `REMOVE ${removes.join(', ')}` : '',
    adds.length ? `ADD ${adds.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  try {
    await transactWrite({
      TransactItems: [
        {
          Update: {
            TableName,
            Key: complaintKey(record.customerId, record.id),
            UpdateExpression: expression,
            ConditionExpression: '#status = :from',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          },
        },
        ...(openDelta === 0
          ? []
          : [
              {
                Update: {
                  TableName,
                  Key: keys.customer(record.customerId),
                  UpdateExpression: 'ADD openComplaints :delta',
                  ConditionExpression: 'attribute_exists(pk)',
                  ExpressionAttributeValues: { ':delta': openDelta },
                },
              },
            ]),
      ],
    });
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    if (cancellationCodes(error)[0] === 'ConditionalCheckFailed') {
      throw new ConflictError(
        `the complaint is no longer ${change.from}: someone moved it meanwhile; read it again`,
        'to',
      );
    }
    throw new ConflictError('the customer changed concurrently; retry');
  }
}

export interface ComplaintPage {
  items: ComplaintRecord[];
  nextCursor?: string;
}

/** One support queue (complaints in `status`), oldest first. */
export async function listComplaintQueue(
  status: QueueStatus,
  limit: number,
  after?: string,
): Promise<ComplaintPage> {
  const listPk = indexKeys.complaintQueuePk(status);
  const start = cursor.decode(after);
  if (start && start.listPk !== listPk) {
    throw new ValidationError([{ field: 'query.cursor', message: `not a cursor of the ${status} queue` }]);
  }
  const page = await documentClient.send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: 'byList',
      KeyConditionExpression: 'listPk = :pk',
      ExpressionAttributeValues: { ':pk': listPk },
      ScanIndexForward: true,
      Limit: limit,
      ExclusiveStartKey: start,
    }),
  );
  return {
    items: (page.Items ?? []).map(complaintFromItem),
    nextCursor: cursor.encode(page.LastEvaluatedKey),
  };
}
