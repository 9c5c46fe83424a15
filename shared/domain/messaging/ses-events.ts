// SES sending events as they arrive on the default EventBridge bus (configuration set event
// destination): source `aws.ses`, detail-types `Email Sent`, `Email Bounced`, `Email Complaint
// Received`; the detail is SES's event record (`eventType`, `mail`, `bounce` / `complaint`, see
// "Contents of event data that Amazon SES publishes" in the SES developer guide). Pure.
import * as z from 'zod/mini';
import { lazy } from '../../lazy.js';
import { CAMPAIGNS, type Campaign } from './decision.js';

const recipients = /* @__PURE__ */ lazy(() => z.array(z.object({ emailAddress: z.string() })));

const mailSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    messageId: z.string(),
    destination: z.optional(z.array(z.string())),
    /** Tags of the message, each a list of values (`{ "campaign": ["birthday"] }`). */
    tags: z.optional(z.record(z.string(), z.array(z.string()))),
  }),
);

export const sesEventDetailSchema = /* @__PURE__ */ lazy(() =>
  z.discriminatedUnion('eventType', [
    z.object({ eventType: z.literal('Send'), mail: mailSchema }),
    z.object({
      eventType: z.literal('Bounce'),
      mail: mailSchema,
      bounce: z.object({
        bounceType: z.string(),
        bounceSubType: z.optional(z.string()),
        bouncedRecipients: recipients,
      }),
    }),
    z.object({
      eventType: z.literal('Complaint'),
      mail: mailSchema,
      complaint: z.object({
        complainedRecipients: recipients,
        complaintFeedbackType: z.optional(z.string()),
      }),
    }),
  ]),
);
export type SesEventDetail = z.infer<typeof sesEventDetailSchema>;

/** The message tag naming the ledger entry: `<customerId>--<campaign>--<period>` (SES tag characters only). */
export const LEDGER_TAG = 'ledger';

export interface LedgerRef {
  customerId: string;
  campaign: Campaign;
  period: string;
}

export const ledgerTagValue = (ref: LedgerRef) => `${ref.customerId}--${ref.campaign}--${ref.period}`;

export function parseLedgerTag(value: string | undefined): LedgerRef | undefined {
  const parts = value?.split('--');
  if (parts?.length !== 3) return undefined;
  const [customerId, campaign, period] = parts as [string, string, string];
  if (!(CAMPAIGNS as readonly string[]).includes(campaign) || !customerId || !period) return undefined;
  return { customerId, campaign: campaign as Campaign, period };
}

export type SesFeedback =
  | { kind: 'accepted'; sesMessageId: string; ledger?: LedgerRef }
  | { kind: 'bounce' | 'complaint'; addresses: string[]; sesMessageId: string; ledger?: LedgerRef }
  /** A transient (soft) bounce: SES gave up for now; the address is not suppressed. */
  | { kind: 'ignored'; why: string };

/**
 * What an SES event means for Retain: a message SES accepted (evidence for crash recovery), or
 * addresses to suppress (permanent bounces and complaints).
 */
export function interpretSesEvent(detail: SesEventDetail): SesFeedback {
  const ledger = parseLedgerTag(detail.mail.tags?.[LEDGER_TAG]?.[0]);
  switch (detail.eventType) {
    case 'Send':
      return { kind: 'accepted', sesMessageId: detail.mail.messageId, ledger };
    case 'Bounce':
      if (detail.bounce.bounceType !== 'Permanent')
        return { kind: 'ignored', why: `${detail.bounce.bounceType} bounce` };
      return {
        kind: 'bounce',
        addresses: detail.bounce.bouncedRecipients.map((r) => r.emailAddress),
        sesMessageId: detail.mail.messageId,
        ledger,
      };
    case 'Complaint':
      return {
        kind: 'complaint',
        addresses: detail.complaint.complainedRecipients.map((r) => r.emailAddress),
        sesMessageId: detail.mail.messageId,
        ledger,
      };
  }
}
