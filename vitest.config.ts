import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Three projects: pure unit tests (no I/O), infrastructure tests (CDK synth + cdk-nag), and
// integration tests that run against the real local stack (DynamoDB Local, the SES endpoint,
// s3rver, the local API and bus) started once by test/integration/global-setup.ts.
const env = {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  // cdk.out* folders from Template.fromStack land here instead of the system temp folder.
  TMPDIR: resolve('.tmp'),
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
