import { describe, expect, it } from 'vitest';
import type { ProfileFields } from '../../../shared/domain/customer.js';
import { claimsTakenOver, mergeProfiles } from '../../../shared/domain/customer-merge.js';

describe('mergeProfiles', () => {
  const survivor: ProfileFields = {
    externalId: 'S-1',
    name: { given: 'Mei' },
    tags: ['vip'],
    consent: { email: { granted: true, source: 'web', at: '2024-01-01T00:00:00Z' } },
  };
  const duplicate: ProfileFields = {
    email: 'mei@example.com',
    externalId: 'D-1',
    name: { given: 'M.', family: 'Chen' },
    birthDate: '1990-06-01',
    address: { city: 'Shanghai' },
    tags: ['newsletter', 'vip'],
    consent: {
      email: { granted: false, source: 'unsubscribe-link', at: '2024-02-01T08:00:00+08:00' },
      sms: { granted: true, source: 'pos', at: '2023-05-01T00:00:00Z' },
    },
  };

  it('keeps the survivor’s fields, fills the missing ones whole, unites tags, and keeps the latest consent', () => {
    expect(mergeProfiles(survivor, duplicate)).toEqual({
      externalId: 'S-1',
      email: 'mei@example.com',
      name: { given: 'Mei' },
      birthDate: '1990-06-01',
      address: { city: 'Shanghai' },
      tags: ['vip', 'newsletter'],
      consent: {
        // The later withdrawal on the duplicate wins over the earlier grant on the survivor.
        email: { granted: false, source: 'unsubscribe-link', at: '2024-02-01T08:00:00+08:00' },
        sms: { granted: true, source: 'pos', at: '2023-05-01T00:00:00Z' },
      },
    });
  });

  it('keeps the survivor’s consent when it is the later decision', () => {
    const later = {
      ...survivor,
      consent: { email: { granted: true, source: 'web', at: '2024-03-01T00:00:00Z' } },
    };
    expect(mergeProfiles(later, duplicate).consent?.email?.source).toBe('web');
  });

  it('takes over the uniqueness claims the survivor lacks, and only those', () => {
    expect(claimsTakenOver(survivor, duplicate)).toEqual(['email']);
    expect(claimsTakenOver({ email: 'a@b.co' }, { email: 'c@d.co', phone: '+8613800138000' })).toEqual([
      'phone',
    ]);
  });
});
