import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  signUnsubscribeToken,
  suppressionHash,
  type UnsubscribeClaims,
  verifyUnsubscribeToken,
} from '../../../shared/domain/messaging/unsubscribe-token.js';

const SECRET = 'a-test-secret-of-enough-length-0001';
const claims: UnsubscribeClaims = {
  c: 'cus_01JTESTCUSTOMER0000000000',
  h: suppressionHash('ana@example.com', SECRET),
  m: ['birthday', '2026'],
  l: 'en',
};

describe('unsubscribe tokens', () => {
  it('verify to the claims they were signed with', () => {
    const token = signUnsubscribeToken(claims, SECRET);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyUnsubscribeToken(token, SECRET)).toEqual(claims);
  });

  it('carry an HMAC-SHA256 any holder of the secret can check independently', () => {
    const token = signUnsubscribeToken(claims, SECRET);
    const [payload, signature] = token.split('.') as [string, string];
    const key = createHmac('sha256', SECRET).update('retain/unsubscribe-token/v1').digest();
    expect(signature).toBe(createHmac('sha256', key).update(payload).digest('base64url'));
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))).toEqual(claims);
  });

  it('refuse a token signed with another secret', () => {
    expect(verifyUnsubscribeToken(signUnsubscribeToken(claims, `${SECRET}-other`), SECRET)).toBeUndefined();
  });

  it('refuse altered claims, even re-encoded cleanly', () => {
    const token = signUnsubscribeToken(claims, SECRET);
    const signature = token.split('.')[1];
    const forged = Buffer.from(JSON.stringify({ ...claims, c: 'cus_01JSOMEONEELSE00000000000' })).toString(
      'base64url',
    );
    expect(verifyUnsubscribeToken(`${forged}.${signature}`, SECRET)).toBeUndefined();
  });

  it('refuse any single-character change', () => {
    const token = signUnsubscribeToken(claims, SECRET);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...alphabet), (position, replacement) => {
        if (token[position] === replacement || token[position] === '.') return true;
        const altered = token.slice(0, position) + replacement + token.slice(position + 1);
        return verifyUnsubscribeToken(altered, SECRET) === undefined;
      }),
      { numRuns: 1000 },
    );
  });

  it.each(['', 'abc', 'abc.def', '.', `${'a'.repeat(2000)}.${'b'.repeat(43)}`, 'x.'.padEnd(46, 'y')])(
    'refuse the malformed token %j',
    (token) => {
      expect(verifyUnsubscribeToken(token, SECRET)).toBeUndefined();
    },
  );

  it('refuse a genuine signature over claims of the wrong shape', () => {
    const payload = Buffer.from(JSON.stringify({ c: 'x' })).toString('base64url');
    const key = createHmac('sha256', SECRET).update('retain/unsubscribe-token/v1').digest();
    const signature = createHmac('sha256', key).update(payload).digest('base64url');
    expect(verifyUnsubscribeToken(`${payload}.${signature}`, SECRET)).toBeUndefined();
  });
});

describe('suppression hashes', () => {
  it('are the same for the same address however it is written', () => {
    expect(suppressionHash('  Ana@Example.COM ', SECRET)).toBe(suppressionHash('ana@example.com', SECRET));
  });

  it('differ between addresses and between secrets, and do not contain the address', () => {
    const hash = suppressionHash('ana@example.com', SECRET);
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toBe(suppressionHash('ana2@example.com', SECRET));
    expect(hash).not.toBe(suppressionHash('ana@example.com', `${SECRET}-other`));
    expect(hash).not.toContain('ana');
  });
});
