import { Injectable } from '@nestjs/common';
import { LogLevelFilter } from '../dto/system.query';
import { LogStoreDrain } from './log-store.drain';
import { LogStoreRepository, StoredAuditLog, StoredSystemLog } from './log-store.repository';

const LEVELS_AT_LEAST: Readonly<Record<Exclude<LogLevelFilter, 'audit'>, string[]>> = {
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
  fatal: ['fatal'],
};

export interface LogEntry {
  id: string;
  time: Date;
  level: 'warn' | 'error' | 'fatal' | 'audit';
  message: string;
  context?: string;
  requestId?: string;
  details?: Record<string, unknown>;
  audit?: Omit<StoredAuditLog, '_id' | 'time' | 'requestId'>;
}

/**
 * `GET /api/admin/system/logs`: warnings and errors of the logger (system_logs) and the audit
 * trail (audit_logs), newest first. Without a level both stores are read and merged by time.
 */
@Injectable()
export class LogsService {
  constructor(
    private readonly store: LogStoreRepository,
    private readonly drain: LogStoreDrain,
  ) {}

  async read(query: { level?: LogLevelFilter; since?: Date; limit: number }): Promise<LogEntry[]> {
    // This instance's queued lines first, so what it logged a moment ago is there.
    await this.drain.flush();
    const { level, since, limit } = query;
    const lines =
      level === 'audit' ? [] : await this.store.findLines({ levels: LEVELS_AT_LEAST[level ?? 'warn'], since, limit });
    const audit = level === undefined || level === 'audit' ? await this.store.findAudit({ since, limit }) : [];
    return [...lines.map(fromLine), ...audit.map(fromAudit)]
      .sort((a, b) => b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : -1))
      .slice(0, limit);
  }
}

function fromLine(line: StoredSystemLog): LogEntry {
  return {
    id: line._id.toHexString(),
    time: line.time,
    level: line.level as LogEntry['level'],
    message: line.message,
    ...(line.context ? { context: line.context } : {}),
    ...(line.requestId ? { requestId: line.requestId } : {}),
    ...(line.details ? { details: line.details } : {}),
  };
}

function fromAudit(record: StoredAuditLog): LogEntry {
  const { _id, time, requestId, ...audit } = record;
  return {
    id: _id.toHexString(),
    time,
    level: 'audit',
    message: `${record.action}: ${record.method} ${record.route} → ${record.status}`,
    requestId,
    audit,
  };
}
