// Business settings (time zone, currency, thresholds, caps…): each feature owns a section with its
// own schema and defaults, next to the code that uses it; a business overrides any of them with
// the RETAIN_SETTINGS variable (JSON: `{ "<section>": { … } }`), set at deployment (CDK context
// `settings`) or before `npm start`. Parsed once; an invalid override fails fast and names the field.
import * as z from 'zod/mini';
import { ConfigError, config } from './config.js';

let overrides: Record<string, unknown> | undefined;

/** The overrides in RETAIN_SETTINGS text (also read at deployment, from CDK context). */
export function parseOverrides(raw: string | undefined): Record<string, unknown> {
  try {
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`RETAIN_SETTINGS is not a JSON object: ${(error as Error).message}`);
  }
}

function allOverrides(): Record<string, unknown> {
  overrides ??= parseOverrides(config().settings);
  return overrides;
}

const cache = new Map<string, unknown>();

/**
 * A feature's settings: its defaults, with the business's overrides for that section merged over
 * them (one level deep) and validated by its schema.
 */
export function settingsSection<S extends z.core.$ZodType>(
  section: string,
  schema: S,
  defaults: z.infer<S>,
): z.infer<S> {
  if (cache.has(section)) return cache.get(section) as z.infer<S>;
  const parsed = sectionFrom(allOverrides(), section, schema, defaults);
  cache.set(section, parsed);
  return parsed;
}

/** One section of the given overrides, merged over its defaults and validated (pure). */
export function sectionFrom<S extends z.core.$ZodType>(
  overrides: Record<string, unknown>,
  section: string,
  schema: S,
  defaults: z.infer<S>,
): z.infer<S> {
  const override = overrides[section];
  const merged =
    override && typeof override === 'object' && !Array.isArray(override)
      ? { ...(defaults as object), ...(override as object) }
      : (override ?? defaults);
  const parsed = z.safeParse(schema, merged);
  if (!parsed.success) {
    const fields = parsed.error.issues.map(
      (issue) => `${[section, ...issue.path].join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`RETAIN_SETTINGS is invalid: ${fields.join('; ')}`);
  }
  return parsed.data as z.infer<S>;
}

/** For tests that change RETAIN_SETTINGS. */
export function resetSettings(): void {
  overrides = undefined;
  cache.clear();
}

/** The business's time zone (IANA), where days, birthdays and schedules are reckoned. */
export const businessTimeZone = (): string => config().businessTimeZone;
