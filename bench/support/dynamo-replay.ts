// The I/O floor of an API request: the very DynamoDB calls one request makes, captured from the
// handler, then replayed with a bare SDK client (no HTTP, no auth, no validation, no domain code)
// with fresh ids, so the floor follows the handlers as they change.
import { AsyncLocalStorage } from 'node:async_hooks';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import type { LocalStack } from '../../infra/local/local-stack.js';
import { dynamoDb } from '../../shared/clients/dynamodb.js';

export interface RecordedCall {
  /** `GetItemCommand`, `TransactWriteItemsCommand`… (document-client commands arrive marshalled). */
  command: string;
  /** The low-level input as JSON. */
  input: string;
}

const PROBE_HEADER = 'x-bench-probe';

/**
 * Runs `work` and records the DynamoDB calls of every handler invocation for `routeKey` (that
 * `accept` lets through) it causes through the local API. Each such invocation runs in an async
 * context that the recording middleware on the shared client reads, so calls of other work at the
 * same time (bus deliveries, other routes) are not recorded.
 */
export async function recordCalls<T>(
  stack: LocalStack,
  routeKey: string,
  work: () => Promise<T>,
  accept: (headers: Record<string, string>) => boolean = () => true,
): Promise<{ calls: RecordedCall[]; requestIds: string[]; result: T }> {
  const storage = new AsyncLocalStorage<RecordedCall[]>();
  const calls: RecordedCall[] = [];
  const requestIds: string[] = [];
  const invoke = stack.runtime.invoke;
  stack.runtime.invoke = (functionName, event) => {
    const http = event as {
      routeKey?: string;
      headers?: Record<string, string>;
      requestContext?: { requestId?: string };
    };
    if (http.routeKey !== routeKey || !accept(http.headers ?? {})) return invoke(functionName, event);
    requestIds.push(http.requestContext?.requestId ?? '');
    return storage.run(calls, () => invoke(functionName, event));
  };
  dynamoDb.middlewareStack.add(
    (next, context) => async (args) => {
      storage.getStore()?.push({ command: context.commandName ?? '', input: JSON.stringify(args.input) });
      return next(args);
    },
    { step: 'build', name: 'benchCapture' },
  );
  try {
    return { calls, requestIds, result: await work() };
  } finally {
    stack.runtime.invoke = invoke;
    dynamoDb.middlewareStack.remove('benchCapture');
    // Otherwise Node keeps its promise hooks on for the rest of the run, slowing every request after.
    storage.disable();
  }
}

/** Sends one request through the local API and records the DynamoDB calls its handler makes. */
export async function captureCalls(
  stack: LocalStack,
  routeKey: string,
  send: (headers: Record<string, string>) => Promise<Response>,
): Promise<{ calls: RecordedCall[]; requestId: string; response: Response }> {
  const probe = `probe-${process.pid}-${Date.now()}`;
  const {
    calls,
    requestIds,
    result: response,
  } = await recordCalls(
    stack,
    routeKey,
    () => send({ [PROBE_HEADER]: probe }),
    (headers) => headers[PROBE_HEADER] === probe,
  );
  if (!response.ok)
    throw new Error(`the probe ${routeKey} answered ${response.status}: ${await response.text()}`);
  if (calls.length === 0) throw new Error(`captured no DynamoDB call of ${routeKey}`);
  return { calls, requestId: requestIds[0] ?? '', response };
}

type AnyCommand = Parameters<dynamodb.DynamoDBClient['send']>[0];

/**
 * The recorded calls as templates: every occurrence of a token (a probe value: the customer id,
 * the order id, the request id…) is replaced by the value the replay gives it.
 */
export function replayer(calls: readonly RecordedCall[], tokens: readonly string[]) {
  const escaped = tokens.filter(Boolean).map((token) => token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(`(${escaped.join('|')})`);
  const templates = calls.map((call) => {
    const Command = (dynamodb as unknown as Record<string, new (input: unknown) => AnyCommand>)[call.command];
    if (!Command) throw new Error(`no ${call.command} in @aws-sdk/client-dynamodb`);
    return { Command, parts: escaped.length ? call.input.split(pattern) : [call.input] };
  });
  return (values: ReadonlyMap<string, string>): AnyCommand[] =>
    templates.map(
      ({ Command, parts }) => new Command(JSON.parse(parts.map((part) => values.get(part) ?? part).join(''))),
    );
}
