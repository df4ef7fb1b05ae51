import { statfs } from 'node:fs/promises';
import { createConnection } from 'node:net';
import os from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { MongooseHealthIndicator } from '@nestjs/terminus';
import Redis from 'ioredis';
import { Connection } from 'mongoose';
import { APP_CONFIG, AppConfig } from '../../core/config/app-config';
import { MetricsService } from '../../core/metrics/metrics.service';
import { componentsWithoutRedis, RedisFallbackComponent } from '../../core/redis/redis-link';
import { MailService } from '../mail';
import { CONNECTED_SOCKETS_METRIC } from '../realtime';
import { PACKAGE } from '../../version';
import { Role } from '@app/common';
import { reportSummary } from './health.views';
import {
  byThreshold,
  CHECK_NAMES,
  CheckName,
  CheckResult,
  formatDuration,
  HealthReport,
  summarize,
  withTimeout,
  worstOf,
} from './health.types';

const SMTP_PROBE_CACHE_MS = 5_000;
const CONNECTION_STATES = ['disconnected', 'connected', 'connecting', 'disconnecting'];

async function timed(check: () => Promise<void>): Promise<{ ok: boolean; ms: number; error?: string }> {
  const started = performance.now();
  try {
    await check();
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, ms: Math.round(performance.now() - started), error: (error as Error).message };
  }
}

const FALLBACK_NAMES: Record<RedisFallbackComponent, string> = {
  rate_limits: 'rate limits',
  socket_events: 'Socket.IO events',
};

/** Redis down: what this instance does meanwhile (RedisLink). */
function withoutRedis(error: string | undefined): string {
  return `${error ?? 'Redis does not answer'}; until it answers, rate limits count on this instance alone and Socket.IO events reach this instance\u2019s sockets only`;
}

/** Redis answers, but a component has not gone back to it yet (it does within a second); none: undefined. */
function stillLocal(components: RedisFallbackComponent[]): string | undefined {
  if (components.length === 0) return undefined;
  return `Redis answers; ${components.map((c) => FALLBACK_NAMES[c]).join(' and ')} still work on this instance alone`;
}

