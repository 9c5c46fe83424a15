// The whole deployment on an App: the stateful data stack and the stateless application stack.
// infra/app.ts calls it with settings from context; tests call it with their own App.
import type { App, Environment } from 'aws-cdk-lib';
import type { FunctionSpec } from '../shared/app.js';
import { AppStack } from './app-stack.js';
import { DataStack } from './data-stack.js';
import type { EmailTemplate } from './email-templates.js';
import { type RetainSettings, validateSettings } from './settings.js';

export interface RetainStacks {
  readonly data: DataStack;
  readonly app: AppStack;
}

/**
 * `env.region` is required: the table's customer-managed key is rendered per replica region,
 * which a region-agnostic stack cannot do. The account may stay unresolved.
 */
export function addRetainStacks(
  app: App,
  settings: RetainSettings,
  emailTemplates: readonly EmailTemplate[],
  env: Environment & { readonly region: string },
  /** Defaults to the declaration in shared/app.ts; tests pass synthetic ones. */
  functions?: Readonly<Record<string, FunctionSpec>>,
): RetainStacks {
  validateSettings(settings);
  const prefix = `Retain-${settings.stage}`;
  const data = new DataStack(app, `${prefix}-Data`, {
    description: 'Retain: stateful resources (table, exports bucket, users, keys); retained on delete',
    settings,
    terminationProtection: true,
    env,
  });
  const application = new AppStack(app, `${prefix}-App`, {
    description: 'Retain: functions, HTTP API, bus, schedules, rules, email sending, alarms',
    settings,
    data,
    emailTemplates,
    env,
    ...(functions ? { functions } : {}),
  });
  // The application stack finds most data resources by name, which CloudFormation cannot see.
  application.addStackDependency(data);
  return { data, app: application };
}
