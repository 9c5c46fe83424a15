// `npm run token -- --role admin|marketer|support|ingest [--subject NAME] [--ttl SECONDS]`
// prints a bearer token the local API accepts (signed with the key `npm start` uses).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../../shared/auth/roles.js';
import { localAuth } from './local-auth.js';
import { localDir } from './paths.js';

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'admin' },
    subject: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
  },
});
if (!ROLES.includes(values.role as Role)) {
  console.error(`--role must be one of ${ROLES.join(', ')}`);
  process.exit(2);
}
const auth = await localAuth(join(localDir, 'jwt-key.json'));
console.log(
  await auth.issue(values.role as Role, { subject: values.subject, ttlSeconds: Number(values.ttl) }),
);
