// One DynamoDB document client per process (module scope, reused across invocations). The
// endpoint comes from the SDK's own configuration (AWS_ENDPOINT_URL_DYNAMODB locally), so the
// same code talks to DynamoDB on AWS and to DynamoDB Local.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { required } from '../config.js';

export const dynamoDb = new DynamoDBClient({ maxAttempts: 8 });

export const documentClient = DynamoDBDocumentClient.from(dynamoDb, {
  marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
});

/** The table name, read once from configuration. */
export const tableName = (): string => required('tableName');
