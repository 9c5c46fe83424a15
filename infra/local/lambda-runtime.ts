// Loads the very handler modules that deploy (functions/*.ts, as declared in shared/app.ts) and
// invokes them with a Lambda context, as the Lambda service would.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { type FunctionSpec, functions } from '../../shared/app.js';
import { projectRoot } from './paths.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export interface LambdaRuntime {
  invoke(functionName: string, event: unknown): Promise<unknown>;
  names(): string[];
}

export async function loadFunctions(): Promise<LambdaRuntime> {
  const specs = functions as Record<string, FunctionSpec>;
  const handlers = new Map<string, Handler>();
  for (const [name, spec] of Object.entries(specs)) {
    const module = (await import(pathToFileURL(resolve(projectRoot, spec.entry)).href)) as {
      handler?: Handler;
    };
    if (typeof module.handler !== 'function') throw new Error(`${spec.entry} does not export a handler`);
    handlers.set(name, module.handler);
  }
  return {
    names: () => [...handlers.keys()],
    async invoke(functionName, event) {
      const handler = handlers.get(functionName);
      const spec = specs[functionName];
      if (!handler || !spec) throw new Error(`no function ${functionName}`);
      const deadline = Date.now() + (spec.timeoutSeconds ?? 10) * 1000;
      const context: Context = {
        callbackWaitsForEmptyEventLoop: false,
        functionName,
        functionVersion: '$LATEST',
        invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
        memoryLimitInMB: String(spec.memoryMb ?? 512),
        awsRequestId: randomUUID(),
        logGroupName: `/aws/lambda/${functionName}`,
        logStreamName: 'local',
        getRemainingTimeInMillis: () => Math.max(1, deadline - Date.now()),
        done: () => undefined,
        fail: () => undefined,
        succeed: () => undefined,
      };
      return handler(event, context);
    },
  };
}
