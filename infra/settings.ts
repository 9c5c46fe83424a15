// Deployment settings (from CDK context) and the physical names both stacks agree on.
//
// The stateless stack finds the stateful resources by name, not by cross-stack reference: no
// CloudFormation exports pin the data stack, and IAM statements built from names read the same
// before and after synthesis, which keeps each cdk-nag acknowledgement exact.
import { type App, Aws } from 'aws-cdk-lib';

export interface RetainSettings {
  /** Deployment stage: part of every physical name (`retain-<stage>`). */
  readonly stage: string;
  /** IANA time zone of the business: `business` schedules fire in it; functions read it. */
  readonly businessTimeZone: string;
  /** Sender address of every email. Its domain (or the address) must be a verified SES identity. */
  readonly emailFrom: string;
  /** Where alarms are emailed; no subscription when unset. */
  readonly alarmEmail?: string;
  /** Prefix of the Cognito hosted domain (token endpoint). Globally unique per region. */
  readonly authDomainPrefix: string;
  /** The business's settings overrides (JSON object text), given to every function as RETAIN_SETTINGS. */
  readonly businessSettings?: string;
}

const STAGE = /^[a-z][a-z0-9-]{0,14}$/;

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function stringContext(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`Context value ${key} must be a string`);
  return value;
}

/** Reads `-c stage=… -c businessTimeZone=… -c emailFrom=… -c alarmEmail=…` with their defaults. */
export function settingsFromContext(app: App): RetainSettings {
  const stage = stringContext(app, 'stage') ?? 'dev';
  const alarmEmail = stringContext(app, 'alarmEmail');
  // `-c settings='{"messaging":{"sendHour":10}}'` (a string) or an object in cdk.json's context.
  const rawSettings: unknown = app.node.tryGetContext('settings');
  const businessSettings =
    rawSettings === undefined || rawSettings === null || rawSettings === ''
      ? undefined
      : typeof rawSettings === 'string'
        ? rawSettings
        : JSON.stringify(rawSettings);
  return validateSettings({
    ...(businessSettings ? { businessSettings } : {}),
    stage,
    businessTimeZone: stringContext(app, 'businessTimeZone') ?? 'UTC',
    emailFrom: stringContext(app, 'emailFrom') ?? 'no-reply@example.com',
    ...(alarmEmail ? { alarmEmail } : {}),
    // The account id keeps the default prefix unique without asking for one.
    authDomainPrefix: stringContext(app, 'authDomainPrefix') ?? `retain-${stage}-${Aws.ACCOUNT_ID}`,
  });
}

export function validateSettings(settings: RetainSettings): RetainSettings {
  if (!STAGE.test(settings.stage)) {
    throw new Error(`stage "${settings.stage}" must be 1-15 lowercase letters, digits or dashes`);
  }
  if (!isTimeZone(settings.businessTimeZone)) {
    throw new Error(`businessTimeZone "${settings.businessTimeZone}" is not an IANA time zone`);
  }
  emailAddress(settings.emailFrom);
  if (settings.businessSettings !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(settings.businessSettings);
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('settings must be a JSON object, e.g. {"messaging":{"sendHour":10}}');
    }
  }
  return settings;
}

/** The bare address of `Name <address>` or `address`. */
export function emailAddress(from: string): string {
  const address = /<([^>]+)>\s*$/.exec(from)?.[1] ?? from.trim();
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address))
    throw new Error(`emailFrom "${from}" is not an email address`);
  return address;
}

export interface ResourceNames {
  readonly table: string;
  readonly eventBus: string;
  readonly configurationSet: string;
  readonly unsubscribeSecret: string;
  /** Contains the account and region pseudo parameters: resolves in whichever stack uses it. */
  readonly exportsBucket: string;
}

export function resourceNames(stage: string): ResourceNames {
  return {
    table: `retain-${stage}`,
    eventBus: `retain-${stage}`,
    configurationSet: `retain-${stage}`,
    unsubscribeSecret: `retain/${stage}/unsubscribe`,
    exportsBucket: `retain-${stage}-exports-${Aws.ACCOUNT_ID}-${Aws.REGION}`,
  };
}
