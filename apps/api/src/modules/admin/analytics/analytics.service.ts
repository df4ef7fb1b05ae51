import { Injectable } from '@nestjs/common';
import { analyticsRange } from './analytics-range';
import { bucketKey, Granularity } from './rollups/buckets';
import { counterOf, FIELD, minutes } from './rollups/rollup-counters';
import { RollupsRepository } from './rollups/rollups.repository';

export interface SeriesPoint {
  /** Start of the bucket (UTC). */
  bucket: string;
  signUps: number;
  callsStarted: number;
  callMinutes: number;
  distinctCallers: number;
}

export interface AnalyticsSeries {
  granularity: Granularity;
  startDate: string;
  endDate: string;
  timezone: 'UTC';
  series: SeriesPoint[];
  totals: { signUps: number; callsStarted: number; callMinutes: number };
}

/**
 * `GET /api/admin/analytics`: time series read from the rollups, one document per bucket by `_id`
 * (at most 366), empty buckets as zeros. Every figure is exact: counters kept by `$inc`, distinct
 * callers by markers (RollupRecorder).
 */
@Injectable()
export class AnalyticsService {
  constructor(private readonly rollups: RollupsRepository) {}

  async series(startDate: string, endDate: string, granularity: Granularity): Promise<AnalyticsSeries> {
    const range = analyticsRange(startDate, endDate, granularity);
    const keys = range.bucketStarts.map((start) => bucketKey(granularity, start));
    const docs = await this.rollups.read(keys, [FIELD.signUps, FIELD.callsStarted, FIELD.callSeconds, FIELD.callers]);
    const series = range.bucketStarts.map((start, i): SeriesPoint => {
      const doc = docs.get(keys[i]);
      return {
        bucket: start.toISOString(),
        signUps: counterOf(doc, FIELD.signUps),
        callsStarted: counterOf(doc, FIELD.callsStarted),
        callMinutes: minutes(counterOf(doc, FIELD.callSeconds)),
        distinctCallers: counterOf(doc, FIELD.callers),
      };
    });
    const seconds = [...docs.values()].reduce((sum, doc) => sum + counterOf(doc, FIELD.callSeconds), 0);
    return {
      granularity,
      startDate: range.start.toISOString(),
      endDate: range.end.toISOString(),
      timezone: 'UTC',
      series,
      totals: {
        signUps: series.reduce((sum, point) => sum + point.signUps, 0),
        callsStarted: series.reduce((sum, point) => sum + point.callsStarted, 0),
        callMinutes: minutes(seconds),
      },
    };
  }
}
