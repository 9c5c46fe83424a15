// Renders the route-by-role matrix from the declaration (shared/app.ts), the one place roles are
// set and enforced: `npm run docs:roles` writes it into the README between the access-matrix
// markers, and a test fails when the committed README is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { allRoutes } from '../shared/app.js';
import { ROLES } from '../shared/auth/roles.js';
import { auditActionOf, CONTACT_ROLES } from '../shared/domain/privacy.js';

export const ACCESS_MATRIX_FILE = 'README.md';
const START = '<!-- access-matrix:start -->';
const END = '<!-- access-matrix:end -->';

/** The matrix section as committed in the README (empty when the markers are missing). */
export function committedAccessMatrix(readme: string = readFileSync(ACCESS_MATRIX_FILE, 'utf8')): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  return start >= 0 && end > start ? readme.slice(start + START.length, end) : '';
}

export function renderAccessMatrix(): string {
  const header = `| route | ${ROLES.join(' | ')} | audited as | what it does |`;
  const divider = `|---|${ROLES.map(() => ':-:').join('|')}|---|---|`;
  const rows = allRoutes().map((route) => {
    const cells = ROLES.map((role) =>
      route.roles === 'public' ? 'public' : route.roles.includes(role) ? '✓' : '—',
    );
    const audit = route.roles === 'public' ? '—' : (auditActionOf(route) ?? 'not audited');
    return `| \`${route.method} ${route.path}\` | ${cells.join(' | ')} | ${audit} | ${route.summary} |`;
  });
  return [
    '',
    '<!-- Generated from shared/app.ts by `npm run docs:roles`; do not edit by hand. -->',
    '',
    'Every route but the public ones needs a valid bearer token: without one (or with an expired or',
    'forged one) it answers 401; with a token of a role not ticked here, 403. Email and phone are',
    `shown in clear to ${CONTACT_ROLES.join(' and ')} only and masked for everyone else (\`a***@e***.com\`,`,
    '`+*********8000`). "Audited as" is what the audit trail records for each customer the route touches.',
    '',
    header,
    divider,
    ...rows,
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const readme = readFileSync(ACCESS_MATRIX_FILE, 'utf8');
  const current = committedAccessMatrix(readme);
  if (!current && !readme.includes(START))
    throw new Error(`${ACCESS_MATRIX_FILE} has no ${START} … ${END} section`);
  writeFileSync(
    ACCESS_MATRIX_FILE,
    readme.replace(`${START}${current}${END}`, `${START}${renderAccessMatrix()}${END}`),
  );
  console.log(`wrote ${ACCESS_MATRIX_FILE} (${allRoutes().length} routes)`);
}
