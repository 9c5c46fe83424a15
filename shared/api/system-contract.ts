import * as z from 'zod/mini';
import { contract } from '../http/handler.js';

export const systemContract = contract({
  'GET /health': { response: z.object({ status: z.literal('ok') }) },
  'GET /openapi.json': {},
});
