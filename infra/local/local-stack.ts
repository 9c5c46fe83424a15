// The whole application on one machine: emulators, the local API, bus and scheduler, running the
// same handler modules that deploy. Used by `npm start` and by the integration test suite.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AttributeValue,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  QueryCommand,
  ResourceNotFoundException,
  ScanCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { allJobs, table } from '../../shared/app.js';
import type { Role } from '../../shared/auth/roles.js';
import { ENV, resetConfig } from '../../shared/config.js';
import { resetSettings } from '../../shared/settings.js';
import { indexKeys, listShard } from '../../shared/store/keys.js';
import {
  closeServer,
  listeningServer,
  type Running,
  startDynamoDbLocal,
  startS3,
  startSes,
} from './emulators.js';
import { localAuth, type LocalAuth } from './local-auth.js';
import { type LocalBus, startLocalBus } from './local-bus.js';
import { startGateway } from './local-gateway.js';
import { startScheduler } from './local-scheduler.js';
import { type LambdaRuntime, loadFunctions } from './lambda-runtime.js';
import { localDir } from './paths.js';

export interface LocalStackOptions {
  /** API port; 0 picks a free one. */
  apiPort: number;
  /** Keep data under .local/ across restarts (npm start) or in memory / a temp folder (tests). */
  persist: boolean;
  /** Fire the declared schedules (npm start: yes; tests run jobs explicitly). */
  scheduler: boolean;
  businessTimeZone?: string;
  /** RETAIN_SETTINGS (JSON object text) for this stack; default: the process's own. */
  settings?: string;
  dataDir?: string;
}

export interface LocalStack {
  urls: { api: string; dynamodb: string; ses: string; s3: string; bus: string; control: string };
  env: Record<string, string>;
  auth: LocalAuth;
  bus: LocalBus;
  runtime: LambdaRuntime;
  /** Run a declared job now (as its schedule would) and wait until every event it caused is handled. */
  runJob(job: string, input?: Record<string, unknown>): Promise<{ result: unknown; events: string[] }>;
  stop(): Promise<void>;
}

export const LOCAL_NAMES = {
  table: 'retain-local',
  bus: 'retain-local',
  bucket: 'retain-exports-local',
  configurationSet: 'retain-local',
  emailFrom: 'Retain <no-reply@retain.local>',
};

/**
 * Creates the declared table (`shared/app.ts`), or adds the indexes declared since to one kept from
 * an earlier version. `indexes` narrows the declared ones (the import benchmark compares a table
 * without them).
 */
export async function ensureTable(
  client: DynamoDBClient,
  name: string,
  indexes: readonly (typeof table.indexes)[number][] = table.indexes,
): Promise<void> {
  const definitions = new Map<string, 'S'>([
    [table.partitionKey, 'S'],
    [table.sortKey, 'S'],
  ]);
  for (const index of indexes) {
    definitions.set(index.partitionKey, 'S');
    definitions.set(index.sortKey, 'S');
  }
  const AttributeDefinitions = [...definitions].map(([AttributeName, AttributeType]) => ({
    AttributeName,
    AttributeType,
  }));
  const gsi = (index: (typeof table.indexes)[number]) => ({
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: index.projection === 'keys' ? ('KEYS_ONLY' as const) : ('ALL' as const) },
  });
  let existing: string[] | undefined;
  try {
    const described = await client.send(new DescribeTableCommand({ TableName: name }));
    existing = (described.Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName ?? '');
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  if (!existing) {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions,
        KeySchema: [
          { AttributeName: table.partitionKey, KeyType: 'HASH' },
          { AttributeName: table.sortKey, KeyType: 'RANGE' },
        ],
        ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes.map(gsi) } : {}),
      }),
    );
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
      }),
    );
    return;
  }
  // Data kept from an earlier version: add the indexes declared since.
  for (const index of indexes.filter((candidate) => !existing?.includes(candidate.name))) {
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: gsi(index) }],
      }),
    );
  }
}

/**
 * Data kept from before the customer lists were sharded (`LIST_SHARDS` in shared/store/keys.ts):
 * moves each entry still under a list's one partition key to its shard. Only `.local/` data can
 * need it (no stack was deployed before the change), and only once: it looks for a profile in the
 * old `CUSTOMERS` partition and does nothing when there is none. The scores entries go first, so
 * that an interrupted upgrade still finds old profiles, and so runs again, at the next start.
 */
