import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { Connection, mongo } from 'mongoose';
import { isDuplicateKey } from '@app/common';
import { Counters, TOTAL_ID } from './rollup-counters';

/** A rollup document: a bucket key (or `total`) and its counters (see rollup-counters.ts). */
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

export const RECENT_SIZE = 10;
export const RECENT_CALLS = 'recent:calls';
export const RECENT_USERS = 'recent:users';

/** A stored document of these collections: a string `_id`, fields typed where they are read. */
type Stored = mongo.Document & { _id: string };

/** How many `_id`s one find asks for: the embedded database's indexed `$in` lookups stop at 256. */
const ID_BATCH = 256;
const WRITE_BATCH = 1000;

/**
 * The analytics collections, owned by this slice: `analytics_rollups` (counters per bucket, the
 * all-time `total`, the rings of latest ids) and `analytics_callers` (one marker per bucket and
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

  /** Adds `counters` to every document of `keys`, creating the missing ones, in one round trip. */
  async increment(keys: string[], counters: Counters): Promise<void> {
    if (keys.length === 0 || Object.keys(counters).length === 0) return;
    await this.rollups.bulkWrite(
      keys.map((_id) => ({ updateOne: { filter: { _id }, update: { $inc: counters }, upsert: true } })),
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

  /** Raises `field` of every document of `keys` to at least `value`. */
  async raise(keys: string[], field: string, value: number): Promise<void> {
    await this.rollups.bulkWrite(
      keys.map((_id) => ({ updateOne: { filter: { _id }, update: { $max: { [field]: value } }, upsert: true } })),
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
      .sort((a, b) => b.at.getTime() - a.at.getTime());
  }

  /** The documents of `ids` that exist, keyed by `_id`; only `fields` of them when given (smaller replies). */
  async read(ids: string[], fields?: string[]): Promise<Map<string, RollupDoc>> {
    const found = new Map<string, RollupDoc>();
    const projection = fields ? Object.fromEntries(fields.map((field) => [field, 1])) : undefined;
    for (let i = 0; i < ids.length; i += ID_BATCH) {
      const batch = { _id: { $in: ids.slice(i, i + ID_BATCH) } };
      const docs = (await this.rollups.find(batch, { projection }).toArray()) as RollupDoc[];
      for (const doc of docs) found.set(doc._id, doc);
    }
    return found;
  }

  /**
   * Replaces every rollup document, ring and marker with the ones given (the rebuild). Not atomic:
   * events recorded while it runs may be lost; run it while the API is quiet, or run it again.
   */
  async replaceAll(docs: RollupDoc[], rings: RecentRing[], markerIds: string[]): Promise<void> {
    await this.rollups.deleteMany({});
    await this.markers.deleteMany({});
    await this.insertInBatches(this.rollups, docs);
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
