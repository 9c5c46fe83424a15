// The OpenAPI 3.1 document, generated from the route declarations (shared/app.ts: paths, roles)
// and the contracts (shared/api/*-contract.ts: the zod schemas the handlers enforce). Run at build
// time (`npm run docs:openapi`, infra/openapi-document.ts), never inside a function.
import * as z from 'zod/mini';
import { allRoutes } from '../app.js';
import type { RouteContract } from './handler.js';

type JsonSchema = Record<string, unknown>;

/** Shared definitions of recursive schemas (e.g. segment rules), hoisted into `components.schemas`. */
const definitions: Record<string, JsonSchema> = {};

const jsonSchema = (schema: NonNullable<RouteContract['body']>, io: 'input' | 'output'): JsonSchema => {
  const {
    $schema: _ignored,
    $defs,
    ...rest
  } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  // Input and output forms of a schema differ (defaults, optionals): keep both.
  const suffix = io === 'output' ? 'Output' : '';
  const hoist = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(hoist);
    if (!value || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        key === '$ref' && typeof inner === 'string'
          ? `${inner.replace('#/$defs/', '#/components/schemas/')}${suffix}`
          : hoist(inner),
      ]),
    );
  };
  for (const [name, definition] of Object.entries(($defs as Record<string, JsonSchema> | undefined) ?? {})) {
    const hoisted = hoist(definition) as JsonSchema;
    const key = `${name}${suffix}`;
    if (definitions[key] && JSON.stringify(definitions[key]) !== JSON.stringify(hoisted)) {
      throw new Error(
        `OpenAPI: two different schemas are named ${key}; register recursive schemas with an id`,
      );
    }
    definitions[key] = hoisted;
  }
  return hoist(rest) as JsonSchema;
};

const problem = { $ref: '#/components/schemas/Problem' };

function parameters(contract: RouteContract, path: string) {
  const result: JsonSchema[] = [];
  const pathNames = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
  const paramSchema = contract.params ? jsonSchema(contract.params, 'input') : undefined;
  for (const name of pathNames) {
    const schema = (paramSchema?.properties as Record<string, JsonSchema> | undefined)?.[name as string] ?? {
      type: 'string',
    };
    result.push({ name, in: 'path', required: true, schema });
  }
  if (contract.query) {
    const query = jsonSchema(contract.query, 'input');
    const required = new Set((query.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((query.properties as Record<string, JsonSchema>) ?? {})) {
      result.push({ name, in: 'query', required: required.has(name), schema });
    }
  }
  for (const [name, header] of Object.entries(contract.headers ?? {})) {
    result.push({
      name,
      in: 'header',
      required: header.required,
      description: header.description,
      schema: { type: 'string' },
    });
  }
  return result;
}

/** The document's `info`. */
export const OPENAPI_INFO = { title: 'Retain API', version: '1.0.0' };

export function buildOpenApi(
  contracts: Record<string, RouteContract>,
  info: { title: string; version: string } = OPENAPI_INFO,
) {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of allRoutes()) {
    const contract = contracts[route.routeKey] ?? {};
    const status = String(contract.status ?? 200);
    const secured = route.roles !== 'public';
    const responses: Record<string, JsonSchema> = {
      [status]: contract.response
        ? {
            description: 'Success',
            content: { 'application/json': { schema: jsonSchema(contract.response, 'output') } },
          }
        : { description: 'Success' },
      '400': {
        description: 'Invalid request: every offending field is named',
        content: { 'application/problem+json': { schema: problem } },
      },
    };
    if (secured) {
      responses['401'] = {
        description: 'Missing or invalid token',
        content: { 'application/problem+json': { schema: problem } },
      };
      responses['403'] = {
        description: 'Role not allowed',
        content: { 'application/problem+json': { schema: problem } },
      };
    }
    const operation: JsonSchema = {
      operationId: route.routeKey.replace(/[^\w]+/g, '_').replace(/^_|_$/g, ''),
      summary: route.summary,
      tags: [route.functionName],
      parameters: parameters(contract, route.path),
      responses,
      ...(secured ? { security: [{ bearer: [] }], 'x-roles': route.roles } : { security: [] }),
    };
    if (contract.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(contract.body, 'input') } },
      };
    }
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, JsonSchema>)[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        ...definitions,
        Problem: {
          type: 'object',
          description: 'RFC 9457 problem details',
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                properties: { field: { type: 'string' }, message: { type: 'string' } },
                required: ['field', 'message'],
              },
            },
          },
          required: ['type', 'title', 'status'],
        },
      },
    },
  };
}
