// The churn and value models validated on the CDNOW benchmark (shared/data/cdnow) through the
// real path: the raw log, as the orders CSV a business would export, goes through the real importer
// (shared/import/http-importer.ts → POST /orders/batch over HTTP, customers created on the way),
// then the real nightly job runs `--as-of 1997-09-30` and the model is read at GET /analytics/model.
// On a local stack of this file's own, so the population is exactly the 2,357 CDNOW customers.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import type { modelSchema } from '../../shared/api/analytics-contract.js';
import { bgNbdConditionalExpectedTransactions } from '../../shared/domain/analytics/bgnbd.js';
import { parseCsvTable } from '../../shared/import/csv.js';
import { importOrders } from '../../shared/import/http-importer.js';
import { type PrivateStack, startPrivateStack } from './private-stack.js';

let local: PrivateStack;

afterAll(async () => {
  await local?.stop();
});
describe('on the CDNOW benchmark (shared/data/cdnow), through the real import and the real job', () => {
  // README there: the published BG/NBD fit (Fader, Hardie & Lee 2005) at high precision, the
  // Gamma-Gamma fit (Fader & Hardie 2013) printed to 2 decimals, and the spot checks of customer 1.
  const BG_NBD = { r: 0.2425945, alpha: 4.4136019, a: 0.7929199, b: 2.4258881 };
  const BG_NBD_LL = -9582.429;
  const GAMMA_GAMMA = { p: 6.25, q: 3.74, gamma: 15.44 };
  const GAMMA_GAMMA_LL = -4055.92;
  const AS_OF = '1997-09-30';
  type Model = z.infer<typeof modelSchema>;
  let model: Model;
  let bgNbd: NonNullable<Model['bgNbd']>;
  let gammaGamma: NonNullable<Model['gammaGamma']>;

  beforeAll(async () => {
    local = await startPrivateStack('cdnow');
    // The raw log as the orders CSV a business would export: one row per purchase line.
    const log = readFileSync(resolve(__dirname, '../../../shared/data/cdnow/CDNOW_sample.txt'), 'utf8');
    const csv = ['customer_ref,order_id,ordered_at,amount,currency'];
    log.split(/\r?\n/).forEach((line, index) => {
      const [, sampleId, date, , dollars] = line.trim().split(/\s+/);
      if (sampleId && date && dollars)
        csv.push(`cdnow-${Number(sampleId)},cdnow-line-${index + 1},${date},${dollars},USD`);
    });
    expect(csv.length - 1).toBe(6919);
    const table = parseCsvTable(csv.join('\n'));
    const report = await importOrders(table.rows, {
      api: local.stack.urls.api,
      token: await local.token('ingest'),
      createMissing: true,
      concurrency: 4,
    });
    // Every line is in. (Under load a batch can time out after its write went through: the
    // importer's retry then finds those orders already recorded, so they count as alreadyPresent.)
    expect(report.errors).toEqual([]);
    expect(report.created + report.alreadyPresent).toBe(6919);

    const run = await local.stack.runJob('nightly', { asOf: AS_OF });
    expect(run.events.filter((type) => type === 'analytics.run.completed')).toHaveLength(1);
    const response = await local.api('GET', `/analytics/model?asOf=${AS_OF}`, { role: 'marketer' });
    expect(response.status).toBe(200);
    model = response.body;
    if (!model.bgNbd || !model.gammaGamma)
      throw new Error(`no model fitted: ${JSON.stringify(model.fallbackReasons)}`);
    bgNbd = model.bgNbd;
    gammaGamma = model.gammaGamma;
  }, 600_000);

  const within = (actual: number, expected: number, relative: number) =>
    expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(relative);

  it('fits BG/NBD to the published parameters and log-likelihood within 0.1 %', () => {
    expect(model).toMatchObject({ asOf: AS_OF, timeUnit: 'week', customers: 2357, buyers: 2357 });
    expect(bgNbd.customers).toBe(2357);
    for (const name of ['r', 'alpha', 'a', 'b'] as const) within(bgNbd.params[name], BG_NBD[name], 0.001);
    within(bgNbd.logLikelihood, BG_NBD_LL, 0.001);
  });

  it('fits Gamma-Gamma to the published table on the 946 repeat buyers', () => {
    expect(gammaGamma.customers).toBe(946);
    // Printed to 2 decimals: each fitted value must print the same, and lie within 0.1 % or half a
    // printed unit (q = 3.74 is itself rounded by up to 0.13 %), whichever is larger.
    for (const name of ['p', 'q', 'gamma'] as const) {
      const fitted = gammaGamma.params[name] as number;
      expect(fitted.toFixed(2), name).toBe(GAMMA_GAMMA[name].toFixed(2));
      expect(Math.abs(fitted - GAMMA_GAMMA[name])).toBeLessThanOrEqual(
        Math.max(0.001 * GAMMA_GAMMA[name], 0.005),
      );
    }
    within(gammaGamma.logLikelihood, GAMMA_GAMMA_LL, 0.001);
  });

  it('reproduces the spot checks of customer 1 (x = 2, t_x = 30.43, T = 38.86 weeks)', async () => {
    const found = await local.api('GET', '/customers?externalId=cdnow-1', { role: 'marketer' });
    const scores = found.body.items[0].scores;
    // Published: P(alive) = 0.727, 1.226 repeat purchases expected in the next 39 weeks.
    expect(scores.churn.method).toBe('model');
    expect(Math.abs(scores.churn.pAlive - 0.727)).toBeLessThan(0.001);
    const expected39 = bgNbdConditionalExpectedTransactions(bgNbd.params, { x: 2, tx: 30.43, T: 38.86 }, 39);
    expect(Math.abs(expected39 - 1.226)).toBeLessThan(0.001);
    // The profile's own horizons bracket it: 90 days < 39 weeks < 365 days.
    expect(scores.churn.expected90).toBeLessThan(expected39);
    expect(scores.churn.expected365).toBeGreaterThan(expected39);
    expect(scores.value.method).toBe('model');
    expect(scores.value.clv12).toBeGreaterThan(0);
  });
});
