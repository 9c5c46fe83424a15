// A list of 100,000 customers is written with bounded memory. The profiles come from a synthetic
// source (seeding 100,000 profiles into the shared DynamoDB Local would slow every other suite's
// nightly scan), the file goes to the real S3 endpoint (s3rver) as a real multipart upload.
//
// What "bounded" means here, by instrumentation rather than a heap reading in a timed test:
// - the writer never holds more than one part plus one row (its own high-water mark);
// - the source is pulled, not pushed: it never runs more than one page ahead of the rows written.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { LIST_COLUMNS } from '../../shared/domain/campaign.js';
import type { StoredProfile } from '../../shared/domain/segment-facts.js';
import { parseCsv } from '../unit/csv-reader.js';
import { stack, useStackEnvironment } from './support.js';

useStackEnvironment();
const { writeLists } = await import('../../shared/use-cases/campaign-lists.js');
const { MIN_PART_BYTES, openObjectWriter } = await import('../../shared/store/list-objects.js');
const { compileRule } = await import('../../shared/domain/segment-rules.js');
const { s3 } = await import('../../shared/clients/s3.js');

const ROWS = 100_000;
const PAGE = 500;
const AS_OF = '2098-06-01';

const granted = { granted: true, source: 'import', at: '2098-01-01T00:00:00Z' };

/** Customer i, with every kind of text that needs escaping somewhere in the file. */
function customer(i: number): StoredProfile {
  return {
    id: `cus_${String(i).padStart(26, '0')}`,
    createdAt: '2098-01-01T00:00:00.000Z',
    name: i % 3 === 0 ? { family: '王', given: `小明${i}` } : { given: `Ann "${i}"`, family: 'Lee, Jr.' },
    language: i % 3 === 0 ? 'zh-CN' : 'en',
    email: `c${i}@example.com`,
    address: { region: i % 2 === 0 ? '上海市, 浦东' : 'North\nEast' },
    consent: { email: granted },
    tags: ['all'],
    lastOrderAt: '2098-05-01T02:00:00.000Z',
    totalSpend: 10,
    scores: {
      asOf: AS_OF,
      runId: 'synthetic',
      rfm: { r: 5, f: 5, m: 5, segment: i % 2 === 0 ? 'champions' : 'loyal' },
      lifecycle: { stage: 'loyal', since: '2098-01-01' },
      value: { expectedOrderValue: 10, clv12: i % 10, method: 'model' },
    },
  };
}

const expectedName = (i: number) => (i % 3 === 0 ? `王小明${i}` : `Ann "${i}" Lee, Jr.`);
const expectedRegion = (i: number) => (i % 2 === 0 ? '上海市, 浦东' : 'North\nEast');

describe('a list of 100,000 rows', () => {
  it('streams to S3 in parts with bounded memory, and parses back row for row', async () => {
    let produced = 0;
    let rowsWritten = 0;
    let maxLead = 0;
    async function* source() {
      for (let start = 0; start < ROWS; start += PAGE) {
        // By now the consumer has written every row of the previous pages.
        maxLead = Math.max(maxLead, produced - rowsWritten);
        const page = Array.from({ length: Math.min(PAGE, ROWS - start) }, (_, k) => customer(start + k));
        produced += page.length;
        yield page;
      }
    }
    const writers: Array<ReturnType<typeof openObjectWriter>> = [];
    const instrumented: typeof openObjectWriter = (key, options) => {
      const writer = openObjectWriter(key, options);
      writers.push(writer);
      const first = writers.length === 1;
      let header = true;
      return {
        ...writer,
        stats: writer.stats,
        async write(chunk) {
          await writer.write(chunk);
          if (first && !header) rowsWritten++;
          header = false;
        },
      };
    };
    const target = (id: string, rule: Parameters<typeof compileRule>[0]) => ({
      campaign: {
        id,
        version: 1,
        createdAt: '',
        updatedAt: '',
        name: id,
        segment: { definitionId: 'seg_x' },
        channel: 'email' as const,
        recipients: ['m@example.com'],
        language: 'en' as const,
        active: true,
      },
      predicate: compileRule(rule),
      segmentLabel: id,
      objectKey: `campaign-lists/volume-test-${process.pid}/${id}.csv`,
      fileName: `${id}.csv`,
    });

    const started = Date.now();
    const [all, half] = await writeLists(
      [
        target('all', { field: 'tags', contains: 'all' }),
        target('half', { field: 'rfmSegment', eq: 'champions' }),
      ],
      source(),
      {
        asOf: AS_OF,
        timeZone: 'Asia/Shanghai',
        openWriter: instrumented,
        partBytes: MIN_PART_BYTES,
        keepBodyBytes: 1024,
      },
    );
    const elapsed = Date.now() - started;

    expect(all?.summary.size).toBe(ROWS);
    expect(half?.summary.size).toBe(ROWS / 2);
    expect(all?.summary.clvTotal).toBe(450_000); // 0 + 1 + … + 9, ten thousand times
    // A multipart upload of several parts, never more than one part (plus one row) held.
    expect(all?.object.parts).toBeGreaterThanOrEqual(3);
    const longestRow = 400;
    for (const writer of writers)
      expect(writer.stats.maxBufferedBytes).toBeLessThan(MIN_PART_BYTES + longestRow);
    expect(all?.object.body).toBeUndefined();
    // The source never ran ahead of the writer by more than the page it just handed over.
    expect(maxLead).toBeLessThanOrEqual(PAGE);

    const object = await s3().send(
      new GetObjectCommand({ Bucket: stack.env.BUCKET_NAME, Key: all?.target.objectKey }),
    );
    const text = Buffer.from(
      await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    expect(text.length).toBe(all?.object.bytes);
    expect([...text.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = parseCsv(text.toString('utf8'));
    expect(header).toEqual([...LIST_COLUMNS]);
    expect(rows).toHaveLength(ROWS);
    for (let i = 0; i < ROWS; i += 997) {
      const row = rows[i] as string[];
      expect(row[0]).toBe(`cus_${String(i).padStart(26, '0')}`);
      expect(row[1]).toBe(expectedName(i));
      expect(row[4]).toBe(expectedRegion(i));
      expect(row[9]).toBe(`${i % 10}.00`);
    }
    expect(rows.map((row) => row[0])).toEqual(
      Array.from({ length: ROWS }, (_, i) => `cus_${String(i).padStart(26, '0')}`),
    );
    console.info(
      `100,000-row list written in ${elapsed} ms (${all?.object.parts} parts, ${all?.object.bytes} bytes)`,
    );
  }, 120_000);
});
