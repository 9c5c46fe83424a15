// CDK app entry (cdk.json: `npx tsx infra/app.ts`). Context: stage (default dev),
// businessTimeZone (default UTC), emailFrom (default no-reply@example.com), alarmEmail (optional),
// authDomainPrefix (default retain-<stage>-<account>).
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadEmailTemplates } from './email-templates.js';
import { addRetainStacks } from './retain-stacks.js';
import { settingsFromContext } from './settings.js';

const app = new App();
// cdk-nag 3 is a validation plugin: any finding not acknowledged with a reason fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

addRetainStacks(app, settingsFromContext(app), await loadEmailTemplates(), {
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION,
});
