// The OpenAPI document is generated before deployment, not by the first request that asks for it:
// the `system` function then bundles neither zod's JSON-Schema generator nor every contract
// (docs/performance.md). `npm run docs:openapi` writes the document, gzipped, into
// shared/api/openapi-document.ts; `GET /openapi.json` serves that module locally and on AWS alike,
// and a test (test/unit/openapi.test.ts) fails when it is not the document the contracts generate.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { allContracts } from '../shared/api/index.js';
import { buildOpenApi } from '../shared/http/openapi.js';

export const OPENAPI_DOCUMENT_FILE = 'shared/api/openapi-document.ts';

/** The document generated from the declaration and the contracts as they are now. */
export function generateOpenApiDocument() {
  return buildOpenApi(allContracts);
}

/** The source of shared/api/openapi-document.ts (gzip: ~8 kB shipped instead of ~105 kB of JSON). */
export function renderOpenApiModule(): string {
  const gzipped = gzipSync(JSON.stringify(generateOpenApiDocument()), { level: 9 }).toString('base64');
  return `// Generated from shared/app.ts and shared/api/*-contract.ts by \`npm run docs:openapi\`
// (infra/openapi-document.ts); do not edit by hand.
import { gunzipSync } from 'node:zlib';

const GZIP_BASE64 =
  '${gzipped}';

let text: string | undefined;

/** The OpenAPI document as JSON text, decompressed on first use. */
export function openApiDocumentText(): string {
  text ??= gunzipSync(Buffer.from(GZIP_BASE64, 'base64')).toString('utf8');
  return text;
}
`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  writeFileSync(OPENAPI_DOCUMENT_FILE, renderOpenApiModule());
  console.log(`wrote ${OPENAPI_DOCUMENT_FILE}`);
}
