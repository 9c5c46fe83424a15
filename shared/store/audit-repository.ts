// The audit trail in the single table (keys: `auditKeys` in keys.ts). Each entry is written twice:
// under the customer (who touched this customer?) and under its UTC day (what happened that day,
// who did it?), both with a TTL from the `audit` settings section.
import { documentClient, tableName } from '../clients/dynamodb.js';
import { type AuditAction, type AuditEntry, auditExpiry } from '../domain/privacy.js';
import { batchWrite, cursor, putRequest } from './dynamo-helpers.js';
import { auditKeys } from './keys.js';
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Page } from './customer-repository.js';

export const AUDIT_TYPE = 'audit';

/** One request's entries (one per customer touched), written before the response leaves. */
export async function writeAuditEntries(
  entries: readonly AuditEntry[],
  retentionDays: number,
): Promise<void> {
  const first = entries[0];
  if (!first) return;
  const expiresAt = auditExpiry(first.at, retentionDays);
  const { customerId: _one, ...request } = first;
  await batchWrite([
    ...entries.map((entry) =>
      putRequest({
        ...auditKeys.byCustomer(entry.customerId, entry.at, entry.requestId),
        type: AUDIT_TYPE,
        ...entry,
        expiresAt,
      }),
    ),
    putRequest({
      ...auditKeys.byDay(first.at, first.requestId),
      type: AUDIT_TYPE,
      ...request,
      customerIds: entries.map((entry) => entry.customerId),
      expiresAt,
    }),
  ]);
}

export interface AuditRecord {
  at: string;
  subject: string;
  roles: string[];
  action: AuditAction;
  route: string;
  requestId: string;
  status: number;
  customerIds: string[];
}

function toRecord(item: Record<string, unknown>): AuditRecord {
  return {
    at: String(item.at),
    subject: String(item.subject),
    roles: (item.roles as string[] | undefined) ?? [],
    action: item.action as AuditAction,
    route: String(item.route),
    requestId: String(item.requestId),
    status: Number(item.status),
    customerIds:
      (item.customerIds as string[] | undefined) ?? (item.customerId ? [String(item.customerId)] : []),
  };
}

async function queryPage(
  partition: string,
  range: { from?: string; to?: string },
  limit: number,
  after: string | undefined,
  extra: Partial<QueryCommandInput> = {},
): Promise<Page<AuditRecord>> {
  // Sort keys are `<iso time>#<request id>`: `to` is inclusive up to the end of that instant.
  const from = range.from ?? '0';
  const to = `${range.to ?? '9999'}\uffff`;
  const page = await documentClient.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ...extra,
      ExpressionAttributeValues: {
        ':pk': partition,
        ':from': from,
        ':to': to,
        ...extra.ExpressionAttributeValues,
      },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: cursor.decode(after),
    }),
  );
  return { items: (page.Items ?? []).map(toRecord), nextCursor: cursor.encode(page.LastEvaluatedKey) };
}

/** Who touched a customer, newest first, optionally within [from, to]. */
export function auditOfCustomer(
  customerId: string,
  range: { from?: string; to?: string },
  limit: number,
  after?: string,
): Promise<Page<AuditRecord>> {
  return queryPage(auditKeys.customerPartition(customerId), range, limit, after);
}

/** Everything audited on one UTC day, newest first, optionally by one subject. */
export function auditOfDay(
  day: string,
  filter: { from?: string; to?: string; subject?: string },
  limit: number,
  after?: string,
): Promise<Page<AuditRecord>> {
  const bySubject = filter.subject
    ? {
        FilterExpression: '#subject = :subject',
        ExpressionAttributeNames: { '#subject': 'subject' },
        ExpressionAttributeValues: { ':subject': filter.subject },
      }
    : {};
  return queryPage(auditKeys.dayPartition(day), filter, limit, after, bySubject);
}
