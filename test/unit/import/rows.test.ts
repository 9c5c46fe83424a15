import { describe, expect, it } from 'vitest';
import { customerColumnOf, customerRowToBody } from '../../../shared/import/customer-rows.js';
import { customerReference, orderColumnOf, orderRowToEntry } from '../../../shared/import/order-rows.js';

describe('orders rows', () => {
  it('turns a row into a batch entry: YYYYMMDD dates, numbers, one item, the customer reference', () => {
    expect(
      orderRowToEntry({
        customer_ref: '00001',
        order_id: 'A-1',
        ordered_at: '19970101',
        amount: '29.33',
        currency: 'usd',
        quantity: '2',
        sku: '',
        category: 'music',
        channel: 'mail',
      }),
    ).toEqual({
      ok: true,
      entry: {
        externalId: '00001',
        orderId: 'A-1',
        orderedAt: '1997-01-01',
        amount: 29.33,
        currency: 'USD',
        items: [{ category: 'music', quantity: 2 }],
        channel: 'mail',
      },
    });
    const minimal = orderRowToEntry({
      customer_ref: 'ana@example.com',
      order_id: 'A-2',
      ordered_at: '2024-01-05T10:00:00+08:00',
      amount: '0',
      currency: 'CNY',
    });
    expect(minimal).toEqual({
      ok: true,
      entry: {
        email: 'ana@example.com',
        orderId: 'A-2',
        orderedAt: '2024-01-05T10:00:00+08:00',
        amount: 0,
        currency: 'CNY',
      },
    });
  });

  it('reports missing values and malformed numbers by column', () => {
    const outcome = orderRowToEntry({
      customer_ref: ' ',
      order_id: 'x',
      ordered_at: '',
      amount: '1,5',
      currency: 'USD',
      quantity: '-1',
    });
    expect(outcome).toEqual({
      ok: false,
      issues: [
        { field: 'customer_ref', message: 'is required' },
        { field: 'ordered_at', message: 'is required' },
        { field: 'amount', message: 'must be a number like 12.50' },
        { field: 'quantity', message: 'must be a whole number' },
      ],
    });
  });

  it('takes an email-shaped reference for an email, anything else for an external id', () => {
    expect(customerReference('a@b.co')).toEqual({ email: 'a@b.co' });
    expect(customerReference('shop:42')).toEqual({ externalId: 'shop:42' });
    expect(customerReference('user@host')).toEqual({ externalId: 'user@host' });
  });

  it('maps API fields back to columns', () => {
    expect(['orderedAt', 'items.0.quantity', 'externalId', 'currency', 'body'].map(orderColumnOf)).toEqual([
      'ordered_at',
      'quantity',
      'customer_ref',
      'currency',
      'body',
    ]);
  });
});

describe('customers rows', () => {
  it('turns a row into a create body', () => {
    expect(
      customerRowToBody({
        email: 'ana@example.com',
        phone: '',
        external_id: 'C-1',
        given_name: 'Ana',
        family_name: 'Lima',
        display_name: '',
        gender: 'female',
        birth_date: '19900215',
        language: 'pt-PT',
        time_zone: 'Europe/Lisbon',
        city: 'Porto',
        region: '',
        country: 'pt',
        acquisition_channel: 'fair',
        tags: 'vip; newsletter;',
        email_consent: 'TRUE',
      }),
    ).toEqual({
      ok: true,
      entry: {
        email: 'ana@example.com',
        externalId: 'C-1',
        name: { given: 'Ana', family: 'Lima' },
        gender: 'female',
        birthDate: '1990-02-15',
        language: 'pt-PT',
        timeZone: 'Europe/Lisbon',
        address: { city: 'Porto', country: 'PT' },
        acquisitionChannel: 'fair',
        tags: ['vip', 'newsletter'],
        consent: { email: { granted: true, source: 'import' } },
      },
    });
  });

  it('needs an identifier and a true/false consent', () => {
    expect(customerRowToBody({ given_name: 'Bo', email_consent: 'yes' })).toEqual({
      ok: false,
      issues: [
        { field: 'email_consent', message: 'must be true or false' },
        { field: 'email', message: 'give at least one of email, phone, external_id' },
      ],
    });
  });

  it('maps API fields back to columns', () => {
    expect(
      [
        'name.family',
        'name',
        'address.country',
        'birthDate',
        'tags.2',
        'consent.email.source',
        'externalId',
      ].map(customerColumnOf),
    ).toEqual(['family_name', 'given_name', 'country', 'birth_date', 'tags', 'email_consent', 'external_id']);
  });
});
