import { describe, expect, it } from 'vitest';
import { localAuth } from '../../../infra/local/local-auth.js';

describe('the local JWT check, with verified tokens cached until they expire', () => {
  it('accepts a token again from the cache, and refuses it once it has expired', async () => {
    const auth = await localAuth();
    const token = await auth.issue('support', { ttlSeconds: 1 });
    expect((await auth.verify(token)).sub).toBe('local-support');
    expect((await auth.verify(token)).sub).toBe('local-support');
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await expect(auth.verify(token)).rejects.toThrow();
  });

  it('refuses a token whose claims were changed after a genuine one was verified', async () => {
    const auth = await localAuth();
    const token = await auth.issue('support');
    await auth.verify(token);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, 'cognito:groups': ['admin'] })).toString(
      'base64url',
    );
    await expect(auth.verify(`${header}.${forged}.${signature}`)).rejects.toThrow();
  });

  it('refuses a token signed by another key', async () => {
    const other = await localAuth();
    const auth = await localAuth();
    await expect(auth.verify(await other.issue('admin'))).rejects.toThrow();
  });
});
