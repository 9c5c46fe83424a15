// CDK app entry (cdk.json: `npx tsx infra/app.ts`). Context: stage (default dev),
// businessTimeZone (default UTC), emailFrom (default no-reply@example.com), alarmEmail (optional),
// authDomainPrefix (default retain-<stage>-<account>), region (default: the CLI's region).
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadEmailTemplates } from './email-templates.js';
import { addRetainStacks } from './retain-stacks.js';
import { settingsFromContext } from './settings.js';

const app = new App();
// cdk-nag 3 is a validation plugin: any finding not acknowledged with a reason fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

// The CLI sets CDK_DEFAULT_REGION from the AWS configuration (us-east-1 when there is none) and
// CDK_DEFAULT_ACCOUNT only when it finds credentials; `-c region=…` overrides the region.
const region: unknown = app.node.tryGetContext('region') ?? process.env.CDK_DEFAULT_REGION;
if (typeof region !== 'string' || region === '') {
  throw new Error('No region: run through the CDK CLI, set AWS_REGION, or pass -c region=<region>');
}

addRetainStacks(app, settingsFromContext(app), await loadEmailTemplates(), {
  region,
  ...(process.env.CDK_DEFAULT_ACCOUNT ? { account: process.env.CDK_DEFAULT_ACCOUNT } : {}),
});
