import { CALL_MODES, CALL_TYPES, CallMode, CallType, END_REASONS, EndReason } from '@app/common';

/**
 * What one event adds to the rollup documents of its buckets. The live recorder and the rebuild
 * both build their changes here, so a rebuild cannot count differently from the events.
 *
 * A rollup document (`_id` = a bucket key from buckets.ts, or `total` for all time) holds plain
 * counters, each changed only by `$inc` (and `peakParticipants` by `$max`); absent means 0.
 */
export type Counters = Record<string, number>;

/** Width of a bin of the call-duration histogram the median is read from. */
export const DURATION_BIN_SECONDS = 60;
/** Bins 0…239 cover up to 4 hours; bin 240 holds every call of 4 hours or more. */
export const DURATION_BINS = 241;

export const FIELD = {
  signUps: 'signUps',
  callsStarted: 'callsStarted',
  callsEnded: 'callsEnded',
  callSeconds: 'callSeconds',
  callers: 'callers',
  peakParticipants: 'peakParticipants',
  /** Only in `total`: accounts deleted (anonymised; their documents stay). */
  deletedUsers: 'deletedUsers',
  /** Only in `total`: gauges, up and down as calls start and end and participants join and leave. */
  callsActive: 'callsActive',
  participantsNow: 'participantsNow',
} as const;

export const callTypeField = (type: CallType) => `callType_${type}`;
export const callModeField = (mode: CallMode) => `callMode_${mode}`;
export const endReasonField = (reason: EndReason) => `endReason_${reason}`;
export const durationField = (bin: number) => `duration_${bin}`;

export const TOTAL_ID = 'total';

export function durationBin(seconds: number): number {
  return Math.min(Math.max(0, Math.floor(seconds / DURATION_BIN_SECONDS)), DURATION_BINS - 1);
}

export const signUpCounters = (): Counters => ({ [FIELD.signUps]: 1 });

/** A call became active: counted in the buckets of its `startedAt`. */
export const callStartCounters = (type: CallType, mode: CallMode): Counters => ({
  [FIELD.callsStarted]: 1,
  [callTypeField(type)]: 1,
  [callModeField(mode)]: 1,
});

/** A call that had started ended: counted in the buckets of its `startedAt`, as its minutes are. */
export const callEndCounters = (duration: number, reason: EndReason): Counters => ({
  [FIELD.callsEnded]: 1,
  [FIELD.callSeconds]: duration,
  [endReasonField(reason)]: 1,
  [durationField(durationBin(duration))]: 1,
});

/** The marker `_id` of (bucket, user): its first insert counts the user among the bucket's callers. */
export const callerMarkerId = (bucketKey: string, userId: string) => `${bucketKey}:${userId}`;
/** The bucket a marker belongs to (the user id is the last segment). */
export const markerBucket = (markerId: string) => markerId.slice(0, markerId.lastIndexOf(':'));

/** A counter of a stored document (absent, or the document missing: 0). */
export function counterOf(doc: Record<string, unknown> | undefined, field: string): number {
  const value = doc?.[field];
  return typeof value === 'number' ? value : 0;
}

/** Sums the documents' counters field by field (the bucket documents of a range or period). */
export function sumCounters(docs: Iterable<Record<string, unknown>>): Counters {
  const sum: Counters = {};
  for (const doc of docs) {
    for (const [field, value] of Object.entries(doc)) {
      if (typeof value === 'number' && field !== FIELD.peakParticipants) sum[field] = (sum[field] ?? 0) + value;
    }
  }
  return sum;
}

/** Counts of each value of a vocabulary, zeros included. */
export function breakdown<V extends string>(sum: Counters, values: readonly V[], field: (v: V) => string) {
  return Object.fromEntries(values.map((value) => [value, sum[field(value)] ?? 0])) as Record<V, number>;
}

export const callTypeBreakdown = (sum: Counters) => breakdown(sum, CALL_TYPES, callTypeField);
export const callModeBreakdown = (sum: Counters) => breakdown(sum, CALL_MODES, callModeField);
export const endReasonBreakdown = (sum: Counters) => breakdown(sum, END_REASONS, endReasonField);

/**
 * The median duration in seconds from the histogram: the middle of the bin holding the lower
 * median (so within half a bin, 30 s, of the exact median), or the bin's lower edge for the last,
 * open bin. null without ended calls.
 */
export function medianDuration(sum: Counters): number | null {
  const counts = Array.from({ length: DURATION_BINS }, (_, bin) => sum[durationField(bin)] ?? 0);
  const n = counts.reduce((a, b) => a + b, 0);
  if (n === 0) return null;
  const target = Math.floor((n - 1) / 2);
  let seen = 0;
  for (let bin = 0; bin < DURATION_BINS; bin += 1) {
    seen += counts[bin];
    if (seen > target) {
      const lower = bin * DURATION_BIN_SECONDS;
      return bin === DURATION_BINS - 1 ? lower : lower + DURATION_BIN_SECONDS / 2;
    }
  }
  return null;
}

export const minutes = (seconds: number) => Math.round((seconds / 60) * 100) / 100;
