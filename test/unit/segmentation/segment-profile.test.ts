import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addCustomer,
  ageBandFor,
  ageOn,
  emptyProfile,
  finalizeProfile,
  mergeProfiles,
  type ProfileCustomer,
  profileOf,
  type SegmentProfilePartial,
} from '../../../shared/domain/segmentation/segment-profile.js';

const alice: ProfileCustomer = {
  monetary: 100,
  frequency: 2,
  recencyDays: 10,
  churnProbability: 0.1,
  clv: 150,
  gender: 'female',
  age: 30,
  region: 'CN',
};
const bob: ProfileCustomer = {
  monetary: 50,
  frequency: 1,
  recencyDays: 40,
  churnProbability: 0.3,
  clv: null,
  gender: 'male',
  age: 17,
  region: 'CN',
};
const carol: ProfileCustomer = { monetary: 250.5, frequency: 5, recencyDays: 1, clv: 300, region: 'US' };

describe('segment profiles', () => {
  it('finalises a small segment to hand-computed figures', () => {
    const profile = finalizeProfile(profileOf([alice, bob, carol]), 10);
    expect(profile).toEqual({
      size: 3,
      shareOfPopulation: 0.3,
      spend: { total: 400.5, average: 133.5, median: 100, medianExact: true },
      averageFrequency: 8 / 3,
      averageRecencyDays: 17, // (10 + 40 + 1) / 3
      averageChurnProbability: 0.2, // (0.1 + 0.3) / 2: Carol has none
      averageClv: 225, // (150 + 300) / 2: Bob has none
      gender: {
        female: { count: 1, share: 1 / 3 },
        male: { count: 1, share: 1 / 3 },
        unknown: { count: 1, share: 1 / 3 },
      },
      ageBand: {
        '25-34': { count: 1, share: 1 / 3 },
        '<18': { count: 1, share: 1 / 3 },
        unknown: { count: 1, share: 1 / 3 },
      },
      region: { CN: { count: 2, share: 2 / 3 }, US: { count: 1, share: 1 / 3 } },
    });
  });

  it('finalises an empty segment without dividing by zero', () => {
    const profile = finalizeProfile(emptyProfile(), 0);
    expect(profile).toMatchObject({
      size: 0,
      shareOfPopulation: 0,
      spend: { total: 0, average: null, median: null, medianExact: true },
      averageFrequency: null,
      averageRecencyDays: null,
      averageChurnProbability: null,
      averageClv: null,
      gender: {},
    });
  });

  it('averages recency over customers with orders only', () => {
    const prospect: ProfileCustomer = { monetary: 0, frequency: 0, recencyDays: null };
    expect(finalizeProfile(profileOf([alice, prospect]), 2).averageRecencyDays).toBe(10);
  });

  it('adding customers one by one equals building the profile in one pass', () => {
    const oneByOne = [alice, bob, carol].reduce(addCustomer, emptyProfile());
    expect(oneByOne).toEqual(profileOf([alice, bob, carol]));
  });

  it('falls back to an approximate median for a large, varied segment', () => {
    const customers = Array.from({ length: 5001 }, (_, i) => ({
      monetary: 10 + i * 0.37,
      frequency: 1,
      recencyDays: 1,
    }));
    const profile = finalizeProfile(profileOf(customers), 5001);
    expect(profile.spend.medianExact).toBe(false);
    const exact = 10 + 2500 * 0.37;
    expect(Math.abs((profile.spend.median as number) - exact)).toBeLessThanOrEqual(0.01 * exact);
  });

  it('counts a region named like an object property as a plain region', () => {
    const profile = finalizeProfile(
      profileOf([
        { ...alice, region: '__proto__' },
        { ...bob, region: '__proto__' },
      ]),
      2,
    );
    expect(Object.entries(profile.region)).toEqual([['__proto__', { count: 2, share: 1 }]]);
  });

  it('rejects a fractional or non-finite figure', () => {
    expect(() => profileOf([{ ...alice, frequency: 1.5 }])).toThrow(/frequency/);
    expect(() => profileOf([{ ...alice, monetary: Number.NaN }])).toThrow(/monetary/);
  });

  it('survives a JSON round trip (partials travel between shards and the coordinator)', () => {
    const partial = profileOf([alice, bob, carol]);
    expect(JSON.parse(JSON.stringify(partial))).toEqual(partial);
  });
});

