import { ordersContract } from '../shared/api/orders-contract.js';
import { toProblem } from '../shared/http/problem.js';
import { httpHandler } from '../shared/http/handler.js';
import { recordOrder, recordOrderBatch, refundOrder } from '../shared/use-cases/orders.js';
import { ordersRoutes } from '../shared/app.js';

export const handler = httpHandler(ordersRoutes, ordersContract, {
  'POST /customers/{id}/orders': async ({ params, body }) => {
    const { status, order } = await recordOrder(params.id, body);
    // A repeated order id answers 200 with the order recorded the first time.
    return { status: status === 'created' ? 201 : 200, body: order };
  },
  'POST /orders/batch': async ({ body }) => {
    const entries = await recordOrderBatch(body.orders, { createMissing: body.createMissing });
    const results = entries.map(({ index, orderId, customerId, customerCreated, result, error }) => {
      const problem = error ? toProblem(error).problem : undefined;
      return {
        index,
        status: result?.status ?? ('error' as const),
        orderId,
        customerId,
        customerCreated,
        value: result?.order.value,
        error: problem,
      };
    });
    const count = (status: string) => results.filter((result) => result.status === status).length;
    return {
      body: {
        created: count('created'),
        duplicates: count('duplicate'),
        errors: count('error'),
        customersCreated: new Set(
          entries.filter((entry) => entry.customerCreated).map((entry) => entry.customerId),
        ).size,
        results,
      },
    };
  },
  'POST /customers/{id}/orders/{orderId}/refund': async ({ params, body }) => {
    const { status, order, refund } = await refundOrder(params.id, params.orderId, body);
    return { status: status === 'created' ? 201 : 200, body: { order, refund } };
  },
});
