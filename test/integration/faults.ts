// Faults that cannot be provoked against the real emulators, injected as AWS SDK middleware on the
// clients the handlers use (this is the only mocking in the suite, and it is only of faults):
// - throttling: the next N calls of some DynamoDB operations fail with
//   ProvisionedThroughputExceededException before reaching DynamoDB, inside the SDK's retry loop,
//   exactly where a real throttle surfaces;
// - a crash: after the N-th AWS call that succeeded, the function invocation making it "dies": that
//   call's effect stands but its answer is lost, and every later call of that invocation fails.
//   Other invocations (a retry, the next run, other functions) are unaffected. That is what a
//   Lambda timeout or an out-of-memory kill does to a job between two writes.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MiddlewareStack } from '@smithy/types';

/** The error DynamoDB answers when a table is throttled, as the SDK surfaces it (injected). */
export function throttlingError(): Error {
  return Object.assign(new Error('Rate of requests exceeds the allowed throughput (injected)'), {
    name: 'ProvisionedThroughputExceededException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
}

export class InjectedCrash extends Error {
  override name = 'InjectedCrash';
}

interface Client {
  // biome-ignore lint/suspicious/noExplicitAny: any client's stack, whatever its input and output types
  middlewareStack: MiddlewareStack<any, any>;
}

interface Invoker {
  invoke(functionName: string, event: unknown): Promise<unknown>;
}

export interface Faults {
  /** Throttle `times` calls of these operations; every other one unless `every` says otherwise. */
  throttle(operations: readonly string[], times: number, every?: number): void;
  /** Kill the invocation that makes the `calls`-th AWS call from now, right after that call. */
  crashAfter(calls: number): void;
  revive(): void;
  readonly stats: { throttled: number; calls: number; crashed: boolean };
}

/** Each function invocation runs in its own context, so a crash kills that invocation only. */
const invocation = new AsyncLocalStorage<{ dead: boolean }>();

export function installFaults(clients: Record<string, Client>, runtime: Invoker): Faults {
  let throttleLeft = 0;
  let matching = 0;
  let throttleEvery = 2;
  let throttleOps = new Set<string>();
  let crashAt: number | undefined;
  const stats = { throttled: 0, calls: 0, crashed: false };

  const invoke = runtime.invoke.bind(runtime);
  runtime.invoke = (functionName, event) =>
    invocation.run({ dead: false }, () => invoke(functionName, event));

  for (const [service, client] of Object.entries(clients)) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const current = invocation.getStore();
        if (current?.dead) throw new InjectedCrash(`${service} call of a killed invocation`);
        const output = await next(args);
        if (crashAt !== undefined && current) {
          stats.calls++;
          if (stats.calls >= crashAt) {
            current.dead = true;
            stats.crashed = true;
            crashAt = undefined;
            throw new InjectedCrash(`killed after ${String(context.commandName)}`);
          }
        }
        return output;
      },
      { step: 'initialize', priority: 'high', name: `injectedCrash-${service}` },
    );
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = String(context.commandName ?? '').replace(/Command$/, '');
        // By default every other matching call, so that the SDK's retry of a throttled call can
        // succeed, as it does against a real table whose capacity frees up.
        if (throttleLeft > 0 && throttleOps.has(operation) && matching++ % throttleEvery === 0) {
          throttleLeft--;
          stats.throttled++;
          throw throttlingError();
        }
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: `injectedThrottle-${service}` },
    );
  }

  return {
    stats,
    throttle(operations, times, every = 2) {
      throttleOps = new Set(operations);
      throttleEvery = every;
      matching = 0;
      throttleLeft = times;
    },
    crashAfter(calls) {
      stats.calls = 0;
      stats.crashed = false;
      crashAt = calls;
    },
    revive() {
      crashAt = undefined;
      throttleLeft = 0;
    },
  };
}

/**
 * What SES does on AWS and the local SES endpoint does not: publish a `Send` event (configuration
 * set → the default EventBridge bus) for every message it accepted, whatever became of the caller.
 * Messaging relies on it to resolve a send whose answer was lost.
 */
export function publishSesSendEvents(
  ses: Client,
  put: (entry: { source: string; detailType: string; detail: unknown; busName?: string }) => unknown,
): void {
  ses.middlewareStack.add(
    (next, context) => async (args) => {
      const output = await next(args);
      const messageId = (output.output as { MessageId?: string } | undefined)?.MessageId;
      const input = args.input as {
        Destination?: { ToAddresses?: string[] };
        EmailTags?: Array<{ Name: string; Value: string }>;
      };
      if (context.commandName === 'SendEmailCommand' && messageId) {
        put({
          source: 'aws.ses',
          detailType: 'Email Sent',
          busName: 'default',
          detail: {
            eventType: 'Send',
            mail: {
              messageId,
              destination: input.Destination?.ToAddresses ?? [],
              tags: Object.fromEntries((input.EmailTags ?? []).map((tag) => [tag.Name, [tag.Value]])),
            },
          },
        });
      }
      return output;
    },
    // Inside the crash middleware: SES accepted the message even if the caller dies right after.
    { step: 'initialize', priority: 'low', name: 'localSesSendEvents' },
  );
}
