// Idempotency keys in the single table (see shared/http/idempotency.ts): one item per caller and
// key, claimed with a conditional put, expiring with the table's TTL attribute.
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../clients/dynamodb.js';
import type { HttpResult } from '../http/handler.js';
import type { IdempotencyRecord, IdempotencyStore } from '../http/idempotency.js';
import { isConditionFailure } from './dynamo-helpers.js';
import { keys } from './keys.js';

const RECORD_FIELDS = ['state', 'fingerprint', 'token', 'lockedUntil', 'expiresAt', 'response'] as const;

export const idempotencyStore: IdempotencyStore = {
  async claim(subject, key, record, nowSeconds) {
    const Key = keys.idempotency(subject, key);
    try {
      await documentClient.send(
        new PutCommand({
          TableName: tableName(),
          Item: { ...Key, type: 'idempotency', ...record },
          // DynamoDB deletes expired items late: an expired one counts as free.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': nowSeconds },
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const existing = await documentClient.send(
      new GetCommand({ TableName: tableName(), Key, ConsistentRead: true }),
    );
    if (!existing.Item) return this.claim(subject, key, record, nowSeconds); // released meanwhile
    return Object.fromEntries(
      RECORD_FIELDS.map((field) => [field, existing.Item?.[field]]),
    ) as unknown as IdempotencyRecord;
  },

  async takeOver(subject, key, staleToken, record) {
    try {
      await documentClient.send(
        new PutCommand({
          TableName: tableName(),
          Item: { ...keys.idempotency(subject, key), type: 'idempotency', ...record },
          ConditionExpression: '#token = :stale AND #state = :inProgress',
          ExpressionAttributeNames: { '#token': 'token', '#state': 'state' },
          ExpressionAttributeValues: { ':stale': staleToken, ':inProgress': 'in_progress' },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  },

  async complete(subject, key, token, response: HttpResult) {
    // If another attempt took the key over (this one outlived its lock), it will store its own.
    await documentClient
      .send(
        new UpdateCommand({
          TableName: tableName(),
          Key: keys.idempotency(subject, key),
          UpdateExpression: 'SET #state = :completed, #response = :response',
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#state': 'state', '#response': 'response', '#token': 'token' },
          ExpressionAttributeValues: { ':completed': 'completed', ':response': response, ':token': token },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  },

  async release(subject, key, token) {
    try {
      await documentClient.send(
        new DeleteCommand({
          TableName: tableName(),
          Key: keys.idempotency(subject, key),
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': token },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  },
};
