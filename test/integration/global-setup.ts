// Starts the real local stack once for the integration suite: DynamoDB Local (in memory), the
// SES endpoint, s3rver, the local API, bus and control endpoint, running the deployed handlers.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: { urls: LocalStack['urls']; env: Record<string, string> };
  }
}

let stack: LocalStack | undefined;
const dataDir = resolve('.tmp', `stack-${process.pid}`);

export async function setup(project: TestProject) {
  stack = await startLocalStack({
    apiPort: 0,
    persist: false,
    scheduler: false,
    dataDir,
    businessTimeZone: 'Asia/Shanghai',
    // A shop's site allowed to call the API from browsers (test/integration/cors.test.ts).
    settings: JSON.stringify({ cors: { allowedOrigins: ['https://shop.example'] } }),
  });
  project.provide('stack', { urls: stack.urls, env: stack.env });
}

export async function teardown() {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
