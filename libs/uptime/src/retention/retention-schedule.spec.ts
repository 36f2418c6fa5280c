import type { VigilConfig } from '@vigil/config';
import type { DataSource } from 'typeorm';
import { RetentionService } from './retention.service';
import { UptimeRollupsRepository } from '../rollups/uptime-rollups.repository';

describe('RetentionService schedule', () => {
  const config = {
    retention: { rawDays: 30, minuteDays: 30, rollupDays: 400, intervalS: 3600, batchSize: 5000, batchPauseMs: 0 },
  } as unknown as VigilConfig;

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs a minute after bootstrap, then every RETENTION_INTERVAL_S, and not after shutdown', async () => {
    const service = new RetentionService({} as DataSource, config, new UptimeRollupsRepository());
    const runOnce = jest.spyOn(service, 'runOnce').mockResolvedValue({ skipped: true });

    service.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(59_999);
    expect(runOnce).toHaveBeenCalledTimes(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(runOnce).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(3_600_000);
    expect(runOnce).toHaveBeenCalledTimes(2);

    await service.onModuleDestroy();
    await jest.advanceTimersByTimeAsync(10 * 3_600_000);
    expect(runOnce).toHaveBeenCalledTimes(2);
  });

  it('keeps its schedule after a failed run', async () => {
    const service = new RetentionService({} as DataSource, config, new UptimeRollupsRepository());
    const runOnce = jest.spyOn(service, 'runOnce').mockRejectedValueOnce(new Error('database down')).mockResolvedValue({ skipped: true });
    jest.spyOn(service['logger'], 'error').mockImplementation(() => undefined);

    service.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(60_000);
    await jest.advanceTimersByTimeAsync(3_600_000);
    expect(runOnce).toHaveBeenCalledTimes(2);
    await service.onModuleDestroy();
  });
});
