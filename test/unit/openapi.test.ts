import { describe, expect, it } from 'vitest';
import { allContracts } from '../../shared/api/index.js';
import { allRoutes } from '../../shared/app.js';
import { buildOpenApi } from '../../shared/http/openapi.js';
import { openApiDocumentText } from '../../shared/api/openapi-document.js';
import { generateOpenApiDocument } from '../../infra/openapi-document.js';

const document = buildOpenApi(allContracts, { title: 'Retain API', version: 'test' });

function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refs(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') found.push(inner);
      else refs(inner, found);
    }
  }
  return found;
}

describe('the OpenAPI document', () => {
  it('is served exactly as the contracts generate it (run `npm run docs:openapi` after changing a route)', () => {
    expect(JSON.parse(openApiDocumentText())).toEqual(generateOpenApiDocument());
  });

  it('has an operation for every declared route', () => {
    for (const route of allRoutes()) {
      expect(document.paths[route.path]?.[route.method.toLowerCase()], route.routeKey).toBeDefined();
    }
  });

  it('has a contract (schemas) for every declared route', () => {
    const missing = allRoutes().filter((route) => !(route.routeKey in allContracts));
    expect(missing.map((route) => route.routeKey)).toEqual([]);
  });

  it('resolves every $ref inside the document', () => {
    const all = refs(document);
    expect(all.length).toBeGreaterThan(0);
    for (const ref of all) {
      expect(ref.startsWith('#/components/schemas/'), ref).toBe(true);
      expect(document.components.schemas, ref).toHaveProperty(ref.slice('#/components/schemas/'.length));
    }
  });

  it('marks public routes without security and secured ones with the allowed roles', () => {
    for (const route of allRoutes()) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()] as Record<string, unknown>;
      if (route.roles === 'public') expect(operation.security, route.routeKey).toEqual([]);
      else expect(operation['x-roles'], route.routeKey).toEqual(route.roles);
    }
  });
});
