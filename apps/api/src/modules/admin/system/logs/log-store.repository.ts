import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { StoredLogLine } from '../../../../core/logging/log-store-sink';
import { AuditLog, AuditRecord, SystemLog } from './log-entry.schema';

/** How many entries each store keeps: the newest; older ones are deleted after writes. */
export const SYSTEM_LOG_LIMIT = 10_000;
export const AUDIT_LOG_LIMIT = 50_000;
const LIMITS = { system: SYSTEM_LOG_LIMIT, audit: AUDIT_LOG_LIMIT } as const;
/** Trim after this many writes to a store, not after each: trimming sorts the store's ids. */
const TRIM_EVERY = 200;

export type StoredSystemLog = SystemLog & { _id: Types.ObjectId };
export type StoredAuditLog = AuditRecord & { _id: Types.ObjectId };

export interface LogFilter {
  levels: string[];
  since?: Date;
  limit: number;
}

/** The only place that touches `system_logs` and `audit_logs`. */
@Injectable()
export class LogStoreRepository {
  private writesSinceTrim = { system: TRIM_EVERY, audit: TRIM_EVERY };

  constructor(
    @InjectModel(SystemLog.name) private readonly systemLogs: Model<SystemLog>,
    @InjectModel(AuditLog.name) private readonly auditLogs: Model<AuditLog>,
  ) {}

  async insertLines(lines: StoredLogLine[]): Promise<void> {
    await this.systemLogs.collection.insertMany(
      lines.map((line) => ({ ...line })),
      { ordered: false },
    );
    await this.trimAfter('system', lines.length);
  }

  async insertAudit(record: AuditRecord): Promise<void> {
    await this.auditLogs.collection.insertOne({ ...record });
    await this.trimAfter('audit', 1);
  }

  findLines(filter: LogFilter): Promise<StoredSystemLog[]> {
    return this.systemLogs
      .find({ level: { $in: filter.levels }, ...timeFilter(filter.since) })
      .sort({ time: -1, _id: -1 })
      .limit(filter.limit)
      .lean<StoredSystemLog[]>()
      .exec();
  }

  findAudit(filter: Omit<LogFilter, 'levels'>): Promise<StoredAuditLog[]> {
    return this.auditLogs
      .find(timeFilter(filter.since))
      .sort({ time: -1, _id: -1 })
      .limit(filter.limit)
      .lean<StoredAuditLog[]>()
      .exec();
  }

  /**
   * Keeps the newest `limit` documents: the id `limit` places from the newest, and everything up
   * to it goes. ObjectIds grow with insertion time, so `_id` order is age order. Several
   * instances trimming at once delete the same documents; that is harmless.
   */
  async trim(store: 'system' | 'audit', limit: number = LIMITS[store]): Promise<number> {
    const model = store === 'system' ? this.systemLogs : this.auditLogs;
    const edge = await model.collection
      .find({}, { projection: { _id: 1 } })
      .sort({ _id: -1 })
      .skip(limit)
      .limit(1)
      .next();
    if (!edge) return 0;
    return (await model.collection.deleteMany({ _id: { $lte: edge._id } })).deletedCount;
  }

  private async trimAfter(store: 'system' | 'audit', written: number): Promise<void> {
    this.writesSinceTrim[store] += written;
    if (this.writesSinceTrim[store] < TRIM_EVERY) return;
    this.writesSinceTrim[store] = 0;
    await this.trim(store);
  }
}

function timeFilter(since?: Date): Record<string, unknown> {
  return since ? { time: { $gte: since } } : {};
}
