/**
 * Time buckets of the analytics rollups, all in UTC: an hour, a day, an ISO week (starting Monday
 * 00:00) and a calendar month. A bucket is named by its kind and its start (`hour:2026-12-02T13`,
 * `day:2026-12-02`, `week:2026-11-30` — the Monday —, `month:2026-12`), and that name is the `_id` of
 * its rollup document, so any range is read by `_id` alone (the one indexed lookup on the embedded
 * database).
 */

export const GRANULARITIES = ['hour', 'day', 'week', 'month'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The start of the bucket of `granularity` that holds `at`. */
export function bucketStart(granularity: Granularity, at: Date): Date {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  const d = at.getUTCDate();
  switch (granularity) {
    case 'hour':
      return new Date(Date.UTC(y, m, d, at.getUTCHours()));
    case 'day':
      return new Date(Date.UTC(y, m, d));
    case 'week': {
      const sinceMonday = (at.getUTCDay() + 6) % 7;
      return new Date(Date.UTC(y, m, d - sinceMonday));
    }
    case 'month':
      return new Date(Date.UTC(y, m, 1));
  }
}

/** The start of the bucket after the one starting at `start`. */
export function nextBucketStart(granularity: Granularity, start: Date): Date {
  switch (granularity) {
    case 'hour':
      return new Date(start.getTime() + HOUR_MS);
    case 'day':
      return new Date(start.getTime() + DAY_MS);
    case 'week':
      return new Date(start.getTime() + 7 * DAY_MS);
    case 'month':
      return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  }
}

/** The rollup `_id` of the bucket of `granularity` that holds `at`. */
export function bucketKey(granularity: Granularity, at: Date): string {
  const iso = bucketStart(granularity, at).toISOString();
  switch (granularity) {
    case 'hour':
      return `hour:${iso.slice(0, 13)}`;
    case 'day':
    case 'week':
      return `${granularity}:${iso.slice(0, 10)}`;
    case 'month':
      return `month:${iso.slice(0, 7)}`;
  }
}

/** The keys of every bucket that holds `at`: one per granularity (what one event updates). */
export function bucketKeysOf(at: Date): string[] {
  return GRANULARITIES.map((granularity) => bucketKey(granularity, at));
}

/**
 * The starts of the buckets from the one holding `from` to the one holding `to`, both included;
 * stops after `max + 1` so a caller can refuse an oversized range without building it.
 */
export function bucketStartsBetween(granularity: Granularity, from: Date, to: Date, max: number): Date[] {
  const starts: Date[] = [];
  for (let s = bucketStart(granularity, from); s <= to && starts.length <= max; s = nextBucketStart(granularity, s)) {
    starts.push(s);
  }
  return starts;
}
