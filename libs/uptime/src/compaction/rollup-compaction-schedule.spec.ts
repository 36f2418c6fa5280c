import type { VigilConfig } from '@vigil/config';
import type { DataSource } from 'typeorm';
import type { UptimeRollupsRepository } from '../rollups/uptime-rollups.repository';
import { RollupCompactionService } from './rollup-compaction.service';

describe('RollupCompactionService schedule', () => {
  const config = { uptime: { maxWindowDays: 400, maxBuckets: 10_080, compactionGraceS: 300 } } as unknown as VigilConfig;
  const service = () => new RollupCompactionService({} as DataSource, config, {} as UptimeRollupsRepository);

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs 10 s after bootstrap (to catch up on hours left behind), then every minute, and not after shutdown', async () => {
    const s = service();
    const runOnce = jest.spyOn(s, 'runOnce').mockResolvedValue({ skipped: true });

    s.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(9_999);
    expect(runOnce).toHaveBeenCalledTimes(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(runOnce).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(runOnce).toHaveBeenCalledTimes(2);

    await s.onModuleDestroy();
    await jest.advanceTimersByTimeAsync(10 * 60_000);
    expect(runOnce).toHaveBeenCalledTimes(2);
  });

  it('keeps its schedule after a failed run, and waits for a run in progress when shut down', async () => {
    const s = service();
    let finish!: () => void;
    const runOnce = jest
      .spyOn(s, 'runOnce')
      .mockRejectedValueOnce(new Error('database down'))
      .mockImplementationOnce(() => new Promise((resolve) => (finish = () => resolve({ skipped: true }))));
    const logged = jest.spyOn(s['logger'], 'error').mockImplementation(() => undefined);

    s.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('database down'));
    await jest.advanceTimersByTimeAsync(60_000);
    expect(runOnce).toHaveBeenCalledTimes(2);
    let stopped = false;
    const stopping = s.onModuleDestroy().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finish();
    await stopping;
    expect(runOnce).toHaveBeenCalledTimes(2);
  });
});
