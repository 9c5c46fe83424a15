import { openApiDocumentText } from '../shared/api/openapi-document.js';
import { systemContract } from '../shared/api/system-contract.js';
import { systemRoutes } from '../shared/app.js';
import { httpHandler } from '../shared/http/handler.js';

export const handler = httpHandler(systemRoutes, systemContract, {
  'GET /health': async () => ({ body: { status: 'ok' as const } }),
  // Generated before deployment from the contracts (infra/openapi-document.ts), not built here.
  'GET /openapi.json': async () => ({ raw: openApiDocumentText(), contentType: 'application/json' }),
});
