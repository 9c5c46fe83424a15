// Request bodies the API benchmark sends, shared by the load generator (a child process) and the
// probe that captures which DynamoDB calls one request makes.
import { DEFAULT_COMMERCE } from '../../shared/domain/commerce.js';

/** An order without SKUs (the profile keeps a capped SKU list, guarded by its size). */
export function orderBody(orderId: string, orderedAt: string) {
  return {
    orderId,
    orderedAt,
    amount: 42.5,
    currency: DEFAULT_COMMERCE.currency,
    items: [{ category: 'books', quantity: 2, unitPrice: 21.25 }],
    channel: 'web',
  };
}

export function customerBody(externalId: string) {
  return {
    externalId,
    name: { given: 'Bench', family: 'Customer' },
    language: 'en',
    tags: ['bench'],
  };
}

export type RequestKind = 'get-customer' | 'post-order' | 'post-customer';

/** Method, path and body of the n-th request of a kind; `ids` are existing customers. */
export function requestFor(kind: RequestKind, n: number, ids: readonly string[], unique: string) {
  const id = ids[n % ids.length] as string;
  switch (kind) {
    case 'get-customer':
      return { method: 'GET', path: `/customers/${id}` };
    case 'post-order':
      return {
        method: 'POST',
        path: `/customers/${id}/orders`,
        body: JSON.stringify(orderBody(`bench-${unique}-${n}`, new Date().toISOString())),
      };
    case 'post-customer':
      return {
        method: 'POST',
        path: '/customers',
        body: JSON.stringify(customerBody(`bench-${unique}-${n}`)),
      };
  }
}
