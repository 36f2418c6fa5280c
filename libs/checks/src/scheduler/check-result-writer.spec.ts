import { Logger } from '@nestjs/common';
import type { CheckRecorder, ScheduledCheckResult } from '../check-recorder';
import type { CheckOutcome } from '../check-types';
import type { WorkerIdentity } from '../worker-identity';
import { CheckResultWriter, type WriteSettlement, CONCURRENT_WRITES, MAX_WAITING, WRITE_BATCH_DELAY_MS, WRITE_BATCH_SIZE } from './check-result-writer';

function result(i: number, leaseUntil = new Date(Date.now() + 60_000)): ScheduledCheckResult {
  return { endpointId: `e${i}`, slot: new Date(0), leaseUntil, outcome: { success: true } as CheckOutcome };
}

// The warnings these tests provoke on purpose would only be noise.
beforeAll(() => Logger.overrideLogger(false));

describe('CheckResultWriter', () => {
  let batches: ScheduledCheckResult[][];
  let failNext: number;
  let writer: CheckResultWriter;
  /** When set, each write waits until the test lets it finish (finishWrite). */
  let holdWrites: boolean;
  let held: Array<() => void>;
  let started: number;
  const finishWrite = () => held.shift()?.();

  beforeEach(() => {
    jest.useFakeTimers();
    batches = [];
    failNext = 0;
    holdWrites = false;
    held = [];
    started = 0;
    const recorder = {
      settleScheduled: jest.fn(async (_worker: string, items: ScheduledCheckResult[]) => {
        started++;
        if (holdWrites) await new Promise<void>((resolve) => held.push(resolve));
        if (failNext > 0) {
          failNext--;
          throw new Error('database unavailable');
        }
        batches.push(items);
        return { stored: [], settlements: items.map((r) => ({ endpointId: r.endpointId, slot: r.slot, kind: 'stored', nextSlot: new Date(1000) })) };
      }),
    } as unknown as CheckRecorder;
    writer = new CheckResultWriter(recorder, { id: 'w1' } as WorkerIdentity);
  });
  afterEach(() => jest.useRealTimers());

  it('writes what arrived within the batch delay as one batch', async () => {
    for (let i = 0; i < 5; i++) writer.add(result(i));
    expect(batches).toEqual([]);
    await jest.advanceTimersByTimeAsync(WRITE_BATCH_DELAY_MS);
    expect(batches.map((b) => b.length)).toEqual([5]);
  });

  it('writes at once when a batch is full, without waiting for the delay, in batches of at most WRITE_BATCH_SIZE', async () => {
    for (let i = 0; i < WRITE_BATCH_SIZE + 3; i++) writer.add(result(i));
    await jest.advanceTimersByTimeAsync(0);
    expect(batches.map((b) => b.length)).toEqual([WRITE_BATCH_SIZE]);
    // The rest is a partial batch: written once its delay has passed.
    await jest.advanceTimersByTimeAsync(WRITE_BATCH_DELAY_MS);
    expect(batches.map((b) => b.length)).toEqual([WRITE_BATCH_SIZE, 3]);
  });

  it('retries a failed batch while its leases run, and settles results whose lease has passed as unstored', async () => {
    const settled: WriteSettlement[] = [];
    writer.onSettled((s) => settled.push(...s));
    failNext = 1;
    writer.add(result(1));
    writer.add(result(2, new Date(Date.now() - 1)));
    await jest.advanceTimersByTimeAsync(WRITE_BATCH_DELAY_MS);
    expect(batches).toEqual([]);
    expect(writer.pending).toBe(1);
    expect(settled).toEqual([{ endpointId: 'e2', slot: new Date(0), kind: 'unstored' }]);
    await jest.advanceTimersByTimeAsync(1000);
    expect(batches.map((b) => b.map((r) => r.endpointId))).toEqual([['e1']]);
    // What the recorder says of a written batch reaches the listeners.
    expect(settled).toEqual([
      { endpointId: 'e2', slot: new Date(0), kind: 'unstored' },
      { endpointId: 'e1', slot: new Date(0), kind: 'stored', nextSlot: new Date(1000) },
    ]);
  });

  it(`writes up to ${CONCURRENT_WRITES} batches at once and starts the next one as soon as one ends`, async () => {
    holdWrites = true;
    for (let i = 0; i < 4 * WRITE_BATCH_SIZE; i++) writer.add(result(i));
    await jest.advanceTimersByTimeAsync(0);
    expect({ started, pending: writer.pending }).toEqual({ started: CONCURRENT_WRITES, pending: (4 - CONCURRENT_WRITES) * WRITE_BATCH_SIZE });
    finishWrite();
    await jest.advanceTimersByTimeAsync(0);
    expect({ started, stored: batches.length }).toEqual({ started: CONCURRENT_WRITES + 1, stored: 1 });
    while (held.length) {
      finishWrite();
      await jest.advanceTimersByTimeAsync(0);
    }
    expect(batches.map((b) => b.length)).toEqual([WRITE_BATCH_SIZE, WRITE_BATCH_SIZE, WRITE_BATCH_SIZE, WRITE_BATCH_SIZE]);
  });

  it(`is backed up while ${MAX_WAITING} results wait beyond the batches being written, and tells its listeners when a write ends`, async () => {
    holdWrites = true;
    let written = 0;
    writer.onWritten(() => written++);
    const inFlight = CONCURRENT_WRITES * WRITE_BATCH_SIZE;
    for (let i = 0; i < inFlight + MAX_WAITING - 1; i++) writer.add(result(i));
    await jest.advanceTimersByTimeAsync(0);
    expect(writer.backedUp).toBe(false);
    writer.add(result(-1));
    expect(writer.backedUp).toBe(true);
    finishWrite();
    await jest.advanceTimersByTimeAsync(0);
    expect({ backedUp: writer.backedUp, written }).toEqual({ backedUp: false, written: 1 });
    while (held.length) {
      finishWrite();
      await jest.advanceTimersByTimeAsync(0);
    }
  });

  it('waits the retry delay after a failed write before writing again, even with a full batch waiting', async () => {
    failNext = 1;
    for (let i = 0; i < WRITE_BATCH_SIZE; i++) writer.add(result(i));
    await jest.advanceTimersByTimeAsync(0);
    expect({ started, pending: writer.pending }).toEqual({ started: 1, pending: WRITE_BATCH_SIZE });
    writer.add(result(WRITE_BATCH_SIZE));
    await jest.advanceTimersByTimeAsync(500);
    expect(started).toBe(1);
    // The delay over, everything waiting is written: the retried batch and what came meanwhile.
    await jest.advanceTimersByTimeAsync(500);
    expect(batches.map((b) => b.length)).toEqual([WRITE_BATCH_SIZE, 1]);
  });

  it('writes what is buffered on close, then refuses new results', async () => {
    writer.add(result(1));
    await writer.close();
    expect(batches.map((b) => b.length)).toEqual([1]);
    writer.add(result(2));
    await jest.advanceTimersByTimeAsync(WRITE_BATCH_DELAY_MS * 2);
    expect({ batches: batches.length, pending: writer.pending }).toEqual({ batches: 1, pending: 0 });
  });
});
