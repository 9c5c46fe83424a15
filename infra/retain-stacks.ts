// The whole deployment on an App: the stateful data stack and the stateless application stack.
// infra/app.ts calls it with settings from context; tests call it with their own App.
import type { App, Environment } from 'aws-cdk-lib';
import { AppStack } from './app-stack.js';
import { DataStack } from './data-stack.js';
import type { EmailTemplate } from './email-templates.js';
import { type RetainSettings, validateSettings } from './settings.js';

export interface RetainStacks {
  readonly data: DataStack;
  readonly app: AppStack;
}

export function addRetainStacks(
  app: App,
  settings: RetainSettings,
  emailTemplates: readonly EmailTemplate[],
  env?: Environment,
): RetainStacks {
  validateSettings(settings);
  const prefix = `Retain-${settings.stage}`;
  const data = new DataStack(app, `${prefix}-Data`, {
    description: 'Retain: stateful resources (table, exports bucket, users, keys); retained on delete',
    settings,
    terminationProtection: true,
    ...(env ? { env } : {}),
  });
  const application = new AppStack(app, `${prefix}-App`, {
    description: 'Retain: functions, HTTP API, bus, schedules, rules, email sending, alarms',
    settings,
    data,
    emailTemplates,
    ...(env ? { env } : {}),
  });
  // The application stack finds most data resources by name, which CloudFormation cannot see.
  application.addDependency(data);
  return { data, app: application };
}
