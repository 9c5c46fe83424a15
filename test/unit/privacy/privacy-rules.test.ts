import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  auditActionOf,
  auditExpiry,
  customersTouched,
  maskContactData,
  maskEmail,
  maskPhone,
  seesContactData,
} from '../../../shared/domain/privacy.js';

const customerId = (n: number) => `cus_${String(n).padStart(26, '0')}`;

describe('contact data masking', () => {
  it('masks emails and phones so they cannot be written to, keeping a hint', () => {
    expect(maskEmail('ana.lima@example.com')).toBe('a***@e***.com');
    expect(maskEmail('王@例子.中国')).toBe('王***@例***.中国');
    expect(maskEmail('nobody')).toBe('******');
    expect(maskPhone('+8613800138000')).toBe('+*********8000');
    expect(maskPhone('+14155550100')).toBe('+*******0100');
  });

  it('never lets an address or a number through, whatever it is', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.stringMatching(/^\+[1-9]\d{6,14}$/), (email, phone) => {
        const masked = maskContactData({ email, nested: [{ phone, email }], other: email });
        expect(masked.email).not.toBe(email);
        expect(masked.email).toContain('***');
        expect(masked.nested[0]?.phone.endsWith(phone.slice(-4))).toBe(true);
        expect(masked.nested[0]?.phone.replace(/\D/g, '')).toHaveLength(4);
        // Only the contact fields are touched.
        expect(masked.other).toBe(email);
      }),
    );
  });

  it('shows contact data in clear to admin and support only', () => {
    expect(seesContactData(new Set(['admin']))).toBe(true);
    expect(seesContactData(new Set(['support']))).toBe(true);
    expect(seesContactData(new Set(['marketer']))).toBe(false);
    expect(seesContactData(new Set(['ingest']))).toBe(false);
    expect(seesContactData(new Set(['marketer', 'support']))).toBe(true);
  });
});

describe('what the audit trail records', () => {
  it('derives the action from the route', () => {
    expect(auditActionOf({ method: 'GET', path: '/customers/{id}' })).toBe('read');
    expect(auditActionOf({ method: 'GET', path: '/customers' })).toBe('read');
    expect(auditActionOf({ method: 'GET', path: '/customers/{id}/export' })).toBe('export');
    expect(auditActionOf({ method: 'DELETE', path: '/customers/{id}' })).toBe('erase');
    expect(auditActionOf({ method: 'PATCH', path: '/customers/{id}' })).toBe('change');
    expect(auditActionOf({ method: 'POST', path: '/customers/{id}/orders' })).toBe('change');
    expect(auditActionOf({ method: 'GET', path: '/audit', audit: false })).toBeUndefined();
  });

  it('finds the customers a request touched in its path and bodies, and nothing else', () => {
    const touched = customersTouched({
      path: '/customers/{id}/orders',
      pathParameters: { id: customerId(1) },
      requestBody: { orders: [{ customerId: customerId(2), orderId: 'cus_not_an_id' }] },
      responseBody: { items: [{ id: customerId(3), note: customerId(4) }], id: 'evt_1' },
    });
    expect(touched.sort()).toEqual([customerId(1), customerId(2), customerId(3)]);
    expect(customersTouched({ path: '/complaints', pathParameters: { id: customerId(9) } })).toEqual([]);
  });

  it('expires entries after the configured number of days', () => {
    expect(auditExpiry('2026-01-01T00:00:00.000Z', 400)).toBe(Date.UTC(2027, 1, 5) / 1000);
  });
});
