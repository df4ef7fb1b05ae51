import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { Connection, mongo } from 'mongoose';
import { isDuplicateKey } from '@app/common';
import { Counters, FIELD, TOTAL_ID } from './rollup-counters';

/** A bucket's counters as read: its key (or `total`) and its counters (see rollup-counters.ts). */
export interface RollupDoc {
  _id: string;
  [counter: string]: number | string;
}

/** A ring of the latest ids of a kind (calls, sign-ups): slots `s0`…`s9`, written in turn. */
export interface RecentRing {
  _id: string;
  seq?: number;
  [slot: `s${number}`]: RecentEntry;
}
export interface RecentEntry {
  id: string;
  at: Date;
}

/**
 * Newest first; entries of the same millisecond (sign-ups made at once) by id, newest first, so
 * the ring kept live and the one rebuilt list them in the same order.
 */
export function newestFirst(a: RecentEntry, b: RecentEntry): number {
  return b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export const RECENT_SIZE = 10;
export const RECENT_CALLS = 'recent:calls';
export const RECENT_USERS = 'recent:users';

/** A stored document of these collections: a string `_id`, fields typed where they are read. */
type Stored = mongo.Document & { _id: string };

/** The counters of a time series (what `analytics` reads); the rest are breakdowns and histograms. */
const SERIES_FIELDS: ReadonlySet<string> = new Set(Object.values(FIELD));

/** Where a bucket's counters are stored: its document(s) and, for a packed bucket, its sub-document. */
export interface Storage {
  /** The document of the series counters (the only one of an unpacked bucket). */
  doc: string;
  /** The document of the breakdown and histogram counters of a packed bucket; null when unpacked. */
  detail: string | null;
  /** The bucket's sub-document in `doc` and `detail`; null when unpacked. */
  slot: string | null;
}

/**
 * Day buckets are packed by month and hour buckets by day: `day:2026-12-02` is the sub-document
 * `d02` of `days:2026-12` (series counters) and of `days-detail:2026-12` (by type, mode and end
 * reason, the duration histogram), `hour:2026-12-02T13` the sub-document `h13` of
 * `hours:2026-12-02` and `hours-detail:2026-12-02`. Every document read by `_id` is one lookup on
 * the embedded database, so 90 days of analytics read 4 small documents instead of 90; the
 * histograms live apart because they are most of a bucket's fields and the series never read
 * them. Weeks, months, `total` and the rings are documents of their own.
 */
export function storageOf(key: string): Storage {
  const day = /^day:(\d{4}-\d{2})-(\d{2})$/.exec(key);
  if (day) return { doc: `days:${day[1]}`, detail: `days-detail:${day[1]}`, slot: `d${day[2]}` };
  const hour = /^hour:(\d{4}-\d{2}-\d{2})T(\d{2})$/.exec(key);
  if (hour) return { doc: `hours:${hour[1]}`, detail: `hours-detail:${hour[1]}`, slot: `h${hour[2]}` };
  return { doc: key, detail: null, slot: null };
}

/** One update per document a bucket's counters go to: the update paths (`d02.callsStarted`) by `_id`. */
function placed(key: string, counters: Counters): [string, Counters][] {
  const { doc, detail, slot } = storageOf(key);
  if (!slot || !detail) return [[doc, counters]];
  const series: Counters = {};
  const details: Counters = {};
  for (const [field, value] of Object.entries(counters)) {
    (SERIES_FIELDS.has(field) ? series : details)[`${slot}.${field}`] = value;
  }
  return (
    [
      [doc, series],
      [detail, details],
    ] as [string, Counters][]
  ).filter(([, paths]) => Object.keys(paths).length > 0);
}

/** How many `_id`s one find asks for: the embedded database's indexed `$in` lookups stop at 256. */
const ID_BATCH = 256;
const WRITE_BATCH = 1000;

/**
 * The analytics collections, owned by this slice: `analytics_rollups` (counters per bucket, day
 * and hour buckets packed by month and day (storageOf), the all-time `total`, the rings of latest
 * ids) and `analytics_callers` (one marker per bucket and
 * user, whose first insert counts the user among the bucket's distinct callers). Every read and
 * every write is by `_id`.
 */
@Injectable()
export class RollupsRepository {
  // Loosely typed: the driver's typed filters and updates cannot express documents of open-ended
  // counter fields with a string `_id`; what is read back is typed where it is read.
  private readonly rollups: mongo.Collection<Stored>;
  private readonly markers: mongo.Collection<Stored>;

  constructor(@InjectConnection() connection: Connection) {
    this.rollups = connection.collection<Stored>('analytics_rollups');
    this.markers = connection.collection<Stored>('analytics_callers');
  }

  /** Adds `counters` to every bucket of `keys`, creating the missing documents, in one round trip. */
  async increment(keys: string[], counters: Counters): Promise<void> {
    if (keys.length === 0 || Object.keys(counters).length === 0) return;
    await this.rollups.bulkWrite(
      keys.flatMap((key) =>
        placed(key, counters).map(([_id, paths]) => ({
          updateOne: { filter: { _id }, update: { $inc: paths }, upsert: true },
        })),
      ),
      { ordered: false },
    );
  }

  /** Moves a gauge of `total` by `by` and answers its new value. */
  async moveGauge(field: string, by: number): Promise<number> {
    const doc: RollupDoc | null = await this.rollups.findOneAndUpdate(
      { _id: TOTAL_ID },
      { $inc: { [field]: by } },
      { upsert: true, returnDocument: 'after' },
    );
    const value = doc?.[field];
    return typeof value === 'number' ? value : 0;
  }

  /** Raises `field` of every bucket of `keys` to at least `value`. */
  async raise(keys: string[], field: string, value: number): Promise<void> {
    await this.rollups.bulkWrite(
      keys.flatMap((key) =>
        placed(key, { [field]: value }).map(([_id, paths]) => ({
          updateOne: { filter: { _id }, update: { $max: paths }, upsert: true },
        })),
      ),
      { ordered: false },
    );
  }

  /** Inserts the markers; answers those that were new (a duplicate key: already counted). */
  async markFirst(ids: string[]): Promise<string[]> {
    const inserted = await Promise.all(
      ids.map((_id) =>
        this.markers.insertOne({ _id }).then(
          () => _id,
          (error: unknown) => {
            if (isDuplicateKey(error)) return null;
            throw error;
          },
        ),
      ),
    );
    return inserted.filter((id): id is string => id !== null);
  }

  /** Puts `entry` in the next slot of the ring (the oldest entry is overwritten). */
  async pushRecent(ring: string, entry: RecentEntry): Promise<void> {
    const doc: RecentRing | null = await this.rollups.findOneAndUpdate(
      { _id: ring },
      { $inc: { seq: 1 } },
      { upsert: true, returnDocument: 'after' },
    );
    const slot = ((doc?.seq ?? 1) - 1) % RECENT_SIZE;
    await this.rollups.updateOne({ _id: ring }, { $set: { [`s${slot}`]: entry } });
  }

  /** The ring's entries, newest first. */
  async recent(ring: string): Promise<RecentEntry[]> {
    const doc: RecentRing | null = await this.rollups.findOne({ _id: ring });
    if (!doc) return [];
    return Array.from({ length: RECENT_SIZE }, (_, slot) => doc[`s${slot}`])
      .filter((entry): entry is RecentEntry => entry !== undefined && entry !== null)
      .sort(newestFirst);
  }

  /**
   * The buckets of `keys` that have counters, keyed by bucket key (each as a RollupDoc whose `_id`
   * is the key). With `fields`, only those are needed: a packed bucket whose fields are all series
   * counters is read without its detail document, and an unpacked document is projected to them.
   */
  async read(keys: string[], fields?: string[]): Promise<Map<string, RollupDoc>> {
    const seriesOnly = fields !== undefined && fields.every((field) => SERIES_FIELDS.has(field));
    const storage = keys.map((key) => ({ key, ...storageOf(key) }));
    const whole = new Set<string>();
    const own = new Set<string>();
    for (const { doc, detail, slot } of storage) {
      if (!slot) own.add(doc);
      else {
        whole.add(doc);
        if (detail && !seriesOnly) whole.add(detail);
      }
    }
    const projection = fields ? Object.fromEntries(fields.map((field) => [field, 1])) : undefined;
    const docs = new Map<string, Stored>();
    for (const [ids, options] of [
      [[...whole], {}],
      [[...own], { projection }],
    ] as const) {
      for (let i = 0; i < ids.length; i += ID_BATCH) {
        const batch = { _id: { $in: ids.slice(i, i + ID_BATCH) } };
        for (const doc of await this.rollups.find(batch, options).toArray()) docs.set(doc._id, doc);
      }
    }
    const found = new Map<string, RollupDoc>();
    for (const { key, doc, detail, slot } of storage) {
      const parts = slot ? [docs.get(doc)?.[slot], detail ? docs.get(detail)?.[slot] : undefined] : [docs.get(doc)];
      const present = parts.filter((part): part is Record<string, number> => typeof part === 'object' && part !== null);
      if (present.length > 0) found.set(key, Object.assign({}, ...present, { _id: key }) as RollupDoc);
    }
    return found;
  }

  /**
   * Replaces every rollup document, ring and marker with the ones given (the rebuild). Not atomic:
   * events recorded while it runs may be lost; run it while the API is quiet, or run it again.
   */
  async replaceAll(docs: RollupDoc[], rings: RecentRing[], markerIds: string[]): Promise<void> {
    const stored = new Map<string, Stored>();
    for (const { _id: key, ...counters } of docs) {
      const { slot } = storageOf(key);
      for (const [_id, paths] of placed(key, counters as Counters)) {
        const doc = stored.get(_id) ?? { _id };
        if (!slot) Object.assign(doc, paths);
        else {
          const sub: Counters = {};
          for (const [path, value] of Object.entries(paths)) sub[path.slice(slot.length + 1)] = value;
          doc[slot] = sub;
        }
        stored.set(_id, doc);
      }
    }
    await this.rollups.deleteMany({});
    await this.markers.deleteMany({});
    await this.insertInBatches(this.rollups, [...stored.values()]);
    await this.insertInBatches(this.rollups, rings);
    await this.insertInBatches(
      this.markers,
      markerIds.map((_id) => ({ _id })),
    );
  }

  private async insertInBatches(collection: mongo.Collection<Stored>, docs: Stored[]): Promise<void> {
    for (let i = 0; i < docs.length; i += WRITE_BATCH) {
      await collection.insertMany(docs.slice(i, i + WRITE_BATCH), { ordered: false });
    }
  }
}
