import { allContracts } from '../shared/api/index.js';
import { systemContract } from '../shared/api/system-contract.js';
import { buildOpenApi } from '../shared/http/openapi.js';
import { httpHandler } from '../shared/http/handler.js';

// Built on first request, then kept: the document only changes with a deployment.
let document: ReturnType<typeof buildOpenApi> | undefined;

export const handler = httpHandler(systemContract, {
  'GET /health': async () => ({ body: { status: 'ok' as const } }),
  'GET /openapi.json': async () => {
    document ??= buildOpenApi(allContracts, { title: 'Retain API', version: '1.0.0' });
    return { body: document };
  },
});
