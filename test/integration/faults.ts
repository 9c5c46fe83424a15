// Faults that cannot be provoked against the real emulators, injected as AWS SDK middleware on the
// clients the handlers use (this is the only mocking in the suite, and it is only of faults):
// - throttling: the next N calls of some DynamoDB operations fail with
//   ProvisionedThroughputExceededException before reaching DynamoDB, inside the SDK's retry loop,
//   exactly where a real throttle surfaces;
// - a crash: after the N-th AWS call that succeeded, the process "dies": that call's effect stands
//   but its answer is lost, and every later call fails until the test revives it. That is what a
//   Lambda timeout or an out-of-memory kill does to a job between two writes.
import type { MiddlewareStack } from '@smithy/types';

export class InjectedCrash extends Error {
  override name = 'InjectedCrash';
}

interface Client {
  middlewareStack: MiddlewareStack<any, any>;
}

export interface Faults {
  /** Throttle `times` calls of these operations; every other one unless `every` says otherwise. */
  throttle(operations: readonly string[], times: number, every?: number): void;
  crashAfter(calls: number): void;
  revive(): void;
  readonly stats: { throttled: number; calls: number; crashed: boolean };
}

export function installFaults(clients: Record<string, Client>): Faults {
  let throttleLeft = 0;
  let matching = 0;
  let throttleEvery = 2;
  let throttleOps = new Set<string>();
  let crashAt: number | undefined;
  const stats = { throttled: 0, calls: 0, crashed: false };

  for (const [service, client] of Object.entries(clients)) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (stats.crashed) throw new InjectedCrash(`${service} call after the crash`);
        const output = await next(args);
        if (crashAt !== undefined) {
          stats.calls++;
          if (stats.calls >= crashAt) {
            stats.crashed = true;
            crashAt = undefined;
            throw new InjectedCrash(`crashed after ${String(context.commandName)}`);
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
          throw Object.assign(new Error('Rate of requests exceeds the allowed throughput (injected)'), {
            name: 'ProvisionedThroughputExceededException',
            $fault: 'client',
            $metadata: { httpStatusCode: 400 },
          });
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
      stats.crashed = false;
      crashAt = undefined;
      throttleLeft = 0;
    },
  };
}
