// The local stack's ports: stacks start side by side in parallel test files, so none may end up
// talking to another's server. DynamoDB Local (Java) must be told its port, so a port someone else
// holds must be refused, not mistaken for DynamoDB; our own servers bind port 0.
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { closeServer, listeningServer, startDynamoDbLocal } from '../../infra/local/emulators.js';

describe('local ports', () => {
  it('refuses a port another server answers on instead of taking it for DynamoDB Local', async () => {
    const other = createServer((_request, response) => response.end('<Error>not DynamoDB</Error>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', () => resolve()));
    const address = other.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      await expect(startDynamoDbLocal({ port })).rejects.toThrow(/does not answer as DynamoDB Local|exited/);
    } finally {
      await closeServer(other);
    }
  });

  it('starts DynamoDB Local on a free port it checks answers as DynamoDB', async () => {
    const dynamodb = await startDynamoDbLocal();
    try {
      const response = await fetch(dynamodb.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          authorization:
            'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
        body: '{}',
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toHaveProperty('TableNames');
    } finally {
      await dynamodb.stop();
    }
  });

  it('gives servers started together different ports, each its own', async () => {
    const servers = await Promise.all(Array.from({ length: 8 }, () => listeningServer(0)));
    try {
      expect(new Set(servers.map(({ url }) => url)).size).toBe(8);
      servers.forEach(({ server }, index) => server.on('request', (_q, r) => r.end(String(index))));
      const answers = await Promise.all(servers.map(({ url }) => fetch(url).then((r) => r.text())));
      expect(answers).toEqual(servers.map((_server, index) => String(index)));
    } finally {
      await Promise.all(servers.map(({ server }) => closeServer(server)));
    }
  });
});
