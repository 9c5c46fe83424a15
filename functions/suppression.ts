// SES feedback from the account's default bus (configuration set → EventBridge): permanent
// bounces and complaints suppress the address; Send events record that SES accepted a message.
// Logic: shared/use-cases/messaging/feedback.ts.
import * as z from 'zod/mini';
import { required } from '../shared/config.js';
import { businessTimeZone } from '../shared/settings.js';
import { systemClock } from '../shared/use-cases/customer-profiles.js';
import { handleSesEvent } from '../shared/use-cases/messaging/feedback.js';

const sesEventSchema = z.object({ source: z.literal('aws.ses'), detail: z.unknown() });

export const handler = async (event: unknown) => {
  const { detail } = z.parse(sesEventSchema, event);
  const feedback = await handleSesEvent(detail, {
    secret: required('unsubscribeSecret'),
    clock: systemClock,
    businessTimeZone: businessTimeZone(),
  });
  return { kind: feedback.kind };
};
