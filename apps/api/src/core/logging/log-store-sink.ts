import { Logger } from 'pino';
import { redactSecrets } from './secret-keys';

/** A warning or error as the log store keeps it (system_logs). */
export interface StoredLogLine {
  time: Date;
  level: 'warn' | 'error' | 'fatal';
  message: string;
  context?: string;
  requestId?: string;
  details?: Record<string, unknown>;
}

/** Stores a batch; the sink waits for it before it sends the next one. */
export type LogStoreWriter = (lines: StoredLogLine[]) => Promise<void>;

const LEVEL_NAMES: Readonly<Record<number, StoredLogLine['level']>> = { 40: 'warn', 50: 'error', 60: 'fatal' };
/** Fields of every pino line that the stored entry holds elsewhere or does not need. */
const ENVELOPE_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'context', 'reqId']);
/** Lines waiting for the database beyond this many: the oldest are dropped (a log must never hold memory hostage). */
export const MAX_PENDING_LINES = 1_000;
const BATCH_SIZE = 200;
const FLUSH_DELAY_MS = 250;
/** A line's details larger than this (as JSON) are replaced by a note: the store is for reading, not for dumps. */
const MAX_DETAILS_CHARS = 8_000;

/**
 * The pino destination of warnings and errors for the log store. `write` (called by pino for each
 * line) only parses and queues; batches go to the database later through the writer the app
 * attaches at start, so a request never waits on a log write. Without a writer (before start, in
 * command-line tools) lines queue up to MAX_PENDING_LINES and the oldest are dropped.
 * Never logs through pino itself: a failing store must not feed itself.
 */
export class LogStoreSink {
  private pending: StoredLogLine[] = [];
  private writer?: LogStoreWriter;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  /** Lines lost (queue full, or the database refused a batch) since start. */
  dropped = 0;

  write(line: string): void {
    const entry = parseLine(line);
    if (!entry) return;
    this.pending.push(entry);
    if (this.pending.length > MAX_PENDING_LINES) {
      this.dropped += this.pending.length - MAX_PENDING_LINES;
      this.pending.splice(0, this.pending.length - MAX_PENDING_LINES);
    }
    this.schedule();
  }

  attach(writer: LogStoreWriter): void {
    this.writer = writer;
    this.schedule();
  }

  /** Stops sending; what is still queued is written first. */
  async detach(): Promise<void> {
    await this.flush();
    this.writer = undefined;
  }

  /** Writes everything queued now (tests, shutdown). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.flushing) await this.flushing;
    while (this.writer && this.pending.length > 0) await this.sendBatch(this.writer);
  }

  private schedule(): void {
    if (!this.writer || this.timer || this.pending.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, FLUSH_DELAY_MS);
    this.timer.unref();
  }

  private async sendBatch(writer: LogStoreWriter): Promise<void> {
    const batch = this.pending.splice(0, BATCH_SIZE);
    this.flushing = writer(batch).catch(() => {
      this.dropped += batch.length;
    });
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }
}

function parseLine(line: string): StoredLogLine | undefined {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const level = LEVEL_NAMES[Number(parsed.level)];
  if (!level) return undefined;
  const details = Object.fromEntries(Object.entries(parsed).filter(([key]) => !ENVELOPE_FIELDS.has(key)));
  const entry: StoredLogLine = {
    time: typeof parsed.time === 'string' ? new Date(parsed.time) : new Date(),
    level,
    message: typeof parsed.msg === 'string' ? parsed.msg : '',
  };
  if (typeof parsed.context === 'string') entry.context = parsed.context;
  if (typeof parsed.reqId === 'string') entry.requestId = parsed.reqId;
  if (Object.keys(details).length > 0)
    entry.details = boundedDetails(redactSecrets(details) as Record<string, unknown>);
  return entry;
}

function boundedDetails(details: Record<string, unknown>): Record<string, unknown> {
  const size = JSON.stringify(details).length;
  return size > MAX_DETAILS_CHARS ? { truncated: `details of ${size} characters left out` } : details;
}

const SINKS = new WeakMap<Logger, LogStoreSink>();

export function registerLogStoreSink(logger: Logger, sink: LogStoreSink): void {
  SINKS.set(logger, sink);
}

/** The log-store sink of a logger made by createLogger (undefined for any other logger). */
export function logStoreSinkOf(logger: Logger): LogStoreSink | undefined {
  return SINKS.get(logger);
}