export async function shardUnshardedLists(client: DynamoDBClient, name: string): Promise<void> {
  const old = 'CUSTOMERS'; // the one partition key of every profile before the lists were sharded
  const unsharded = { ':unsharded': { S: old } };
  const probe = await client.send(
    new QueryCommand({
      TableName: name,
      IndexName: 'byList',
      KeyConditionExpression: 'listPk = :unsharded',
      ExpressionAttributeValues: unsharded,
      Limit: 1,
    }),
  );
  if (!probe.Items?.length) return;
  type Page = { Items?: Record<string, AttributeValue>[]; LastEvaluatedKey?: Record<string, AttributeValue> };
  const moves = async (
    read: (start: Record<string, AttributeValue> | undefined) => Promise<Page>,
    to: (item: Record<string, AttributeValue>) => { attribute: string; from: string; to: string } | undefined,
  ) => {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await read(start);
      for (const item of page.Items ?? []) {
        const move = to(item);
        if (!move || !item.pk || !item.sk) continue;
        await client.send(
          new UpdateItemCommand({
            TableName: name,
            Key: { pk: item.pk, sk: item.sk },
            UpdateExpression: 'SET #key = :to',
            ConditionExpression: '#key = :from',
            ExpressionAttributeNames: { '#key': move.attribute },
            ExpressionAttributeValues: { ':to': { S: move.to }, ':from': { S: move.from } },
          }),
        );
      }
      start = page.LastEvaluatedKey;
    } while (start);
  };
  // Segment, stage and tier entries: the sort key is the customer id; an entry is in its shard
  // when its partition key ends with `#<shard>` (list names hold no such suffix).
  const scoreLists = ['bySegment', 'byLifecycle', 'byTier'];
  for (const index of table.indexes.filter((candidate) => scoreLists.includes(candidate.name))) {
    const read = (ExclusiveStartKey: Record<string, AttributeValue> | undefined) =>
      client.send(new ScanCommand({ TableName: name, IndexName: index.name, ExclusiveStartKey }));
    await moves(read, (item) => {
      const from = item[index.partitionKey]?.S;
      const id = item[index.sortKey]?.S;
      if (!from || !id || from.endsWith(`#${listShard(id)}`)) return undefined;
      return { attribute: index.partitionKey, from, to: `${from}#${listShard(id)}` };
    });
  }
  await moves(
    (ExclusiveStartKey) =>
      client.send(
        new QueryCommand({
          TableName: name,
          IndexName: 'byList',
          KeyConditionExpression: 'listPk = :unsharded',
          ExpressionAttributeValues: unsharded,
          ExclusiveStartKey,
        }),
      ),
    (item) => {
      const id = item.id?.S;
      const createdAt = item.createdAt?.S;
      if (!id || !createdAt) return undefined;
      return { attribute: 'listPk', from: old, to: indexKeys.customerList(createdAt, id).listPk };
    },
  );
}

