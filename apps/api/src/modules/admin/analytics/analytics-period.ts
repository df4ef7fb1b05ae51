import { bucketKey, bucketStart, Granularity, nextBucketStart } from './rollups/buckets';

export const PERIODS = ['24h', '7d', '30d', '90d', '1y'] as const;
export type Period = (typeof PERIODS)[number];

/**
 * How each period is read: the current bucket and those before it, hours up to a week (the last
 * 24 or 168 whole hours, the current one included), days beyond (the last 30, 90 or 365 UTC days,
 * today included). So a period starts at a bucket edge, up to an hour or a day before `now − period`.
 */
const WINDOWS: Readonly<Record<Period, { granularity: Granularity; buckets: number }>> = {
  '24h': { granularity: 'hour', buckets: 24 },
  '7d': { granularity: 'hour', buckets: 168 },
  '30d': { granularity: 'day', buckets: 30 },
  '90d': { granularity: 'day', buckets: 90 },
  '1y': { granularity: 'day', buckets: 365 },
};

export interface PeriodWindow {
  from: Date;
  to: Date;
  /** The rollup keys of the period's buckets, oldest first. */
  keys: string[];
}

/** The buckets of `period` ending with the one that holds `now`. */
export function periodWindow(period: Period, now: Date): PeriodWindow {
  return lastBuckets(WINDOWS[period].granularity, WINDOWS[period].buckets, now);
}

/** The last `count` buckets of `granularity`, the one holding `now` included. */
export function lastBuckets(granularity: Granularity, count: number, now: Date): PeriodWindow {
  const current = bucketStart(granularity, now);
  const starts: Date[] = [current];
  for (let i = 1; i < count; i += 1) starts.unshift(previousStart(granularity, starts[0]));
  return { from: starts[0], to: now, keys: starts.map((start) => bucketKey(granularity, start)) };
}

/** Hours and days only (the periods' granularities): fixed lengths. */
function previousStart(granularity: Granularity, start: Date): Date {
  const length = nextBucketStart(granularity, start).getTime() - start.getTime();
  return new Date(start.getTime() - length);
}
