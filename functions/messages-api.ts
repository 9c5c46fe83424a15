// Unsubscribe pages (public: the link in the email is the credential) and message statistics.
import { messagesContract } from '../shared/api/messages-contract.js';
import { required } from '../shared/config.js';
import { unsubscribeConfirmPage, unsubscribedPage } from '../shared/domain/messaging/pages.js';
import { httpHandler } from '../shared/http/handler.js';
import { businessTimeZone } from '../shared/settings.js';
import { systemClock } from '../shared/use-cases/customer-profiles.js';
import {
  type FeedbackDeps,
  loadMessageStats,
  readUnsubscribeToken,
  unsubscribe,
} from '../shared/use-cases/messaging/feedback.js';
import { messagesApiRoutes } from '../shared/app.js';

const deps = (): FeedbackDeps => ({
  secret: required('unsubscribeSecret'),
  clock: systemClock,
  businessTimeZone: businessTimeZone(),
});

const html = (page: string) => ({
  raw: page,
  contentType: 'text/html; charset=utf-8',
  headers: { 'cache-control': 'no-store', 'x-robots-tag': 'noindex' },
});

export const handler = httpHandler(messagesApiRoutes, messagesContract, {
  'GET /unsubscribe': async ({ query }) => {
    const claims = readUnsubscribeToken(query.token, deps().secret);
    return html(unsubscribeConfirmPage(claims.l, query.token));
  },
  'POST /unsubscribe': async ({ query }) => {
    const claims = await unsubscribe(query.token, deps());
    return html(unsubscribedPage(claims.l));
  },
  'GET /messages/stats': async ({ query }) => ({ body: await loadMessageStats(query, deps()) }),
});
