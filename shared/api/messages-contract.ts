import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { messageStatsSchema } from '../domain/messaging/stats.js';
import { contract } from '../http/handler.js';

/** The signed token of an unsubscribe link (verified by the use case: a forged one is a 400 on `query.token`). */
const unsubscribeQuery = /* @__PURE__ */ lazy(() =>
  z.object({
    token: z
      .string()
      .check(z.minLength(1, 'the unsubscribe link has no token'), z.maxLength(2048, 'too long for a token')),
  }),
);

const month = /* @__PURE__ */ lazy(() =>
  z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM')),
);

export const messagesContract = contract({
  /** HTML confirmation page; changes nothing (mail scanners follow links). */
  'GET /unsubscribe': { query: unsubscribeQuery },
  /** RFC 8058 one-click: mail clients POST `List-Unsubscribe=One-Click` (form-encoded, not read). */
  'POST /unsubscribe': { query: unsubscribeQuery },
  'GET /messages/stats': {
    query: lazy(() => z.strictObject({ from: z.optional(month), to: z.optional(month) })),
    response: messageStatsSchema,
  },
});
