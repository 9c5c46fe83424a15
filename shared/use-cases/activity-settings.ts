// The activity features' settings sections, read once per process (see shared/settings.ts).
import {
  type ComplaintSettings,
  complaintSettingsSchema,
  DEFAULT_COMPLAINT_SETTINGS,
  DEFAULT_EVENT_SETTINGS,
  type EventSettings,
  eventSettingsSchema,
} from '../domain/activity-settings.js';
import { settingsSection } from '../settings.js';

export const eventSettings = (): EventSettings =>
  settingsSection('events', eventSettingsSchema, DEFAULT_EVENT_SETTINGS);

export const complaintSettings = (): ComplaintSettings =>
  settingsSection('complaints', complaintSettingsSchema, DEFAULT_COMPLAINT_SETTINGS);
