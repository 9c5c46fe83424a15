import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { contract } from '../http/handler.js';

export const systemContract = contract({
  'GET /health': { response: lazy(() => z.object({ status: z.literal('ok') })) },
  'GET /openapi.json': {},
});
