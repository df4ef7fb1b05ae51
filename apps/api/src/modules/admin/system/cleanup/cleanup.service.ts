import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { Connection, mongo } from 'mongoose';
import { CallsHousekeeping } from '../../../calls';
import { ORPHAN_RULES, OrphanCategory, OrphanRule } from './orphan-rules';

/** Documents read per round trip, and ids per `_id: { $in }` lookup (the embedded front's limit is 256). */
export const SCAN_BATCH = 256;
/** At most this many orphans of one category are deleted per run; the rest wait for the next run. */
export const MAX_DELETES_PER_CATEGORY = 10_000;

export const TOKEN_CATEGORIES = ['emailTokens', 'revokedTokens'] as const;
export type CleanupCategory = (typeof TOKEN_CATEGORIES)[number] | 'staleCalls' | OrphanCategory;

export interface CategoryResult {
  /** Documents that qualify now (for orphans: all of them, also beyond the per-run bound). */
  found: number;
  /** Documents removed by this run (0 in a dry run); for stale calls, the calls this run ended. */
  deleted: number;
}

export interface CleanupReport {
  dryRun: boolean;
  categories: Record<CleanupCategory, CategoryResult>;
  durationMs: number;
}

type Doc = Record<string, unknown>;

/**
 * `POST /api/admin/system/cleanup`: removes what nothing needs any more, or with a dry run only
 * counts it. A database-wide maintenance task like backup, so it reads collections by name:
 * - email tokens that are expired or used, revocations of tokens past their expiry (the auth
 *   module's housekeeping rules, which also run every 10 minutes);
 * - orphans (orphan-rules.ts): each collection is scanned once with a cursor in batches of
 *   SCAN_BATCH, each batch's references looked up by `_id: { $in }` (the one indexed lookup on the
 *   embedded database); memory holds one batch and the ids to delete (at most
 *   MAX_DELETES_PER_CATEGORY). On the embedded database the scan reads the whole collection.
 * - stale calls: active calls nobody has joined for CALL_IDLE_TIMEOUT and scheduled calls that
 *   never started, ended (not deleted: they stay in history) by the calls module's own
 *   housekeeping sweep, which also runs every minute.
 */
@Injectable()
export class CleanupService {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly housekeeping: CallsHousekeeping,
  ) {}

  async run(dryRun: boolean, now = new Date()): Promise<CleanupReport> {
    const started = performance.now();
    const categories = {} as Record<CleanupCategory, CategoryResult>;
    categories.emailTokens = await this.removeMatching(
      'auth_tokens',
      { $or: [{ expiresAt: { $lt: now } }, { usedAt: { $ne: null } }] },
      dryRun,
    );
    categories.revokedTokens = await this.removeMatching('revoked_tokens', { expiresAt: { $lt: now } }, dryRun);
    categories.staleCalls = await this.endStaleCalls(dryRun, now);
    for (const rule of ORPHAN_RULES) categories[rule.category] = await this.removeOrphans(rule, dryRun);
    return { dryRun, categories, durationMs: Math.round(performance.now() - started) };
  }

  private get db(): mongo.Db {
    const db = this.connection.db;
    if (!db) throw new Error('The database connection is not open');
    return db;
  }

  private async endStaleCalls(dryRun: boolean, now: Date): Promise<CategoryResult> {
    if (dryRun) {
      const { idle, expired } = await this.housekeeping.countStale(now);
      return { found: idle + expired, deleted: 0 };
    }
    const { idle, expired } = await this.housekeeping.sweep(now);
    return { found: idle + expired, deleted: idle + expired };
  }

  private async removeMatching(collection: string, filter: Doc, dryRun: boolean): Promise<CategoryResult> {
    const target = this.db.collection(collection);
    if (dryRun) return { found: await target.countDocuments(filter), deleted: 0 };
    const { deletedCount } = await target.deleteMany(filter);
    return { found: deletedCount, deleted: deletedCount };
  }

  private async removeOrphans(rule: OrphanRule, dryRun: boolean): Promise<CategoryResult> {
    const projection = Object.fromEntries(rule.refs.map((ref) => [ref.field, 1]));
    const cursor = this.db.collection(rule.collection).find({}, { projection, batchSize: SCAN_BATCH });
    const doomed: unknown[] = [];
    let found = 0;
    let batch: Doc[] = [];
    const settle = async () => {
      const orphans = await this.orphansOf(batch, rule);
      found += orphans.length;
      if (!dryRun) doomed.push(...orphans.slice(0, MAX_DELETES_PER_CATEGORY - doomed.length));
      batch = [];
    };
    try {
      for await (const doc of cursor) {
        batch.push(doc);
        if (batch.length === SCAN_BATCH) await settle();
      }
      if (batch.length > 0) await settle();
    } finally {
      await cursor.close();
    }
    let deleted = 0;
    for (let i = 0; i < doomed.length; i += SCAN_BATCH) {
      const ids = doomed.slice(i, i + SCAN_BATCH);
      deleted += (await this.db.collection(rule.collection).deleteMany({ _id: { $in: ids as never[] } })).deletedCount;
    }
    return { found, deleted };
  }

  /** The `_id`s of the batch's documents with a reference that resolves to nothing. */
  private async orphansOf(batch: Doc[], rule: OrphanRule): Promise<unknown[]> {
    const missing = new Set<string>();
    for (const ref of rule.refs) {
      const values = uniqueValues(batch.map((doc) => doc[ref.field]));
      const existing = await this.existing(ref.target, values);
      for (const value of values) if (!existing.has(idText(value))) missing.add(`${ref.field}:${idText(value)}`);
    }
    return batch
      .filter((doc) =>
        rule.refs.some((ref) => doc[ref.field] == null || missing.has(`${ref.field}:${idText(doc[ref.field])}`)),
      )
      .map((doc) => doc._id);
  }

  /** Which of `ids` exist in the target (as strings); `liveUsers` leaves out deleted accounts. */
  private async existing(target: 'calls' | 'users' | 'liveUsers', ids: unknown[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const collection = target === 'calls' ? 'calls' : 'users';
    const found = await this.db
      .collection(collection)
      .find({ _id: { $in: ids as never[] } }, { projection: { _id: 1, status: 1 } })
      .toArray();
    return new Set(
      found.filter((doc) => target !== 'liveUsers' || doc.status !== 'deleted').map((doc) => idText(doc._id)),
    );
  }
}

/** A reference as text: ObjectIds by their hex, strings as they are. */
function idText(value: unknown): string {
  return typeof value === 'object' && value !== null && 'toHexString' in value
    ? (value as { toHexString(): string }).toHexString()
    : String(value);
}

function uniqueValues(values: unknown[]): unknown[] {
  const seen = new Map<string, unknown>();
  for (const value of values) if (value != null) seen.set(idText(value), value);
  return [...seen.values()];
}
