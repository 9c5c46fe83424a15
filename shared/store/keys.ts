// Every key of the single table is built here and nowhere else. Access patterns: README
// "Data model". Index names and key attribute names come from shared/app.ts (`table`).

export type Key = { pk: string; sk: string };

export const PROFILE = 'PROFILE';

export const customerPartition = (customerId: string) => `CUSTOMER#${customerId}`;

export const keys = {
  /** The customer's profile with its aggregates and scores. */
  customer: (customerId: string): Key => ({ pk: customerPartition(customerId), sk: PROFILE }),
  /** Left when a customer is erased (no personal data) so late writers cannot resurrect them. */
  erased: (customerId: string): Key => ({ pk: customerPartition(customerId), sk: 'ERASED' }),
  /** Left when a customer is merged into another: `GET` answers with a redirect. */
  mergedInto: (customerId: string): Key => ({ pk: customerPartition(customerId), sk: 'MERGED' }),
  /** Uniqueness claims: one person, one profile. Written in the same transaction as the profile. */
  email: (normalizedEmail: string): Key => ({ pk: `EMAIL#${normalizedEmail}`, sk: 'UNIQUE' }),
  phone: (e164: string): Key => ({ pk: `PHONE#${e164}`, sk: 'UNIQUE' }),
  externalId: (externalId: string): Key => ({ pk: `EXT#${externalId}`, sk: 'UNIQUE' }),
  /** Tag membership, one item per (tag, customer): `GET /customers?tag=` queries the tag's partition. */
  tag: (tag: string, customerId: string): Key => ({ pk: `TAG#${tag}`, sk: `CUSTOMER#${customerId}` }),
  tagPartition: (tag: string) => `TAG#${tag}`,
  /**
   * Everything on a customer's timeline (orders, behaviour and social events, feedback,
   * complaints, messages) shares the customer's partition with sort keys `TL#<iso time>#<kind>#<id>`,
   * so one Query (ScanIndexForward: false) reads the whole timeline newest first.
   */
  timeline: (customerId: string, at: string, kind: string, id: string): Key => ({
    pk: customerPartition(customerId),
    sk: `${TIMELINE_PREFIX}${at}#${kind}#${id}`,
  }),
  /** An order id, claimed once per business (attribute_not_exists): retries never count twice. */
  orderId: (orderId: string): Key => ({ pk: `ORDERID#${orderId}`, sk: 'ORDER' }),
  /**
   * An `Idempotency-Key` header, per caller (token subject): claimed before the request runs,
   * holding the stored response afterwards; expires (TTL) after 24 hours.
   */
  idempotency: (subject: string, key: string): Key => ({ pk: `IDEMPOTENCY#${subject}#${key}`, sk: 'REQUEST' }),
  /**
   * A client-chosen id (an event's `eventId`, a survey answer's `feedbackId`, a complaint's
   * Idempotency-Key) claimed once per customer and scope, in the same transaction as the timeline
   * item it creates: a retried request finds the claim and is answered as a duplicate.
   */
  clientClaim: (customerId: string, scope: 'event' | 'feedback' | 'complaint', clientId: string): Key => ({
    pk: customerPartition(customerId),
    sk: `CLAIM#${scope}#${clientId}`,
  }),
};

export const TIMELINE_PREFIX = 'TL#';

/** Index key attributes, by index (see `table.indexes` in shared/app.ts). */
export const indexKeys = {
  /** `byList`: every profile, newest first. */
  customerList: (createdAt: string, customerId: string) => ({
    listPk: 'CUSTOMERS',
    listSk: `${createdAt}#${customerId}`,
  }),
  CUSTOMER_LIST_PK: 'CUSTOMERS',
  /** `byBirthday`: a profile with a birth date (`--MM-DD` or `YYYY-MM-DD`), by month-day. */
  birthday: (birthDate: string, customerId: string) => ({
    birthdayPk: `BIRTHDAY#${birthDate.slice(-5)}`,
    birthdaySk: customerId,
  }),
  /** `byList`: the support queue of complaints in one status, oldest first. Closed ones leave it. */
  complaintQueue: (status: string, openedAt: string, complaintId: string) => ({
    listPk: `COMPLAINTS#${status}`,
    listSk: `${openedAt}#${complaintId}`,
  }),
  complaintQueuePk: (status: string) => `COMPLAINTS#${status}`,
};
