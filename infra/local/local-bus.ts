// The local EventBridge: an endpoint speaking the PutEvents API (so the real
// @aws-sdk/client-eventbridge talks to it), and delivery to the functions whose declared rules
// match, asynchronously, with retries and a dead-letter file, like EventBridge targets on AWS.
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { type EventRuleSpec, EVENT_SOURCE, type FunctionSpec, functions } from '../../shared/app.js';
import { log } from '../../shared/log.js';
import type { LambdaRuntime } from './lambda-runtime.js';

export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

interface Target {
  functionName: string;
  rule: EventRuleSpec;
}

export interface LocalBus {
  /** Every event accepted so far (newest last), for tests and the job CLI. */
  events: BusEvent[];
  /** Deliveries that failed every retry. */
  deadLetters: Array<{ functionName: string; event: BusEvent; error: string }>;
  /** Resolves when no delivery is in flight. */
  idle(): Promise<void>;
  /** Put an event as if a service had (e.g. an SES bounce on the default bus). */
  put(entry: { source: string; detailType: string; detail: unknown; busName?: string }): string;
}

export function matches(rule: EventRuleSpec, busName: string, event: BusEvent, appBusName: string): boolean {
  const ruleBus = rule.bus === 'default' ? 'default' : appBusName;
  if (busName !== ruleBus) return false;
  if (!(rule.source ?? [EVENT_SOURCE]).includes(event.source)) return false;
  if (!rule.detailType.includes(event['detail-type'])) return false;
  for (const [field, allowed] of Object.entries(rule.detail ?? {})) {
    if (!allowed.includes(String(event.detail[field]))) return false;
  }
  return true;
}

export function startLocalBus(options: {
  /** Listening already (see `listeningServer`): the bus answers its requests. */
  server: Server;
  runtime: LambdaRuntime;
  appBusName: string;
  deadLetterFile?: string;
  retryAttempts?: number;
}): LocalBus {
  const targets: Target[] = Object.entries(functions as Record<string, FunctionSpec>).flatMap(
    ([functionName, fn]) => (fn.events ?? []).map((rule) => ({ functionName, rule })),
  );
  const retryAttempts = options.retryAttempts ?? 4;
  const events: BusEvent[] = [];
  const deadLetters: LocalBus['deadLetters'] = [];
  let inFlight = 0;
  let waiters: Array<() => void> = [];

  const settle = () => {
    inFlight--;
    if (inFlight === 0) {
      const ready = waiters;
      waiters = [];
      for (const resolve of ready) resolve();
    }
  };

  async function deliver(target: Target, event: BusEvent) {
    for (let attempt = 0; ; attempt++) {
      try {
        await options.runtime.invoke(target.functionName, event);
        return;
      } catch (error) {
        if (attempt >= retryAttempts) {
          const message = error instanceof Error ? error.message : String(error);
          deadLetters.push({ functionName: target.functionName, event, error: message });
          if (options.deadLetterFile) {
            appendFileSync(
              options.deadLetterFile,
              `${JSON.stringify({ functionName: target.functionName, event, error: message })}\n`,
            );
          }
          log.error('local bus: delivery failed, sent to the dead-letter file', {
            functionName: target.functionName,
            detailType: event['detail-type'],
            eventId: event.id,
          });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  }

  function put(entry: { source: string; detailType: string; detail: unknown; busName?: string }): string {
    const event: BusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.detailType,
      source: entry.source,
      account: '000000000000',
      time: new Date().toISOString(),
      region: process.env.AWS_REGION ?? 'us-east-1',
      resources: [],
      detail: (entry.detail ?? {}) as Record<string, unknown>,
    };
    events.push(event);
    const busName = entry.busName ?? 'default';
    for (const target of targets) {
      if (!matches(target.rule, busName, event, options.appBusName)) continue;
      inFlight++;
      // Asynchronous, as on AWS: PutEvents answers before any target runs.
      setImmediate(() => {
        deliver(target, event).finally(settle);
      });
    }
    return event.id;
  }

  const { server } = options;
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      };
      if (target !== 'AWSEvents.PutEvents') {
        return reply(400, {
          __type: 'UnknownOperationException',
          message: `local bus supports PutEvents only, not ${target}`,
        });
      }
      let input: {
        Entries?: Array<{ Source?: string; DetailType?: string; Detail?: string; EventBusName?: string }>;
      };
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(400, { __type: 'ValidationException', message: 'malformed JSON' });
      }
      const entries = input.Entries ?? [];
      if (entries.length < 1 || entries.length > 10) {
        return reply(400, { __type: 'ValidationException', message: 'Entries must hold 1 to 10 events' });
      }
      let failed = 0;
      const results = entries.map((entry) => {
        let detail: unknown;
        try {
          detail = JSON.parse(entry.Detail ?? '');
        } catch {
          detail = undefined;
        }
        if (
          !entry.Source ||
          !entry.DetailType ||
          !detail ||
          typeof detail !== 'object' ||
          Array.isArray(detail)
        ) {
          failed++;
          return {
            ErrorCode: 'MalformedDetail',
            ErrorMessage: 'Source, DetailType and a JSON object Detail are required',
          };
        }
        if (Buffer.byteLength(entry.Detail ?? '') > 256 * 1024) {
          failed++;
          return { ErrorCode: 'EventTooLarge', ErrorMessage: 'an entry must be at most 256 KB' };
        }
        const busName = (entry.EventBusName ?? 'default').split('/').pop() ?? 'default';
        return { EventId: put({ source: entry.Source, detailType: entry.DetailType, detail, busName }) };
      });
      return reply(200, { FailedEntryCount: failed, Entries: results });
    });
  });

  return {
    events,
    deadLetters,
    put,
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((done) => waiters.push(done))),
  };
}
