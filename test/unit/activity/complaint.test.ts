import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyTransition,
  COMPLAINT_STATUSES,
  type ComplaintRecord,
  type ComplaintStatus,
  canTransition,
  complaintView,
  isUnresolved,
  newComplaint,
  openComplaintsDelta,
  openedAtOf,
} from '../../../shared/domain/complaint.js';
import { ConflictError } from '../../../shared/domain/errors.js';
import { ulid } from '../../../shared/ids.js';

// The lifecycle as the issue states it, written out by hand: every pair not listed is illegal.
const LEGAL = new Set([
  'open>in_progress',
  'in_progress>resolved',
  'resolved>closed',
  'resolved>in_progress',
  'closed>open',
]);

const opened = (): ComplaintRecord =>
  newComplaint(
    { category: 'delivery', severity: 'high', description: 'parcel arrived broken', channel: 'phone' },
    { id: 'cmp_X', customerId: 'cus_X' },
    '2024-03-01T08:00:00.000Z',
    '2024-03-01T08:00:00.000Z',
  );

const at = (record: ComplaintRecord, status: ComplaintStatus): ComplaintRecord => ({ ...record, status });

describe('complaint lifecycle', () => {
  const pairs = COMPLAINT_STATUSES.flatMap((from) => COMPLAINT_STATUSES.map((to) => [from, to] as const));

  it.each(pairs)('%s → %s follows the table', (from, to) => {
    const legal = LEGAL.has(`${from}>${to}`);
    expect(canTransition(from, to)).toBe(legal);
    const move = () => applyTransition(at(opened(), from), { from, to, at: '2024-03-01T09:00:00.000Z' });
    if (legal) {
      expect(move().status).toBe(to);
    } else {
      expect(move).toThrow(ConflictError);
      try {
        move();
      } catch (error) {
        expect((error as ConflictError).field).toBe('to');
      }
    }
  });

  it('has exactly 16 pairs of which 5 are legal', () => {
    expect(pairs).toHaveLength(16);
    expect(pairs.filter(([from, to]) => canTransition(from, to))).toHaveLength(5);
  });

  it('records the first response, the resolution and closing, and the durations from opening', () => {
    let record = opened();
    record = applyTransition(record, {
      from: 'open',
      to: 'in_progress',
      at: '2024-03-01T08:30:00.000Z',
      by: 'agent-1',
    });
    record = applyTransition(record, {
      from: 'in_progress',
      to: 'resolved',
      at: '2024-03-01T10:00:00.000Z',
      note: 'refunded',
    });
    const view = complaintView(record, new Date('2024-03-02T08:00:00.000Z'));
    expect(view.firstResponseAt).toBe('2024-03-01T08:30:00.000Z');
    expect(view.firstResponseSeconds).toBe(30 * 60);
    expect(view.resolutionSeconds).toBe(2 * 3600);
    expect(view.ageSeconds).toBe(24 * 3600);
    expect(view.history.map((change) => `${change.from}>${change.to}`)).toEqual([
      'open>in_progress',
      'in_progress>resolved',
    ]);

    record = applyTransition(record, { from: 'resolved', to: 'in_progress', at: '2024-03-01T11:00:00.000Z' });
    expect(record.resolvedAt).toBeUndefined();
    expect(record.reopenCount).toBe(1);
    // The first response stays the first one after a reopen.
    expect(record.firstResponseAt).toBe('2024-03-01T08:30:00.000Z');
    record = applyTransition(record, { from: 'in_progress', to: 'resolved', at: '2024-03-01T12:00:00.000Z' });
    record = applyTransition(record, { from: 'resolved', to: 'closed', at: '2024-03-01T13:00:00.000Z' });
    expect(complaintView(record).resolutionSeconds).toBe(4 * 3600);
    expect(record.closedAt).toBe('2024-03-01T13:00:00.000Z');
  });

  it('keeps the open-complaints counter equal to whether the complaint is unresolved, whatever is tried', () => {
    const status = fc.constantFrom(...COMPLAINT_STATUSES);
    fc.assert(
      fc.property(fc.array(status, { maxLength: 30 }), (attempts) => {
        let record = opened();
        let counter = 1; // opening counts one
        let moves = 0;
        let leftOpen = false;
        for (const [index, to] of attempts.entries()) {
          if (!canTransition(record.status, to)) continue;
          counter += openComplaintsDelta(record.status, to);
          if (record.status === 'open') leftOpen = true;
          record = applyTransition(record, {
            from: record.status,
            to,
            at: new Date(Date.UTC(2024, 2, 2, 0, index)).toISOString(),
          });
          moves++;
        }
        expect(counter).toBe(isUnresolved(record.status) ? 1 : 0);
        expect(record.history).toHaveLength(moves);
        expect(record.firstResponseAt !== undefined).toBe(leftOpen);
        expect(record.resolvedAt !== undefined).toBe(
          record.status === 'resolved' || record.status === 'closed',
        );
      }),
    );
  });

  it('reads the opening time back from a complaint id', () => {
    const time = Date.UTC(2023, 10, 5, 14, 3, 7, 123);
    expect(openedAtOf(`cmp_${ulid(time)}`)).toBe('2023-11-05T14:03:07.123Z');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        expect(new Date(openedAtOf(`cmp_${ulid(ms)}`)).getTime()).toBe(ms);
      }),
    );
  });
});
