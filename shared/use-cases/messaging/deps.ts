// What the messaging use cases depend on, wired from configuration once per process. Tests pass
// their own clock, mailer or settings.
import { ses } from '../../clients/ses.js';
import { required } from '../../config.js';
import {
  DEFAULT_MESSAGING_SETTINGS,
  type MessagingSettings,
  messagingSettingsSchema,
} from '../../domain/messaging/settings.js';
import { type Mailer, sesMailer } from '../../messaging/mailer.js';
import { businessTimeZone, settingsSection } from '../../settings.js';
import { type Clock, systemClock } from '../customer-profiles.js';

export const messagingSettings = (): MessagingSettings =>
  settingsSection('messaging', messagingSettingsSchema, DEFAULT_MESSAGING_SETTINGS);

export interface MessagingDeps {
  mailer: Mailer;
  clock: Clock;
  settings: MessagingSettings;
  /** Signs unsubscribe links and keys the suppression hashes. */
  secret: string;
  /** Where unsubscribe links point (the API's public URL). */
  publicBaseUrl: string;
  businessTimeZone: string;
}

let mailer: Mailer | undefined;

/** The SES mailer of this process: one client, one pacing for every send. */
export function defaultMailer(): Mailer {
  mailer ??= sesMailer({
    client: ses,
    from: required('emailFrom'),
    configurationSet: required('configurationSet'),
    fallbackRate: messagingSettings().sendRateWhenUnknown,
  });
  return mailer;
}

export function messagingDeps(overrides: Partial<MessagingDeps> = {}): MessagingDeps {
  return {
    settings: overrides.settings ?? messagingSettings(),
    secret: overrides.secret ?? required('unsubscribeSecret'),
    publicBaseUrl: overrides.publicBaseUrl ?? required('publicBaseUrl'),
    businessTimeZone: overrides.businessTimeZone ?? businessTimeZone(),
    clock: overrides.clock ?? systemClock,
    mailer: overrides.mailer ?? defaultMailer(),
  };
}

/** A clock fixed at an instant (a scheduled run stands for its scheduled time, whenever it runs). */
export const fixedClock = (at: Date): Clock => ({ now: () => at });
