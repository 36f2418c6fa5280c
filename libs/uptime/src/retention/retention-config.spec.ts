import { ConfigError, loadConfig } from '@vigil/config';

describe('retention configuration', () => {
  it('defaults: raw and minute rows 30 days, hour and day rows 400 days, hourly runs of 5000-row batches', () => {
    expect(loadConfig({}).retention).toEqual({
      rawDays: 30,
      minuteDays: 30,
      rollupDays: 400,
      intervalS: 3600,
      batchSize: 5000,
      batchPauseMs: 100,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      RETENTION_RAW_DAYS: '7',
      RETENTION_MINUTE_DAYS: '3',
      RETENTION_ROLLUP_DAYS: '730',
      RETENTION_INTERVAL_S: '600',
      RETENTION_BATCH_SIZE: '250',
      RETENTION_BATCH_PAUSE_MS: '0',
    });
    expect(config.retention).toEqual({ rawDays: 7, minuteDays: 3, rollupDays: 730, intervalS: 600, batchSize: 250, batchPauseMs: 0 });
  });

  it.each([
    ['RETENTION_RAW_DAYS', '0'],
    ['RETENTION_MINUTE_DAYS', 'abc'],
    ['RETENTION_ROLLUP_DAYS', '-1'],
    ['RETENTION_INTERVAL_S', '5'],
    ['RETENTION_BATCH_SIZE', '0'],
    ['RETENTION_BATCH_PAUSE_MS', '-5'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      expect((err as Error).message).toContain(name);
    }
  });
});
