import { byThreshold, formatDuration, summarize, worstOf } from './health.types';

describe('health arithmetic', () => {
  it('takes the worst status', () => {
    expect(worstOf(['healthy', 'warning', 'healthy'])).toBe('warning');
    expect(worstOf(['warning', 'unhealthy'])).toBe('unhealthy');
    expect(worstOf(['healthy'])).toBe('healthy');
  });

  it('grades a ratio against its thresholds', () => {
    expect(byThreshold(0.5, 0.9, 0.98)).toBe('healthy');
    expect(byThreshold(0.9, 0.9, 0.98)).toBe('warning');
    expect(byThreshold(0.99, 0.9, 0.98)).toBe('unhealthy');
  });

  it('counts each status in the summary', () => {
    const ok = { status: 'healthy' as const };
    expect(
      summarize({
        database: ok,
        memory: { status: 'warning' },
        cpu: ok,
        disk: { status: 'unhealthy' },
        external: ok,
        dependencies: ok,
      }),
    ).toEqual({ total: 6, healthy: 4, unhealthy: 1, warning: 1 });
  });

  it('formats durations for people', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(61_000)).toBe('1m 1s');
    expect(formatDuration(3_600_000)).toBe('1h 0m 0s');
    expect(formatDuration(90_061_000)).toBe('1d 1h 1m 1s');
  });
});
