// How long each function invocation of the local runtime took during some work: what Lambda
// would bill (duration × memory) if every invocation took as long on AWS. Invocations that run at
// the same time here share two cores, so this errs high.

import type { LocalStack } from '../../infra/local/local-stack.js';
import { DEFAULT_MEMORY_MB } from '../../infra/retain-function.js';
import { type FunctionSpec, functions } from '../../shared/app.js';

export interface Invocations {
  count: number;
  /** Σ duration (s) × memory (GB) over the invocations. */
  gbSeconds: number;
}

export async function timeInvocations<T>(
  stack: LocalStack,
  work: () => Promise<T>,
): Promise<{ invocations: Invocations; result: T }> {
  const invocations: Invocations = { count: 0, gbSeconds: 0 };
  const invoke = stack.runtime.invoke;
  stack.runtime.invoke = async (functionName, event) => {
    const spec = (functions as Record<string, FunctionSpec>)[functionName];
    const started = performance.now();
    try {
      return await invoke(functionName, event);
    } finally {
      invocations.count++;
      invocations.gbSeconds +=
        ((performance.now() - started) / 1000) * ((spec?.memoryMb ?? DEFAULT_MEMORY_MB) / 1024);
    }
  };
  try {
    return { invocations, result: await work() };
  } finally {
    stack.runtime.invoke = invoke;
  }
}