/** Every figure the health endpoints report, each check usable alone or in the full report. */
@Injectable()
export class HealthService implements OnApplicationShutdown {
  private readonly redis?: Redis;
  private lastCpu = { usage: process.cpuUsage(), at: performance.now() };
  private smtpProbeCache?: { at: number; result: Promise<CheckResult | undefined> };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectConnection() private readonly connection: Connection,
    private readonly mongoose: MongooseHealthIndicator,
    private readonly metrics: MetricsService,
    private readonly mail: MailService,
  ) {
    if (config.redisUrl) {
      this.redis = new Redis(config.redisUrl, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: config.health.probeTimeoutMs,
      });
      this.redis.on('error', () => undefined); // reported by the external check, not as noise
    }
  }

  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }

  private get probeTimeoutMs(): number {
    return this.config.health.probeTimeoutMs;
  }

  get uptimeMs(): number {
    return Date.now() - this.metrics.startedAt.getTime();
  }

  async report(): Promise<HealthReport> {
    const database = this.database();
    const redis = this.redisProbe();
    const results = await Promise.all([
      database,
      this.memory(),
      this.cpu(),
      this.disk(),
      this.external(redis),
      this.dependencies(database, redis),
    ]);
    const checks = Object.fromEntries(CHECK_NAMES.map((name, i) => [name, results[i]])) as Record<
      CheckName,
      CheckResult
    >;
    return {
      status: worstOf(results.map((r) => r.status)),
      uptime: this.uptimeMs,
      checks,
      summary: summarize(checks),
      realtime: { connectedSockets: await this.connectedSockets() },
    };
  }

  /** Read from the gateway's gauge, so health needs nothing from the realtime module but its name. */
  private async connectedSockets(): Promise<number> {
    const gauge = this.metrics.registry.getSingleMetric(CONNECTED_SOCKETS_METRIC);
    const values = gauge ? (await gauge.get()).values : [];
    return values[0]?.value ?? 0;
  }

  async database(): Promise<CheckResult> {
    const started = performance.now();
    const result = await this.mongoose.pingCheck('database', { timeout: this.probeTimeoutMs });
    const up = result.database?.status === 'up';
    return {
      status: up ? 'healthy' : 'unhealthy',
      responseTime: Math.round(performance.now() - started),
      ...(up ? {} : { message: String(result.database?.message ?? 'The database does not answer') }),
      data: {
        kind: this.config.database.embedded ? 'embedded' : 'mongodb',
        name: this.connection.name,
        state: CONNECTION_STATES[this.connection.readyState] ?? 'unknown',
      },
    };
  }

  async memory(): Promise<CheckResult> {
    const usage = process.memoryUsage();
    const heapLimit = getHeapStatistics().heap_size_limit;
    const heapRatio = usage.heapUsed / heapLimit;
    const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
    return {
      status: byThreshold(heapRatio, 0.85, 0.95),
      data: {
        rssMb: mb(usage.rss),
        heapUsedMb: mb(usage.heapUsed),
        heapTotalMb: mb(usage.heapTotal),
        heapLimitMb: mb(heapLimit),
        heapUsedPercent: Math.round(heapRatio * 1000) / 10,
        externalMb: mb(usage.external),
        systemTotalMb: mb(os.totalmem()),
        systemFreeMb: mb(os.freemem()),
      },
    };
  }

  async cpu(): Promise<CheckResult> {
    const now = { usage: process.cpuUsage(), at: performance.now() };
    const elapsedMs = Math.max(1, now.at - this.lastCpu.at);
    const usedMs = (now.usage.user - this.lastCpu.usage.user + now.usage.system - this.lastCpu.usage.system) / 1000;
    this.lastCpu = now;
    const cores = os.availableParallelism();
    const loadAverage = os.loadavg();
    const loadPerCore = loadAverage[0] / cores;
    return {
      status: byThreshold(loadPerCore, 1.5, 4),
      data: {
        cores,
        loadAverage: loadAverage.map((l) => Math.round(l * 100) / 100),
        loadPerCore: Math.round(loadPerCore * 100) / 100,
        processPercent: Math.round((usedMs / elapsedMs) * 1000) / 10,
      },
    };
  }

  async disk(): Promise<CheckResult> {
    const path = this.config.database.dataDir;
    try {
      const stats = await statfs(path).catch(() => statfs('.'));
      const total = stats.blocks * stats.bsize;
      const free = stats.bavail * stats.bsize;
      const usedRatio = total > 0 ? 1 - free / total : 0;
      const gb = (bytes: number) => Math.round((bytes / 1024 ** 3) * 100) / 100;
      return {
        status: byThreshold(usedRatio, 0.9, 0.98),
        data: { path, totalGb: gb(total), freeGb: gb(free), usedPercent: Math.round(usedRatio * 1000) / 10 },
      };
    } catch (error) {
      return { status: 'unhealthy', message: `Disk space of ${path} is unknown: ${(error as Error).message}` };
    }
  }

  /** Third-party services: Agora credentials, the SMTP server and Redis when configured. */
  async external(redis: Promise<CheckResult | undefined> = this.redisProbe()): Promise<CheckResult> {
    const [smtp, redisResult] = await Promise.all([this.cachedSmtpProbe(), redis]);
    const mail = this.mailStatus();
    const agora = {
      status: 'healthy' as const,
      configured: Boolean(this.config.agora.appId && this.config.agora.appCertificate),
    };
    const services: Record<string, unknown> = {
      agora,
      smtp: smtp ?? { status: 'healthy', configured: false, transport: 'outbox files under DATA_DIR/outbox' },
      redis: redisResult ?? { status: 'healthy', configured: false },
      mail,
    };
    // An optional service that is configured but down degrades the API; it does not stop it.
    const down = [smtp, redisResult].some((r) => r && r.status !== 'healthy') || mail.status !== 'healthy';
    return { status: down ? 'warning' : 'healthy', data: services };
  }

  /** Mails sent and failed since start; `warning` while the latest attempt failed. */
  private mailStatus() {
    const stats = this.mail.stats();
    const failing =
      stats.lastFailureAt !== null && (stats.lastSentAt === null || stats.lastFailureAt > stats.lastSentAt);
    return { status: failing ? ('warning' as const) : ('healthy' as const), ...stats };
  }

  /** What the API runs on: Node, the main packages, and the services it needs. */
  async dependencies(
    database: Promise<CheckResult> = this.database(),
    redis: Promise<CheckResult | undefined> = this.redisProbe(),
  ): Promise<CheckResult> {
    const [db, redisResult] = await Promise.all([database, redis]);
    const packages = Object.fromEntries(
      ['@nestjs/core', 'fastify', 'mongoose', 'socket.io', 'agora-token']
        .filter((name) => PACKAGE.dependencies[name])
        .map((name) => [name, PACKAGE.dependencies[name]]),
    );
    return {
      status:
        db.status === 'unhealthy'
          ? 'unhealthy'
          : redisResult && redisResult.status !== 'healthy'
            ? 'warning'
            : 'healthy',
      data: {
        node: process.version,
        packages,
        services: {
          database: { required: true, status: db.status },
          redis: { required: false, configured: Boolean(redisResult), status: redisResult?.status ?? 'healthy' },
        },
      },
    };
  }

  private async redisProbe(): Promise<CheckResult | undefined> {
    const redis = this.redis;
    if (!redis) return undefined;
    const result = await timed(async () => {
      if (redis.status === 'wait' || redis.status === 'end')
        await withTimeout(redis.connect(), this.probeTimeoutMs, 'Redis');
      await withTimeout(redis.ping(), this.probeTimeoutMs, 'Redis');
    });
    const local = await componentsWithoutRedis(this.metrics.registry);
    const message = result.ok ? stillLocal(local) : withoutRedis(result.error);
    return {
      status: result.ok ? (local.length > 0 ? 'warning' : 'healthy') : 'unhealthy',
      responseTime: result.ms,
      ...(message ? { message } : {}),
      data: { configured: true },
    };
  }

  /** Opens a TCP connection to the SMTP server; a greeting-level check without sending mail. */
  /**
   * The health routes are public and never rate limited: one SMTP connection answers every
   * request of the next few seconds, so nobody can make the API hammer its mail server.
   */
  private cachedSmtpProbe(): Promise<CheckResult | undefined> {
    const now = Date.now();
    if (!this.smtpProbeCache || now - this.smtpProbeCache.at > SMTP_PROBE_CACHE_MS) {
      this.smtpProbeCache = { at: now, result: this.smtpProbe() };
    }
    return this.smtpProbeCache.result;
  }

  private async smtpProbe(): Promise<CheckResult | undefined> {
    if (!this.config.mail.smtpUrl) return undefined;
    const url = new URL(this.config.mail.smtpUrl);
    const port = Number(url.port) || (url.protocol === 'smtps:' ? 465 : 587);
    const result = await timed(
      () =>
        new Promise<void>((resolve, reject) => {
          const socket = createConnection({ host: url.hostname, port, timeout: this.probeTimeoutMs });
          socket.once('connect', () => {
            socket.destroy();
            resolve();
          });
          socket.once('timeout', () => {
            socket.destroy();
            reject(new Error(`SMTP server ${url.hostname}:${port} did not answer within ${this.probeTimeoutMs} ms`));
          });
          socket.once('error', (error) => reject(new Error(`SMTP server ${url.hostname}:${port}: ${error.message}`)));
        }),
    );
    return {
      status: result.ok ? 'healthy' : 'unhealthy',
      responseTime: result.ms,
      ...(result.error ? { message: result.error } : {}),
      data: { configured: true, host: url.hostname, port },
    };
  }

  info(): Record<string, unknown> {
    return {
      name: PACKAGE.name,
      description: PACKAGE.description,
      version: PACKAGE.version,
      environment: this.config.env,
      node: process.version,
      pid: process.pid,
      startedAt: this.metrics.startedAt.toISOString(),
      uptime: this.uptimeMs,
      database: this.config.database.embedded ? 'embedded' : 'mongodb',
      docs: '/api/docs',
    };
  }

  system(): Record<string, unknown> {
    return {
      platform: os.platform(),
      arch: os.arch(),
      release: os.release(),
      hostname: os.hostname(),
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      loadAverage: os.loadavg(),
      totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
      freeMemoryMb: Math.round(os.freemem() / 1024 / 1024),
      systemUptimeSeconds: Math.round(os.uptime()),
      node: process.version,
      pid: process.pid,
    };
  }

  uptime(): Record<string, unknown> {
    const uptime = this.uptimeMs;
    return {
      uptime,
      uptimeSeconds: Math.floor(uptime / 1000),
      human: formatDuration(uptime),
      startedAt: this.metrics.startedAt.toISOString(),
    };
  }

  version(): Record<string, unknown> {
    return {
      name: PACKAGE.name,
      version: PACKAGE.version,
      node: process.version,
      nest: PACKAGE.dependencies['@nestjs/core'],
      apiPrefix: '/api',
    };
  }

  /**
   * The report as `GET /api/health` shows it to this caller, for routes that serve the same report
   * elsewhere (admin's `system/health`): whole for those who see the host's details
   * (HEALTH_DETAILS=public, or an admin, as HealthAccessGuard decides), else its summary.
   */
  async reportFor(role: Role | undefined): Promise<HealthReport> {
    const report = await this.report();
    return this.config.health.details === 'public' || role === 'admin' ? report : reportSummary(report);
  }
}
