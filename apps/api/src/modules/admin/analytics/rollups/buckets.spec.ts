import { analyticsRange } from '../analytics-range';
import { lastBuckets } from '../analytics-period';
import { bucketKey, bucketKeysOf, bucketStartsBetween } from './buckets';
import { sweepConcurrency } from './peak-participants';
import { callEndCounters, medianDuration, sumCounters } from './rollup-counters';

const at = (iso: string) => new Date(iso);

describe('bucket keys', () => {
  it('puts the last millisecond of a day and midnight in different hours, days, and (Sunday → Monday) weeks', () => {
    expect(bucketKeysOf(at('2026-11-29T23:59:59.999Z'))).toEqual([
      'hour:2026-11-29T23',
      'day:2026-11-29',
      'week:2026-11-23',
      'month:2026-11',
    ]);
    expect(bucketKeysOf(at('2026-11-30T00:00:00.000Z'))).toEqual([
      'hour:2026-11-30T00',
      'day:2026-11-30',
      'week:2026-11-30',
      'month:2026-11',
    ]);
  });

  it('starts ISO weeks on Monday, across a year boundary', () => {
    expect(bucketKey('week', at('2027-01-03T12:00:00Z'))).toBe('week:2026-12-28');
    expect(bucketKey('week', at('2027-01-04T00:00:00Z'))).toBe('week:2027-01-04');
  });

  it('lists calendar months of different lengths', () => {
    const starts = bucketStartsBetween('month', at('2028-01-31T00:00:00Z'), at('2028-03-01T00:00:00Z'), 10);
    expect(starts.map((s) => s.toISOString().slice(0, 10))).toEqual(['2028-01-01', '2028-02-01', '2028-03-01']);
  });
});

describe('analytics ranges', () => {
  it('reads a date as the whole UTC day, so one day is one bucket', () => {
    const range = analyticsRange('2026-12-02', '2026-12-02', 'hour');
    expect(range.end.toISOString()).toBe('2026-12-02T23:59:59.999Z');
    expect(range.bucketStarts).toHaveLength(24);
  });

  it('refuses more than 366 buckets without building them all', () => {
    expect(() => analyticsRange('2000-01-01', '2026-01-01', 'hour')).toThrow(/more than 366 hour buckets/);
    expect(analyticsRange('2000-01-01', '2026-01-01', 'month').bucketStarts).toHaveLength(313);
  });

  it('refuses an end that is not after the start', () => {
    expect(() => analyticsRange('2026-01-02T00:00:00Z', '2026-01-02T00:00:00Z', 'day')).toThrow(/after startDate/);
  });

  it('reads a period as the last buckets, the current one included', () => {
    const window = lastBuckets('hour', 3, at('2026-12-02T13:20:00Z'));
    expect(window.keys).toEqual(['hour:2026-12-02T11', 'hour:2026-12-02T12', 'hour:2026-12-02T13']);
    expect(window.from.toISOString()).toBe('2026-12-02T11:00:00.000Z');
  });
});

describe('median duration from the 60-second histogram', () => {
  const of = (...durations: number[]) =>
    medianDuration(sumCounters(durations.map((d) => callEndCounters(d, 'all-left'))));

  it('answers the middle of the bin that holds the (lower) median', () => {
    expect(of(10, 70, 3000)).toBe(90);
    expect(of(10, 20, 130, 140)).toBe(30);
    expect(of(59)).toBe(30);
  });

  it('reports calls of 4 hours or more at the open bin’s lower edge, and null without calls', () => {
    expect(of(20_000, 30_000)).toBe(14_400);
    expect(of()).toBeNull();
  });
});

describe('peak of concurrent participants', () => {
  it('measures at each join, leaves before joins at the same instant', () => {
    const peaks: [string, number][] = [];
    sweepConcurrency(
      [
        { joinedAt: at('2026-12-02T10:00:00Z'), leftAt: at('2026-12-02T10:30:00Z') },
        { joinedAt: at('2026-12-02T10:10:00Z'), leftAt: null },
        { joinedAt: at('2026-12-02T10:30:00Z'), leftAt: at('2026-12-02T11:00:00Z') },
      ],
      (when, concurrent) => peaks.push([when.toISOString().slice(11, 16), concurrent]),
    );
    expect(peaks).toEqual([
      ['10:00', 1],
      ['10:10', 2],
      ['10:30', 2],
    ]);
  });
});
