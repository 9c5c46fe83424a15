// Where things live in the exports bucket, shared by the code that writes them and the stack that
// sets their lifecycle (infra/data-stack.ts).

/** What a nightly run keeps between its phases (shared/store/analytics-snapshot.ts): kept one day. */
export const SNAPSHOT_PREFIX = 'analytics-snapshots/';