function persistentSecret(file: string | undefined): string {
  if (file && existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  if (file) writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const dataDir = options.dataDir ?? localDir;
  mkdirSync(dataDir, { recursive: true });
  const started: Array<{ stop(): Promise<void> | void }> = [];
  try {
    const [dynamodb, ses, s3] = await Promise.all([
      startDynamoDbLocal(options.persist ? { dataDir: join(dataDir, 'dynamodb') } : {}),
      startSes(),
      startS3({ directory: join(dataDir, options.persist ? 's3' : `s3-${process.pid}-${Date.now()}`) }),
    ]);
    started.push(dynamodb, ses, s3);
    // The bus and the API listen before their URLs go into the configuration (port 0: the OS
    // picks a port nobody else can take); their request handlers are attached once the
    // functions are loaded.
    const busServer = await listeningServer(0);
    started.push({ stop: () => closeServer(busServer.server) });
    const api = await listeningServer(options.apiPort);
    started.push({ stop: () => closeServer(api.server) });
    const apiUrl = api.url;

    // (s3rver only accepts its own key pair, S3RVER/S3RVER; DynamoDB Local and SES accept any.)
    // Everything the handlers read comes from configuration: the same variables as on AWS, plus
    // the SDK's own endpoint variables pointing at the emulators.
    const env: Record<string, string> = {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
      AWS_ENDPOINT_URL_SESV2: ses.url,
      AWS_ENDPOINT_URL_S3: s3.url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: busServer.url,
      [ENV.tableName]: LOCAL_NAMES.table,
      [ENV.eventBusName]: LOCAL_NAMES.bus,
      [ENV.bucketName]: LOCAL_NAMES.bucket,
      [ENV.emailFrom]: LOCAL_NAMES.emailFrom,
      [ENV.configurationSet]: LOCAL_NAMES.configurationSet,
      [ENV.publicBaseUrl]: apiUrl,
      [ENV.unsubscribeSecret]: persistentSecret(
        options.persist ? join(dataDir, 'unsubscribe-secret') : undefined,
      ),
      [ENV.businessTimeZone]: options.businessTimeZone ?? process.env[ENV.businessTimeZone] ?? 'UTC',
      [ENV.s3ForcePathStyle]: 'true',
      ...(options.settings === undefined ? {} : { [ENV.settings]: options.settings }),
    };
    Object.assign(process.env, env);
    resetConfig();
    resetSettings();

    const sdk = { region: env.AWS_REGION, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } };
    const dynamoClient = new DynamoDBClient({ ...sdk, endpoint: dynamodb.url });
    await ensureTable(dynamoClient, LOCAL_NAMES.table);
    await shardUnshardedLists(dynamoClient, LOCAL_NAMES.table);
    dynamoClient.destroy();
    const s3Client = new S3Client({ ...sdk, endpoint: s3.url, forcePathStyle: true });
    await s3Client
      .send(new CreateBucketCommand({ Bucket: LOCAL_NAMES.bucket }))
      .catch((error: { name?: string }) => {
        if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
      });
    s3Client.destroy();
    const { ensureLocalEmailTemplates } = await import('./local-email.js');
    await ensureLocalEmailTemplates(ses.url);

    const runtime = await loadFunctions();
    const bus = startLocalBus({
      server: busServer.server,
      runtime,
      appBusName: LOCAL_NAMES.bus,
      deadLetterFile: options.persist ? join(dataDir, 'dead-letters.jsonl') : undefined,
    });
    // What the SES configuration set's EventBridge destination does on AWS.
    ses.onSend((detail) =>
      bus.put({ source: 'aws.ses', detailType: 'Email Sent', detail, busName: 'default' }),
    );
    const auth = await localAuth(options.persist ? join(dataDir, 'jwt-key.json') : undefined);
    startGateway({ server: api.server, runtime, auth });
    if (options.scheduler) {
      const scheduler = startScheduler(runtime, env[ENV.businessTimeZone] as string);
      started.push(scheduler);
    }

    const runJob: LocalStack['runJob'] = async (job, input = {}) => {
      const declared = allJobs().find((candidate) => candidate.job === job);
      if (!declared)
        throw new Error(
          `no job "${job}"; declared: ${
            allJobs()
              .map((j) => j.job)
              .join(', ') || 'none'
          }`,
        );
      const before = bus.events.length;
      const result = await runtime.invoke(declared.functionName, { job, ...input });
      await bus.idle();
      return { result, events: bus.events.slice(before).map((event) => event['detail-type']) };
    };
    const control = await startControl({ runJob, bus, auth });
    started.push(control);
    return {
      urls: {
        api: apiUrl,
        dynamodb: dynamodb.url,
        ses: ses.url,
        s3: s3.url,
        bus: busServer.url,
        control: control.url,
      },
      env,
      auth,
      bus,
      runtime,
      runJob,
      async stop() {
        for (const service of started.reverse()) await service.stop();
      },
    };
  } catch (error) {
    for (const service of started.reverse()) await service.stop();
    throw error;
  }
}

export type { Running };

/**
 * The local stack's control endpoint on loopback (not part of the API): run a job, read or put
 * bus events, issue a token. Used by `npm run job`, `npm run import` and the integration tests.
 */
async function startControl(stack: {
  runJob: LocalStack['runJob'];
  bus: LocalBus;
  auth: LocalAuth;
}): Promise<{ url: string; stop(): Promise<void> }> {
  const { server, url: controlUrl } = await listeningServer(0);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      const url = new URL(request.url ?? '/', 'http://localhost');
      const input = (chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {}) as Record<
        string,
        unknown
      >;
      const job = /^\/jobs\/([\w-]+)$/.exec(url.pathname)?.[1];
      const work: Promise<unknown> =
        request.method === 'POST' && job
          ? stack.runJob(job, input)
          : request.method === 'GET' && url.pathname === '/events'
            ? Promise.resolve({ events: stack.bus.events, deadLetters: stack.bus.deadLetters })
            : request.method === 'POST' && url.pathname === '/events'
              ? Promise.resolve({
                  id: stack.bus.put(
                    input as { source: string; detailType: string; detail: unknown; busName?: string },
                  ),
                }).then(async (result) => {
                  await stack.bus.idle();
                  return result;
                })
              : request.method === 'POST' && url.pathname === '/idle'
                ? stack.bus.idle().then(() => ({ idle: true }))
                : request.method === 'POST' && url.pathname === '/tokens'
                  ? stack.auth
                      .issue(input.role as Role, {
                        subject: input.subject as string | undefined,
                        ttlSeconds: input.ttlSeconds as number | undefined,
                      })
                      .then((token) => ({ token }))
                  : Promise.reject(new Error(`no control route ${request.method} ${url.pathname}`));
      work.then(
        (body) => reply(200, body),
        (error: Error) => reply(400, { error: error.message }),
      );
    });
  });
  return { url: controlUrl, stop: () => closeServer(server) };
}
