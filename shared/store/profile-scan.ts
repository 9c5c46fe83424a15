// Every customer profile, whole (fields, aggregates, scores, counters), streamed page by page from
// a parallel Scan of the `byList` index. The index is overloaded (complaint queues share it), hence
// the filter on the profiles' list keys (`CUSTOMERS#<shard>`). Memory stays bounded: each segment fetches its next page
// only after the consumer took the previous one, so at most one page per running segment waits.
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../clients/dynamodb.js';
import { attachScores, type StoredCustomer } from './customer-repository.js';
import { indexKeys } from './keys.js';

type Item = Record<string, unknown>;

export interface ProfilePage {
  /** The Scan segment the page comes from. */
  segment: number;
  items: StoredCustomer[];
  /** Whether this was the segment's last page. */
  last: boolean;
}

/**
 * One segment of a parallel Scan of the profiles on the `byList` index, as stored, page by page;
 * only `attributes` when given (the nightly run reads aggregates, never whole profiles). Every
 * segment ends with a page marked `last` (possibly empty). Starts after `startKey` when given (a
 * page's `lastKey`: where a Scan stopped by an earlier invocation goes on).
 */
export async function* scanProfileSegment(
  segment: number,
  totalSegments: number,
  options: {
    pageSize?: number | undefined;
    attributes?: readonly string[];
    startKey?: Item | undefined;
  } = {},
): AsyncGenerator<{ items: Item[]; last: boolean; lastKey?: Item }> {
  const names =
    options.attributes && Object.fromEntries(options.attributes.map((name, i) => [`#a${i}`, name]));
  let ExclusiveStartKey: Item | undefined = options.startKey;
  do {
    const page = await documentClient.send(
      new ScanCommand({
        TableName: tableName(),
        IndexName: 'byList',
        Segment: segment,
        TotalSegments: totalSegments,
        FilterExpression: 'begins_with(listPk, :customers)',
        ...(names
          ? { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names }
          : {}),
        ExpressionAttributeValues: { ':customers': indexKeys.CUSTOMER_LIST_PREFIX },
        ExclusiveStartKey,
        Limit: options.pageSize,
      }),
    );
    ExclusiveStartKey = page.LastEvaluatedKey as Item | undefined;
    yield { items: page.Items ?? [], last: !ExclusiveStartKey, lastKey: ExclusiveStartKey };
  } while (ExclusiveStartKey);
}

async function* segmentPages(segment: number, totalSegments: number, pageSize: number | undefined) {
  for await (const page of scanProfileSegment(segment, totalSegments, { pageSize })) {
    // With each profile its scores (an item of its own): one BatchGetItem per 100 profiles.
    yield { segment, items: await attachScores(page.items), last: page.last } satisfies ProfilePage;
  }
}

export interface ScanOptions {
  totalSegments: number;
  /** Which segments to read (default all), in this order as concurrency frees up. */
  segments?: readonly number[];
  /** Segments read at once (default: all of them). */
  concurrency?: number;
  /** Items evaluated per Scan request (default: DynamoDB's 1 MB pages). */
  pageSize?: number;
}

/**
 * Pages of profiles from several Scan segments at once, in the order they arrive. Every segment's
 * pages end with one marked `last` (possibly empty), so a caller can tell which segments it read
 * completely. Stopping early (break) leaves no request running beyond the ones in flight.
 */
export async function* scanProfilePages(options: ScanOptions): AsyncGenerator<ProfilePage> {
  const queue = [...(options.segments ?? Array.from({ length: options.totalSegments }, (_, index) => index))];
  const concurrency = Math.max(1, options.concurrency ?? queue.length);
  const running = new Map<
    number,
    { iterator: AsyncGenerator<ProfilePage>; next: Promise<IteratorResult<ProfilePage>> }
  >();
  const start = () => {
    while (running.size < concurrency && queue.length > 0) {
      const segment = queue.shift() as number;
      const iterator = segmentPages(segment, options.totalSegments, options.pageSize);
      running.set(segment, { iterator, next: iterator.next() });
    }
  };
  start();
  try {
    while (running.size > 0) {
      const [segment, result] = await Promise.race(
        [...running].map(([key, entry]) => entry.next.then((outcome) => [key, outcome] as const)),
      );
      const entry = running.get(segment);
      if (!entry) continue;
      if (result.done) {
        running.delete(segment);
        start();
        continue;
      }
      yield result.value;
      // Only now ask for the segment's next page: the consumer has taken this one.
      entry.next = entry.iterator.next();
    }
  } finally {
    // Early exit: let the requests in flight settle unobserved.
    for (const entry of running.values()) entry.next.catch(() => undefined);
  }
}

/** All profiles, page by page (a parallel Scan of `totalSegments`). */
export async function* scanProfiles(
  totalSegments: number,
  pageSize?: number,
): AsyncGenerator<StoredCustomer[]> {
  for await (const page of scanProfilePages({ totalSegments, pageSize })) {
    if (page.items.length > 0) yield page.items;
  }
}
