// Local token issuer: real RS256 JWTs signed with a key kept under .local/, shaped like Cognito
// access tokens (people: `cognito:groups`; the ingestion client: scope `retain/ingest`). The
// local API verifies them as API Gateway's JWT authorizer does on AWS.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify, type JWTPayload, SignJWT } from 'jose';
import { ROLES, type Role, SCOPE_PREFIX } from '../../shared/auth/roles.js';

export const LOCAL_ISSUER = 'https://retain.local/issuer';
export const LOCAL_CLIENTS = { people: 'retain-local-people', ingest: 'retain-local-ingest' } as const;

type Key = Awaited<ReturnType<typeof importJWK>>;

export interface LocalAuth {
  issue(role: Role, options?: { subject?: string; ttlSeconds?: number }): Promise<string>;
  verify(token: string): Promise<JWTPayload>;
}

/** Tokens kept verified; past it the cache starts over (a local stack sees a few tokens per role). */
const MAX_CACHED_TOKENS = 10_000;

/** Not expired and already valid (`exp` and `nbf` are seconds), as jwtVerify would check. */
function stillValid(payload: JWTPayload, nowSeconds = Date.now() / 1000): boolean {
  return (
    (payload.exp === undefined || payload.exp > nowSeconds) &&
    (payload.nbf === undefined || payload.nbf <= nowSeconds)
  );
}

/** Loads the signing key from `file`, creating it on first use (so tokens survive restarts). */
export async function localAuth(file?: string): Promise<LocalAuth> {
  let privateJwk: JWK;
  let publicJwk: JWK;
  if (file && existsSync(file)) {
    ({ privateJwk, publicJwk } = JSON.parse(readFileSync(file, 'utf8')) as {
      privateJwk: JWK;
      publicJwk: JWK;
    });
  } else {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateJwk = await exportJWK(pair.privateKey);
    publicJwk = await exportJWK(pair.publicKey);
    if (file) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify({ privateJwk, publicJwk }), { mode: 0o600 });
    }
  }
  const privateKey: Key = await importJWK(privateJwk, 'RS256');
  const publicKey: Key = await importJWK(publicJwk, 'RS256');
  // Verified tokens, by their exact text, until they expire: a JWT cannot change without failing
  // its signature, so verifying the same string again (an RS256 check, most of the local API's
  // auth cost) can only give the same answer until `exp`. API Gateway saves that work too: it
  // caches the issuer's signing keys, and its Lambda authorizers cache their result per token for
  // a TTL (`authorizerResultTtlInSeconds`). Neither checks revocation before `exp`, nor does this.
  const verified = new Map<string, JWTPayload>();

  return {
    async issue(role, options = {}) {
      if (!ROLES.includes(role)) throw new Error(`unknown role ${role}; one of ${ROLES.join(', ')}`);
      const machine = role === 'ingest';
      const claims = machine
        ? { client_id: LOCAL_CLIENTS.ingest, scope: `${SCOPE_PREFIX}ingest`, token_use: 'access' }
        : {
            client_id: LOCAL_CLIENTS.people,
            'cognito:groups': [role],
            token_use: 'access',
            username: options.subject ?? `local-${role}`,
          };
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'local' })
        .setIssuer(LOCAL_ISSUER)
        .setSubject(options.subject ?? (machine ? LOCAL_CLIENTS.ingest : `local-${role}`))
        .setIssuedAt()
        .setExpirationTime(`${options.ttlSeconds ?? 3600}s`)
        .sign(privateKey);
    },
    async verify(token) {
      const cachedPayload = verified.get(token);
      if (cachedPayload && stillValid(cachedPayload)) return cachedPayload;
      verified.delete(token);
      const { payload } = await jwtVerify(token, publicKey, { issuer: LOCAL_ISSUER, algorithms: ['RS256'] });
      // API Gateway accepts a token whose `aud` or `client_id` is one of the configured audiences.
      const audience = payload.aud ?? payload.client_id;
      const audiences = Array.isArray(audience) ? audience : [audience];
      if (!audiences.some((value) => Object.values(LOCAL_CLIENTS).includes(value as never))) {
        throw new Error('token audience is not a known client');
      }
      if (verified.size >= MAX_CACHED_TOKENS) verified.clear();
      verified.set(token, payload);
      return payload;
    },
  };
}
