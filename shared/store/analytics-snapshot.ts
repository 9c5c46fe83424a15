// What phase 1 of the nightly run read, kept for phase 2: every Scan page of a shard as one object
// of JSON lines in the exports bucket. Phase 2 scores exactly the population phase 1 summarised and
// fitted on, and the profiles are read from DynamoDB once a night instead of twice (docs/analytics.md,
// "One Scan a night"). The objects hold a profile's aggregates and demographic fields (no name,
// email or phone); the coordinator deletes them when the run completes, and the bucket's lifecycle
// rule removes what an abandoned attempt left within a day.
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { s3 } from '../clients/s3.js';
import { required } from '../config.js';
import { SNAPSHOT_PREFIX } from './bucket-prefixes.js';

export interface SnapshotShard {
  asOf: string;
  attempt: number;
  shard: number;
}

const attemptPrefix = (asOf: string, attempt: number) => `${SNAPSHOT_PREFIX}${asOf}/${attempt}/`;
const pageKey = ({ asOf, attempt, shard }: SnapshotShard, slice: number, page: number) =>
  `${attemptPrefix(asOf, attempt)}${shard}/${slice}/${page}.jsonl`;

/** Stores one Scan page of a phase-1 slice (a retry of the slice writes the same keys again). */
export async function putSnapshotPage<T>(
  shard: SnapshotShard,
  slice: number,
  page: number,
  items: readonly T[],
): Promise<void> {
  await s3().send(
    new PutObjectCommand({
      Bucket: required('bucketName'),
      Key: pageKey(shard, slice, page),
      Body: Buffer.from(items.map((item) => JSON.stringify(item)).join('\n'), 'utf8'),
      ContentType: 'application/jsonl',
    }),
  );
}

/** One stored page, its items in Scan order. */
export async function readSnapshotPage<T>(shard: SnapshotShard, slice: number, page: number): Promise<T[]> {
  const result = await s3().send(
    new GetObjectCommand({ Bucket: required('bucketName'), Key: pageKey(shard, slice, page) }),
  );
  const text = (await result.Body?.transformToString('utf8')) ?? '';
  return text === '' ? [] : text.split('\n').map((line) => JSON.parse(line) as T);
}

/** Deletes every page an attempt stored (once the run no longer needs them). */
export async function deleteSnapshot(asOf: string, attempt: number): Promise<number> {
  const Bucket = required('bucketName');
  let deleted = 0;
  let ContinuationToken: string | undefined;
  do {
    const listed = await s3().send(
      new ListObjectsV2Command({ Bucket, Prefix: attemptPrefix(asOf, attempt), ContinuationToken }),
    );
    const objects = (listed.Contents ?? []).flatMap(({ Key }) => (Key ? [{ Key }] : []));
    if (objects.length > 0) {
      await s3().send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: objects, Quiet: true } }));
      deleted += objects.length;
    }
    ContinuationToken = listed.IsTruncated ? listed.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return deleted;
}
