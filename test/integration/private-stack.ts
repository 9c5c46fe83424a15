// A local stack of the test's own, in the test worker's process: for tests whose traffic or
// injected faults must not disturb the other test files sharing the suite's stack (load, throttling,
// killed jobs). The handlers then run in this process, so faults are injected on the very SDK
// clients they use (see faults.ts).
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Role } from '../../shared/auth/roles.js';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.js';

export interface PrivateStack {
  stack: LocalStack;
  api<T = any>(
    method: string,
    path: string,
    options?: { body?: unknown; role?: Role; headers?: Record<string, string> },
  ): Promise<{ status: number; headers: Headers; body: T }>;
  token(role: Role): Promise<string>;
  stop(): Promise<void>;
}

/** `settings`: RETAIN_SETTINGS (JSON object text) for this stack and the handlers in this process. */
export async function startPrivateStack(
  name: string,
  options: { settings?: string } = {},
): Promise<PrivateStack> {
  const dataDir = resolve('.tmp', `${name}-${process.pid}`);
  const stack = await startLocalStack({
    apiPort: 0,
    persist: false,
    scheduler: false,
    dataDir,
    businessTimeZone: 'Asia/Shanghai',
    ...options,
  });
  const tokens = new Map<Role, Promise<string>>();
  const token = (role: Role) => {
    if (!tokens.has(role)) tokens.set(role, stack.auth.issue(role));
    return tokens.get(role) as Promise<string>;
  };
  return {
    stack,
    token,
    async api(method, path, options = {}) {
      const headers: Record<string, string> = {
        ...options.headers,
        authorization: `Bearer ${await token(options.role ?? 'admin')}`,
      };
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${stack.urls.api}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        redirect: 'manual',
      });
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        body: text ? JSON.parse(text) : undefined,
      };
    },
    async stop() {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
