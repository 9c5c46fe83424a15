// Domain events on the application's bus. One client per process; the endpoint comes from the
// SDK's configuration (AWS_ENDPOINT_URL_EVENTBRIDGE points at the local bus on one machine).
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE } from '../app.js';
import { required } from '../config.js';

export const eventBridge = new EventBridgeClient({ maxAttempts: 8 });

export interface DomainEvent {
  detailType: string;
  detail: Record<string, unknown>;
}

/**
 * Put events on the bus, 10 per request, retrying entries EventBridge reports as failed. Consumers
 * must still be idempotent: EventBridge delivers at least once.
 */
export async function publish(events: DomainEvent[]): Promise<void> {
  const bus = required('eventBusName');
  for (let start = 0; start < events.length; start += 10) {
    let batch = events.slice(start, start + 10);
    for (let attempt = 0; batch.length > 0; attempt++) {
      const result = await eventBridge.send(
        new PutEventsCommand({
          Entries: batch.map((event) => ({
            EventBusName: bus,
            Source: EVENT_SOURCE,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
          })),
        }),
      );
      if (!result.FailedEntryCount) break;
      if (attempt >= 5)
        throw new Error(`EventBridge rejected ${result.FailedEntryCount} events after retries`);
      batch = batch.filter((_event, index) => result.Entries?.[index]?.ErrorCode);
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}
