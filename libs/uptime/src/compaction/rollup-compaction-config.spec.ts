import { ConfigError, loadConfig } from '@vigil/config';

describe('rollup compaction configuration', () => {
  it('waits 5 minutes after an hour ends by default, and reads UPTIME_COMPACTION_GRACE_S', () => {
    expect(loadConfig({}).uptime.compactionGraceS).toBe(300);
    expect(loadConfig({ UPTIME_COMPACTION_GRACE_S: '0' }).uptime.compactionGraceS).toBe(0);
    expect(loadConfig({ UPTIME_COMPACTION_GRACE_S: '3600' }).uptime.compactionGraceS).toBe(3600);
  });

  it.each(['-1', '3601', '1.5', 'soon'])('refuses UPTIME_COMPACTION_GRACE_S=%s, naming the variable', (value) => {
    expect(() => loadConfig({ UPTIME_COMPACTION_GRACE_S: value })).toThrow(ConfigError);
    expect(() => loadConfig({ UPTIME_COMPACTION_GRACE_S: value })).toThrow(/UPTIME_COMPACTION_GRACE_S/);
  });
});
