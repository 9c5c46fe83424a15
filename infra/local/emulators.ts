// The real local equivalents of the AWS services: DynamoDB Local (Java, child process),
// aws-ses-v2-local (SES v2 API with a web inbox) and s3rver (S3 API), the latter two in process.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { type AddressInfo, createServer, connect } from 'node:net';
import { join } from 'node:path';
import { ensureDynamoDbLocal } from './fetch-dynamodb-local.mjs';

export interface Running {
  url: string;
  stop(): Promise<void>;
}

/** The port a listening server was bound to. */
function boundPort(server: Server): number {
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the server is not listening');
  return address.port;
}

/**
 * An HTTP server already listening, its request handler attached later (`server.on('request')`):
 * with port 0 the OS picks a free port and no other server can take it, so the URL can go into
 * the configuration before the handlers that read it are loaded.
 */
export function listeningServer(port: number, host = '127.0.0.1'): Promise<{ server: Server; url: string }> {
  const server = createHttpServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve({ server, url: `http://${host}:${boundPort(server)}` }));
  });
}

/**
 * A free TCP port on the loopback interface, for a server that must be told its port before it
 * starts (DynamoDB Local, a Java process). It can be taken between this check and that start
 * (startDynamoDbLocal checks and tries again): servers of our own bind port 0 instead.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}`);
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`DynamoDB Local did not listen on port ${port} within ${timeoutMs} ms`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

/**
 * Whether the server on `port` is DynamoDB (it answers ListTables): the port was probed free
 * before Java bound it, so another server could have taken it in between.
 */
function answersAsDynamoDb(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          authorization:
            'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        response.on('end', () => resolve(response.statusCode === 200 && body.includes('"TableNames"')));
        response.on('error', () => resolve(false));
      },
    );
    request.on('error', () => resolve(false));
    request.end('{}');
  });
}

/** DynamoDB Local; `dataDir` keeps the data across restarts, without it the data lives in memory. */
export async function startDynamoDbLocal(
  options: { port?: number; dataDir?: string } = {},
): Promise<Running> {
  const dir: string = ensureDynamoDbLocal();
  const storage = options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory'];
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  // A probed port can be taken before Java binds it (by a stack starting beside this one): then
  // Java exits, or something else answers; either way, try another port (unless one was given).
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const child = spawn(
      'java',
      [
        '-Xmx1g',
        `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
        '-jar',
        join(dir, 'DynamoDBLocal.jar'),
        '-sharedDb',
        '-port',
        String(port),
        '-disableTelemetry',
        ...storage,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    try {
      await waitForPort(port, child, 90_000);
      if (!(await answersAsDynamoDb(port)) || child.exitCode !== null) {
        throw new Error(`port ${port} does not answer as DynamoDB Local`);
      }
      return { url: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
    } catch (error) {
      await stopChild(child);
      if (options.port !== undefined || attempt >= 3) {
        throw new Error(`${(error as Error).message}\n${stderr}`);
      }
    }
  }
}

/** Stops a server: no new connections, open ones (keep-alive) closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

/** What SES publishes through a configuration set when it accepts a message ("Email Sent"). */
export interface SesSendEvent {
  eventType: 'Send';
  mail: { messageId: string; timestamp: string; destination: string[]; tags: Record<string, string[]> };
}

/**
 * aws-ses-v2-local (the SES v2 API, a web inbox at its root and every email at /store) behind a thin
 * proxy that does what the configuration set's EventBridge destination does on AWS: for every
 * message SES accepts, announce a Send event (`onSend`), which the senders use to settle a send
 * claimed before a crash.
 */
export async function startSes(
  options: { port?: number; onSend?: (event: SesSendEvent) => void } = {},
): Promise<Running & { onSend(listener: (event: SesSendEvent) => void): void }> {
  // Ports 0: each server binds a port the OS picks and reports it, so two stacks starting side by
  // side (the test files run in parallel) cannot be handed the same free port.
  // The emulator answers SESv2 GetAccount from this variable; the quota resembles a new
  // production account (14 messages/s), so the senders pace themselves as they would on AWS.
  process.env.AWS_SES_ACCOUNT ??= JSON.stringify({
    DedicatedIpAutoWarmupEnabled: false,
    Details: {
      AdditionalContactEmailAddresses: [],
      ContactLanguage: 'EN',
      MailType: 'MARKETING',
      ReviewDetails: { CaseId: 'local', Status: 'GRANTED' },
      UseCaseDescription: 'Retain local stack',
      WebsiteURL: 'http://127.0.0.1',
    },
    EnforcementStatus: 'HEALTHY',
    ProductionAccessEnabled: true,
    SendingEnabled: true,
    SendQuota: { Max24HourSend: 50000, MaxSendRate: 14, SentLast24Hours: 0 },
    SuppressionAttributes: { SuppressedReasons: [] },
  });
  const module = (await import('aws-ses-v2-local')) as unknown as {
    default:
      | ((config: { host: string; port: number }) => Promise<Server>)
      | { default: (config: { host: string; port: number }) => Promise<Server> };
  };
  const start = typeof module.default === 'function' ? module.default : module.default.default;
  const inner = await start({ host: '127.0.0.1', port: 0 });
  const innerPort = boundPort(inner);
  let listener = options.onSend;

  const proxy = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const upstream = httpRequest(
        {
          host: '127.0.0.1',
          port: innerPort,
          path: request.url,
          method: request.method,
          headers: request.headers,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            const payload = Buffer.concat(parts);
            response.writeHead(answer.statusCode ?? 502, answer.headers);
            response.end(payload);
            if (
              request.method === 'POST' &&
              request.url === '/v2/email/outbound-emails' &&
              answer.statusCode === 200
            ) {
              announce(body, payload);
            }
          });
        },
      );
      upstream.on('error', (error) => {
        response.writeHead(502);
        response.end(error.message);
      });
      upstream.end(body);
    });
  });
  const announce = (requestBody: Buffer, responseBody: Buffer) => {
    try {
      const { MessageId } = JSON.parse(responseBody.toString('utf8')) as { MessageId?: string };
      const input = JSON.parse(requestBody.toString('utf8')) as {
        Destination?: { ToAddresses?: string[] };
        EmailTags?: Array<{ Name: string; Value: string }>;
      };
      if (!MessageId || !listener) return;
      listener({
        eventType: 'Send',
        mail: {
          messageId: MessageId,
          timestamp: new Date().toISOString(),
          destination: input.Destination?.ToAddresses ?? [],
          tags: Object.fromEntries((input.EmailTags ?? []).map((tag) => [tag.Name, [tag.Value]])),
        },
      });
    } catch {
      // Not a JSON send (raw MIME is still JSON-wrapped in v2; anything else carries no tags).
    }
  };
  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${boundPort(proxy)}`,
    onSend: (next) => {
      listener = next;
    },
    stop: async () => {
      await closeServer(proxy);
      await closeServer(inner);
    },
  };
}

/** s3rver: the S3 API on a folder (or a throwaway folder). */
export async function startS3(options: { port?: number; directory: string }): Promise<Running> {
  mkdirSync(options.directory, { recursive: true });
  const { default: S3rver } = (await import('s3rver')) as unknown as {
    default: new (config: Record<string, unknown>) => { run(): Promise<unknown>; close(): Promise<void> };
  };
  const server = new S3rver({
    port: options.port ?? 0,
    address: '127.0.0.1',
    directory: options.directory,
    silent: true,
  });
  const { port } = (await server.run()) as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, stop: () => server.close() };
}
