// Configuration, parsed once per cold start. infra/ sets these variables (see `ENV` below and
// infra/function-environment.ts); a missing one fails with a message that says which grant adds it.
import * as z from 'zod/mini';
import { lazy } from './lazy.js';

/** Environment variable names. infra/ is the only writer of these, through `environmentFor`. */
export const ENV = {
  tableName: 'TABLE_NAME',
  eventBusName: 'EVENT_BUS_NAME',
  bucketName: 'BUCKET_NAME',
  emailFrom: 'EMAIL_FROM',
  configurationSet: 'SES_CONFIGURATION_SET',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  unsubscribeSecret: 'UNSUBSCRIBE_SECRET',
  businessTimeZone: 'BUSINESS_TIME_ZONE',
  s3ForcePathStyle: 'S3_FORCE_PATH_STYLE',
  settings: 'RETAIN_SETTINGS',
} as const;

export type ConfigKey = keyof typeof ENV;

const isTimeZone = (value: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
};

// Built on first use (shared/lazy.ts), like every module-scope schema.
const schema = /* @__PURE__ */ lazy(() =>
  z.object({
    tableName: z.optional(z.string().check(z.minLength(1))),
    eventBusName: z.optional(z.string().check(z.minLength(1))),
    bucketName: z.optional(z.string().check(z.minLength(1))),
    emailFrom: z.optional(z.string().check(z.minLength(3))),
    configurationSet: z.optional(z.string().check(z.minLength(1))),
    publicBaseUrl: z.optional(z.url()),
    unsubscribeSecret: z.optional(z.string().check(z.minLength(16))),
    businessTimeZone: z._default(z.string().check(z.refine(isTimeZone, 'not an IANA time zone')), 'UTC'),
    s3ForcePathStyle: z._default(z.stringbool(), false),
    settings: z.optional(z.string()),
  }),
);

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function read(env: NodeJS.ProcessEnv): Config {
  const raw = Object.fromEntries(Object.entries(ENV).map(([key, name]) => [key, env[name] || undefined]));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${ENV[issue.path[0] as ConfigKey]}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${fields.join('; ')}`);
  }
  return parsed.data;
}

let cached: Config | undefined;

/** The whole configuration, parsed on first use and kept for the life of the process. */
export function config(): Config {
  cached ??= read(process.env);
  return cached;
}

/** A setting this function cannot work without; names the variable and the grant that sets it. */
export function required<K extends ConfigKey>(key: K): NonNullable<Config[K]> {
  const value = config()[key];
  if (value === undefined || value === null) {
    throw new ConfigError(`${ENV[key]} is not set: declare the grant that needs it in shared/app.ts`);
  }
  return value as NonNullable<Config[K]>;
}

/** For tests and the local runtime, which set variables after the first read. */
export function resetConfig(): void {
  cached = undefined;
}
