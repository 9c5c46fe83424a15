import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Three projects: pure unit tests (no I/O), infrastructure tests (CDK synth + cdk-nag), and
// integration tests that run against the real local stack (DynamoDB Local, the SES endpoint,
// s3rver, the local API and bus) started once by test/integration/global-setup.ts.
// Temporary folders (cdk.out* from Template.fromStack, test fixtures) go to one folder per run
// under .tmp/vitest instead of the system's; a run removes those of runs that have ended.
const tmpRoot = resolve('.tmp', 'vitest');
const running = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};
for (const entry of existsSync(tmpRoot) ? readdirSync(tmpRoot) : []) {
  if (!running(Number(entry))) rmSync(join(tmpRoot, entry), { recursive: true, force: true });
}

const env = {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  TMPDIR: join(tmpRoot, String(process.pid)),
  LOG_LEVEL: 'warn',
};

mkdirSync(env.TMPDIR, { recursive: true });

export default defineConfig({
  test: {
    env,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 120_000 } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
