// What one nightly run costs on AWS per million customers, from what the benchmark measured on
// the imported customers (profile size, share of profiles rewritten, lifecycle changes, function
// time) and a few stated assumptions (consent, known birthdays). Pure: numbers in, numbers out.
// docs/performance.md explains every line.

/** us-east-1, on-demand, as published on the AWS pricing pages (2025; DynamoDB after its 2024-11-01 cut). */
export const PRICES = {
  dynamoReadUnit: 0.125 / 1e6,
  dynamoWriteUnit: 0.625 / 1e6,
  /** Lambda on arm64 (Graviton), first pricing tier. */
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  eventBridgeEvent: 1 / 1e6,
  sesMessage: 0.1 / 1000,
} as const;

export interface NightlyMeasurements {
  /** Customers the night covered (the imported ones). */
  customers: number;
  /** Mean size of a profile item as DynamoDB bills it (what the Scan reads). */
  meanProfileBytes: number;
  /** Mean size of a scores item (what the night writes, beside the profile). */
  meanScoresBytes: number;
  /**
   * Index entries the night wrote: the scores item's indexes (bySegment, byLifecycle, byTier) hold
   * keys only, so an entry is written only when its key changes: 2 when a value moves (delete and
   * put), 1 when a key appears or goes.
   */
  indexEntryWrites: number;
  /** Scores items the night rewrote (the scores changed). */
  written: number;
  /** Lifecycle stage changes (each writes a change record and clears its outbox: one more scores write). */
  lifecycleChanges: number;
  /** Changes to at risk or churned: the win-back candidates. */
  winbackTransitions: number;
  /** Events the night put on the bus. */
  events: number;
  /** Σ over the night's invocations of duration × memory. */
  gbSeconds: number;
  invocations: number;
  /** Parallel Scans of all profiles per night (phase 1 keeps what it read for phase 2: one). */
  scansPerNight: number;
}

export interface Assumptions {
  /** Share of customers who agreed to email. */
  emailConsent: number;
  /** Share of customers whose birthday is known. */
  birthdayKnown: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = { emailConsent: 0.6, birthdayKnown: 0.5 };

export interface CostLine {
  quantity: number;
  unit: string;
  dollars: number;
}

export interface NightlyCost {
  reads: CostLine;
  writes: CostLine;
  lambda: CostLine;
  events: CostLine;
  emails: CostLine;
  total: number;
}

/** Per million customers, one night. */
export function nightlyCostPerMillion(
  measured: NightlyMeasurements,
  assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
): NightlyCost {
  const scale = 1e6 / measured.customers;
  // A Scan is billed on the bytes it reads, in 4 KB units; eventually consistent reads cost half.
  const scanUnits = (measured.scansPerNight * 1e6 * measured.meanProfileBytes) / 4096 / 2;
  // Phase 2 reads every customer's scores item, and after writing checks the written customers'
  // profiles still exist: strongly consistent BatchGetItem, one unit per item per started 4 KB.
  const readUnits =
    scanUnits +
    1e6 * Math.ceil(measured.meanScoresBytes / 4096) +
    measured.written * scale * Math.ceil(measured.meanProfileBytes / 4096);
  // A put is billed on the item's size in 1 KB units. A keys-only index entry (under 1 KB) costs one
  // unit, and only when its key changes: rewriting attributes no index projects writes no index
  // (DynamoDB Developer Guide, "Global secondary indexes", write capacity). A change record is
  // one more small item.
  const scoresWrites = (measured.written + measured.lifecycleChanges) * scale;
  const writeUnits =
    scoresWrites * Math.ceil(measured.meanScoresBytes / 1024) +
    measured.indexEntryWrites * scale +
    measured.lifecycleChanges * scale;
  const gbSeconds = measured.gbSeconds * scale;
  const requests = measured.invocations * scale;
  const events = measured.events * scale;
  const emails =
    (1e6 * (assumptions.birthdayKnown * assumptions.emailConsent)) / 365 +
    measured.winbackTransitions * scale * assumptions.emailConsent;
  const reads = { quantity: readUnits, unit: 'read units', dollars: readUnits * PRICES.dynamoReadUnit };
  const writes = { quantity: writeUnits, unit: 'write units', dollars: writeUnits * PRICES.dynamoWriteUnit };
  const lambda = {
    quantity: gbSeconds,
    unit: 'GB-s',
    dollars: gbSeconds * PRICES.lambdaGbSecond + requests * PRICES.lambdaRequest,
  };
  const eventLine = { quantity: events, unit: 'events', dollars: events * PRICES.eventBridgeEvent };
  const emailLine = { quantity: emails, unit: 'messages', dollars: emails * PRICES.sesMessage };
  return {
    reads,
    writes,
    lambda,
    events: eventLine,
    emails: emailLine,
    total: reads.dollars + writes.dollars + lambda.dollars + eventLine.dollars + emailLine.dollars,
  };
}
