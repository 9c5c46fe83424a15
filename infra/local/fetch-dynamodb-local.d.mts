/** Installs DynamoDB Local under .local/dynamodb-local if missing; returns its folder. */
export function ensureDynamoDbLocal(): string;
export const dynamoDbLocalDir: string;
