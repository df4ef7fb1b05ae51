import { AppException, ErrorCode } from '@app/common';
import { bucketStartsBetween, Granularity, nextBucketStart } from './rollups/buckets';

/** The most buckets one analytics request may ask for (a year of days, leap years included). */
export const MAX_BUCKETS = 366;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `2026-12-02` as midnight UTC of that day, if the day exists. */
function parseDateOnly(value: string): Date | null {
  const match = DATE_ONLY.exec(value);
  if (!match) return null;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date : null;
}

const badRange = (field: string, message: string) =>
  new AppException(ErrorCode.BAD_REQUEST, message, [{ field, message }]);

/** A validated analytics range and the starts of its buckets. */
export interface AnalyticsRange {
  granularity: Granularity;
  start: Date;
  /** Inclusive: the last millisecond the range covers. */
  end: Date;
  bucketStarts: Date[];
}

/**
 * Reads `startDate`/`endDate` (already checked to be a date or a date-time with a zone): a date
 * alone means the whole day in UTC, so `endDate=2026-01-31` includes that day. The range covers
 * every bucket that holds a moment of it. 400 when the end is not after the start or the range
 * holds more than MAX_BUCKETS buckets.
 */
export function analyticsRange(startDate: string, endDate: string, granularity: Granularity): AnalyticsRange {
  const start = parseDateOnly(startDate) ?? new Date(startDate);
  const endDay = parseDateOnly(endDate);
  const end = endDay ? new Date(nextBucketStart('day', endDay).getTime() - 1) : new Date(endDate);
  if (end.getTime() <= start.getTime()) throw badRange('endDate', 'endDate must be after startDate');
  const bucketStarts = bucketStartsBetween(granularity, start, end, MAX_BUCKETS);
  if (bucketStarts.length > MAX_BUCKETS) {
    throw badRange(
      'endDate',
      `The range spans more than ${MAX_BUCKETS} ${granularity} buckets: shorten it or choose a coarser granularity`,
    );
  }
  return { granularity, start, end, bucketStarts };
}

/** Whether `value` is a date (`2026-12-02`) that exists. */
export const isDateOnly = (value: unknown): boolean => typeof value === 'string' && parseDateOnly(value) !== null;
