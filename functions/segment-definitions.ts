import { segmentDefinitionsContract } from '../shared/api/campaigns-contract.js';
import { httpHandler } from '../shared/http/handler.js';
import { etagOf, versionFromETag } from '../shared/use-cases/customer-profiles.js';
import {
  createDefinition,
  deleteDefinition,
  getDefinition,
  listDefinitions,
  previewDefinition,
  replaceDefinition,
} from '../shared/use-cases/segment-definitions.js';
import { segmentDefinitionsRoutes } from '../shared/app.js';

export const handler = httpHandler(segmentDefinitionsRoutes, segmentDefinitionsContract, {
  'POST /segments/definitions': async ({ body }) => {
    const definition = await createDefinition(body);
    return {
      status: 201,
      body: definition,
      headers: { etag: etagOf(definition), location: `/segments/definitions/${definition.id}` },
    };
  },
  'GET /segments/definitions': async ({ query }) => ({
    body: await listDefinitions(query.limit, query.cursor),
  }),
  'GET /segments/definitions/{id}': async ({ params }) => {
    const definition = await getDefinition(params.id);
    return { body: definition, headers: { etag: etagOf(definition) } };
  },
  'PUT /segments/definitions/{id}': async ({ params, body, headers }) => {
    const expected = headers['if-match'] ? versionFromETag(headers['if-match']) : undefined;
    const definition = await replaceDefinition(params.id, body, expected);
    return { body: definition, headers: { etag: etagOf(definition) } };
  },
  'DELETE /segments/definitions/{id}': async ({ params }) => {
    await deleteDefinition(params.id);
    return { status: 204 };
  },
  'POST /segments/definitions/{id}/preview': async ({ params }) => ({
    body: await previewDefinition(params.id),
  }),
});
