import { Logger } from '@nestjs/common';
import type { CheckRecorder, ScheduledCheckResult } from '../check-recorder';
import type { CheckOutcome } from '../check-types';
import type { WorkerIdentity } from '../worker-identity';
import { CheckResultWriter, WRITE_BATCH_DELAY_MS, WRITE_BATCH_SIZE } from './check-result-writer';

function result(i: number, leaseUntil = new Date(Date.now() + 60_000)): ScheduledCheckResult {
  return { endpointId: `e${i}`, endpointName: `e${i}`, slot: new Date(0), leaseUntil, outcome: { success: true } as CheckOutcome };
}

// The warnings these tests provoke on purpose would only be noise.
beforeAll(() => Logger.overrideLogger(false));

describe('CheckResultWriter', () => {
  let batches: ScheduledCheckResult[][];
  let failNext: number;
  let writer: CheckResultWriter;

  beforeEach(() => {
    jest.useFakeTimers();
    batches = [];
    failNext = 0;
    const recorder = {
      recordScheduled: jest.fn(async (_worker: string, items: ScheduledCheckResult[]) => {
        if (failNext > 0) {
          failNext--;
          throw new Error('database unavailable');
        }
        batches.push(items);
        return [];
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
    expect(batches.map((b) => b.length)).toEqual([WRITE_BATCH_SIZE, 3]);
    await jest.advanceTimersByTimeAsync(WRITE_BATCH_DELAY_MS);
    expect(batches).toHaveLength(2);
  });

  it('retries a failed batch while its leases run, and drops results whose lease has passed', async () => {
    failNext = 1;
    writer.add(result(1));
    writer.add(result(2, new Date(Date.now() - 1)));
    await jest.advanceTimersByTimeAsync(WRITE_BATCH_DELAY_MS);
    expect(batches).toEqual([]);
    expect(writer.pending).toBe(1);
    await jest.advanceTimersByTimeAsync(1000);
    expect(batches.map((b) => b.map((r) => r.endpointId))).toEqual([['e1']]);
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
