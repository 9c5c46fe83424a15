// The `{id}` path parameter of every customer route. Its own module: contracts that only need the
// id do not pull the customer list's schemas (and the analytics scores they show) into a bundle.
import * as z from 'zod/mini';
import { lazy } from '../lazy.js';

export const customerIdParams = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    id: z.string().check(z.regex(/^cus_[0-9A-Z]{26}$/, 'must be a customer id like cus_01J…')),
  }),
);
