import { monitorEventLoopDelay, IntervalHistogram } from 'node:perf_hooks';
import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { Connection } from 'mongoose';
import { MetricsService } from '../../../../core/metrics/metrics.service';

/** The realtime module's gauges, read by name so admin needs nothing from that module. */
const SOCKETS_GAUGE = 'socketio_connected_sockets';
const ROOMS_GAUGE = 'socketio_rooms';
const NS_PER_MS = 1e6;

export interface CollectionStats {
  name: string;
  count: number;
  /** Bytes of the documents (collStats `size`); null where the database does not tell. */
  sizeBytes: number | null;
  /** Bytes on disk including free space (collStats `storageSize`); null where unknown. */
  storageBytes: number | null;
  indexes: number | null;
}

export interface SystemStats {
  process: {
    pid: number;
    node: string;
    uptimeSeconds: number;
    startedAt: string;
    cpuUserMs: number;
    cpuSystemMs: number;
  };
  memory: { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; externalBytes: number };
  eventLoop: { minMs: number; meanMs: number; p50Ms: number; p99Ms: number; maxMs: number; sinceSeconds: number };
  database: {
    name: string;
    collections: number;
    documents: number;
    dataSizeBytes: number | null;
    storageSizeBytes: number | null;
    byCollection: CollectionStats[];
  };
  realtime: { connectedSockets: number; activeRooms: number };
}

/**
 * `GET /api/admin/system/stats`: this instance's process, memory and event-loop delay, the
 * database's collections (collStats: FerretDB v1 answers it with count, size and storageSize), and
 * the gateway's sockets and rooms on this instance.
 * Event-loop delay: a perf_hooks histogram sampled every 20 ms, reset after each read, so a figure
 * covers the time since the previous read (`sinceSeconds`).
 */
@Injectable()
export class SystemStatsService implements OnModuleInit, OnModuleDestroy {
  private histogram?: IntervalHistogram;
  private windowStart = Date.now();

  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.histogram = monitorEventLoopDelay({ resolution: 20 });
    this.histogram.enable();
  }

  onModuleDestroy(): void {
    this.histogram?.disable();
  }

  async stats(): Promise<SystemStats> {
    const [database, connectedSockets, activeRooms] = await Promise.all([
      this.database(),
      this.gauge(SOCKETS_GAUGE),
      this.gauge(ROOMS_GAUGE),
    ]);
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    return {
      process: {
        pid: process.pid,
        node: process.version,
        uptimeSeconds: Math.round((Date.now() - this.metrics.startedAt.getTime()) / 1000),
        startedAt: this.metrics.startedAt.toISOString(),
        cpuUserMs: Math.round(cpu.user / 1000),
        cpuSystemMs: Math.round(cpu.system / 1000),
      },
      memory: {
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        heapTotalBytes: memory.heapTotal,
        externalBytes: memory.external,
      },
      eventLoop: this.eventLoop(),
      database,
      realtime: { connectedSockets, activeRooms },
    };
  }

  private eventLoop(): SystemStats['eventLoop'] {
    const h = this.histogram;
    const ms = (ns: number) => (Number.isFinite(ns) ? Math.round((ns / NS_PER_MS) * 100) / 100 : 0);
    const sinceSeconds = Math.round((Date.now() - this.windowStart) / 1000);
    const figures = {
      minMs: h && h.count > 0 ? ms(h.min) : 0,
      meanMs: h && h.count > 0 ? ms(h.mean) : 0,
      p50Ms: h && h.count > 0 ? ms(h.percentile(50)) : 0,
      p99Ms: h && h.count > 0 ? ms(h.percentile(99)) : 0,
      maxMs: h && h.count > 0 ? ms(h.max) : 0,
      sinceSeconds,
    };
    h?.reset();
    this.windowStart = Date.now();
    return figures;
  }

  private async database(): Promise<SystemStats['database']> {
    const db = this.connection.db;
    if (!db) throw new Error('The database connection is not open');
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
    const byCollection = await Promise.all(names.map((name) => this.collection(name)));
    const sum = (pick: (c: CollectionStats) => number | null) =>
      byCollection.some((c) => pick(c) === null) ? null : byCollection.reduce((total, c) => total + (pick(c) ?? 0), 0);
    return {
      name: db.databaseName,
      collections: names.length,
      documents: byCollection.reduce((total, c) => total + c.count, 0),
      dataSizeBytes: sum((c) => c.sizeBytes),
      storageSizeBytes: sum((c) => c.storageBytes),
      byCollection,
    };
  }

  /** collStats where the database answers it; else the count alone. */
  private async collection(name: string): Promise<CollectionStats> {
    const db = this.connection.db!;
    try {
      const stats = await db.command({ collStats: name });
      return {
        name,
        count: numberOr(stats.count, 0),
        sizeBytes: numberOr(stats.size, null),
        storageBytes: numberOr(stats.storageSize, null),
        indexes: numberOr(stats.nindexes, null),
      };
    } catch {
      return {
        name,
        count: await db.collection(name).estimatedDocumentCount(),
        sizeBytes: null,
        storageBytes: null,
        indexes: null,
      };
    }
  }

  private async gauge(name: string): Promise<number> {
    const metric = this.metrics.registry.getSingleMetric(name);
    const values = metric ? (await metric.get()).values : [];
    return values[0]?.value ?? 0;
  }
}

function numberOr<T extends number | null>(value: unknown, fallback: T): number | T {
  return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : fallback;
}