const customer: fc.Arbitrary<ProfileCustomer> = fc.record({
  monetary: fc.double({ min: -100, max: 100_000, noNaN: true }),
  frequency: fc.nat(50),
  recencyDays: fc.option(fc.double({ min: 0, max: 3000, noNaN: true })),
  churnProbability: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
  clv: fc.option(fc.double({ min: 0, max: 100_000, noNaN: true })),
  gender: fc.option(fc.constantFrom('female', 'male', 'other', 'unspecified')),
  age: fc.option(fc.integer({ min: 0, max: 110 })),
  region: fc.option(fc.constantFrom('CN', 'US', 'DE', 'BR')),
});
const segment = fc.array(customer, { maxLength: 40 });

describe('profile merge properties', () => {
  it('merging is associative and commutative, and equals the profile of all customers', () => {
    fc.assert(
      fc.property(segment, segment, segment, (a, b, c) => {
        const [pa, pb, pc] = [a, b, c].map(profileOf) as [
          SegmentProfilePartial,
          SegmentProfilePartial,
          SegmentProfilePartial,
        ];
        const left = mergeProfiles(mergeProfiles(pa, pb), pc);
        expect(mergeProfiles(pa, mergeProfiles(pb, pc))).toEqual(left);
        expect(mergeProfiles(pb, pa)).toEqual(mergeProfiles(pa, pb));
        expect(mergeProfiles(emptyProfile(), pa)).toEqual(pa);
        // Finalised JSON is identical however the shards were merged.
        expect(JSON.stringify(finalizeProfile(left, 100))).toBe(
          JSON.stringify(finalizeProfile(mergeProfiles(pc, mergeProfiles(pb, pa)), 100)),
        );
        expect(finalizeProfile(left, 100)).toEqual(finalizeProfile(profileOf([...a, ...b, ...c]), 100));
      }),
    );
  });

  it('distribution shares sum to 1 for a non-empty segment', () => {
    fc.assert(
      fc.property(fc.array(customer, { minLength: 1, maxLength: 40 }), (customers) => {
        const profile = finalizeProfile(profileOf(customers), customers.length);
        for (const distribution of [profile.gender, profile.ageBand, profile.region]) {
          const total = Object.values(distribution).reduce((sum, share) => sum + share.share, 0);
          expect(total).toBeCloseTo(1, 12);
        }
      }),
    );
  });
});

describe('ages', () => {
  it.each([
    [null, 'unknown'],
    [-1, 'unknown'],
    [0, '<18'],
    [17, '<18'],
    [18, '18-24'],
    [24, '18-24'],
    [25, '25-34'],
    [44, '35-44'],
    [45, '45-54'],
    [64, '55-64'],
    [65, '65+'],
    [103, '65+'],
  ] as const)('age %s is in band %s', (age, band) => {
    expect(ageBandFor(age)).toBe(band);
  });

  it.each([
    ['1990-07-01', '2024-07-01', 34],
    ['1990-07-02', '2024-07-01', 33],
    ['1990-06-30', '2024-07-01T08:00:00Z', 34],
    ['2000-02-29', '2023-02-28', 22],
    ['2000-02-29', '2023-03-01', 23],
    ['--07-01', '2024-07-01', null],
    ['2030-01-01', '2024-07-01', null],
  ] as const)('born %s, on %s is %s', (birthDate, asOf, age) => {
    expect(ageOn(birthDate, asOf)).toBe(age);
  });
});
