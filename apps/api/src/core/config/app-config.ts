import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RateLimitName } from '@app/common';
import { Env, envSchema } from './config.schema';

export const APP_CONFIG = Symbol('APP_CONFIG');

export interface RateLimitConfig {
  limit: number;
  ttlSeconds: number;
}

/** The one typed view of the environment; nothing else reads `process.env`. */
export interface AppConfig {
  env: Env['NODE_ENV'];
  host: string;
  port: number;
  log: { level: Env['LOG_LEVEL']; format: 'json' | 'pretty' };
  /**
   * `uri` is filled in by start-up when the embedded database serves (`embedded: true`).
   * `timeoutMs`: how long a query waits for a reachable database before it fails (then 503).
   */
  database: { uri?: string; embedded: boolean; dataDir: string; embeddedPort: number; timeoutMs: number };
  /** Where `POST /api/admin/system/backup` writes its archives (0700; they hold password hashes). */
  backupDir: string;
  redisUrl?: string;
  jwt: {
    secret: string;
    expiresInSeconds: number;
    secretGenerated: boolean;
    /** How long an accepted token is trusted without the database (0: never). */
    cacheSeconds: number;
  };
  cors: { origins: string[] };
  trustProxy: false | number | string[];
  bodyLimit: number;
  /** Deepest nesting of arrays and objects a JSON body may have (400 above it, before validation). */
  bodyMaxDepth: number;
  /** Served to browsers over HTTPS (directly or behind a proxy): allows `upgrade-insecure-requests`. */
  servedOverHttps: boolean;
  /**
   * Who sees the detailed health endpoints (host, process, paths, versions, metrics): everyone,
   * or admins only (default in production). `metricsToken` lets a scraper read metrics.
   * `probeTimeoutMs`: how long a check waits for the database, Redis or the SMTP server.
   */
  health: { details: 'public' | 'admin'; metricsToken?: string; probeTimeoutMs: number };
  /** Whether Swagger UI and the OpenAPI document are served (at /api/docs and /api/docs-json). */
  swagger: { enabled: boolean };
  agora: { appId?: string; appCertificate?: string; tokenTtlSeconds: number };
  /** An active call with nobody joined for this long is ended by housekeeping. */
  calls: {
    idleTimeoutSeconds: number;
    /** Wrong call passwords a user may try per call within the window before joins answer 429. */
    passwordFailures: { limit: number; windowSeconds: number };
    /** How long a participant whose socket dropped stays in a call before being marked left. */
    reconnectGraceSeconds: number;
  };
  /**
   * Socket.IO: the largest frame a client may send (`maxHttpBufferSize`), and each socket's event
   * budget, a token bucket refilled at `eventsPerSecond` that holds at most `eventBurst` events;
   * how long a dropped socket's rooms and missed events are kept for it to resume (at most the
   * calls' reconnect grace); how long an instance's lease lasts unless renewed (after that its
   * sockets count as gone: a crashed instance's users go offline, its call rooms start the grace).
   */
  realtime: {
    maxBufferBytes: number;
    eventsPerSecond: number;
    eventBurst: number;
    recoveryWindowSeconds: number;
    instanceLeaseSeconds: number;
  };
  mail: { smtpUrl?: string; from: string; publicUrl: string };
  /** Lifetimes of single-use email tokens, in seconds. */
  tokens: { emailVerificationTtlSeconds: number; passwordResetTtlSeconds: number };
  /** Created at start-up when no user has this email (both set or neither). */
  admin?: { email: string; password: string };
  rateLimits: Record<RateLimitName, RateLimitConfig>;
  shutdownTimeoutSeconds: number;
  /** Seconds of quiet after the heap grew before a full garbage collection (0: never). */
  quietGcSeconds: number;
}

/** A bad configuration value; the message names the variable. */
export class ConfigError extends Error {}

export function loadConfig(source: Record<string, string | undefined>): AppConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.') || 'environment';
      return `${name} ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const env = parsed.data;
  const dataDir = resolve(env.DATA_DIR);
  // Without JWT_SECRET the secret stays empty here: only the server fills it in, with
  // withDevelopmentJwtSecret, so loading the configuration never writes a file.
  const jwt = { secret: env.JWT_SECRET ?? '', secretGenerated: false };

  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    log: {
      level: env.LOG_LEVEL,
      format: env.LOG_FORMAT ?? (env.NODE_ENV === 'development' ? 'pretty' : 'json'),
    },
    database: {
      uri: env.MONGODB_URI,
      embedded: !env.MONGODB_URI,
      dataDir,
      embeddedPort: env.EMBEDDED_DB_PORT,
      timeoutMs: env.MONGODB_TIMEOUT_MS,
    },
    backupDir: resolve(env.BACKUP_DIR ?? join(env.DATA_DIR, 'backups')),
    redisUrl: env.REDIS_URL,
    jwt: { ...jwt, expiresInSeconds: durationSeconds(env.JWT_EXPIRES_IN), cacheSeconds: env.AUTH_CACHE_SECONDS },
    cors: {
      origins: env.CORS_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    },
    trustProxy: env.TRUST_PROXY,
    bodyLimit: env.BODY_LIMIT,
    bodyMaxDepth: env.BODY_MAX_DEPTH,
    servedOverHttps: env.SERVED_OVER_HTTPS === 'true',
    health: {
      details: env.HEALTH_DETAILS ?? (env.NODE_ENV === 'production' ? 'admin' : 'public'),
      metricsToken: env.HEALTH_METRICS_TOKEN,
      probeTimeoutMs: env.HEALTH_PROBE_TIMEOUT_MS,
    },
    swagger: { enabled: env.SWAGGER_ENABLED === 'true' },
    agora: {
      appId: env.AGORA_APP_ID,
      appCertificate: env.AGORA_APP_CERTIFICATE,
      tokenTtlSeconds: env.AGORA_TOKEN_TTL,
    },
    calls: {
      idleTimeoutSeconds: env.CALL_IDLE_TIMEOUT,
      passwordFailures: { limit: env.CALL_PASSWORD_MAX_FAILURES, windowSeconds: env.CALL_PASSWORD_FAILURE_WINDOW },
      reconnectGraceSeconds: env.CALL_RECONNECT_GRACE,
    },
    realtime: {
      maxBufferBytes: env.SOCKET_MAX_BUFFER,
      eventsPerSecond: env.SOCKET_EVENT_RATE,
      eventBurst: env.SOCKET_EVENT_BURST,
      recoveryWindowSeconds: env.SOCKET_RECOVERY_WINDOW,
      instanceLeaseSeconds: env.SOCKET_INSTANCE_LEASE,
    },
    mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM, publicUrl: env.APP_PUBLIC_URL },
    tokens: {
      emailVerificationTtlSeconds: env.EMAIL_VERIFICATION_TTL,
      passwordResetTtlSeconds: env.PASSWORD_RESET_TTL,
    },
    admin:
      env.ADMIN_EMAIL && env.ADMIN_PASSWORD
        ? { email: env.ADMIN_EMAIL.toLowerCase(), password: env.ADMIN_PASSWORD }
        : undefined,
    rateLimits: {
      auth: { limit: env.THROTTLE_AUTH_LIMIT, ttlSeconds: env.THROTTLE_AUTH_TTL },
      default: { limit: env.THROTTLE_DEFAULT_LIMIT, ttlSeconds: env.THROTTLE_DEFAULT_TTL },
      admin: { limit: env.THROTTLE_ADMIN_LIMIT, ttlSeconds: env.THROTTLE_ADMIN_TTL },
      search: { limit: env.THROTTLE_SEARCH_LIMIT, ttlSeconds: env.THROTTLE_SEARCH_TTL },
    },
    shutdownTimeoutSeconds: env.SHUTDOWN_TIMEOUT,
    quietGcSeconds: env.QUIET_GC_SECONDS,
  };
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `7d`, `12h`, `30m`, `45s` or a bare number of seconds. */
export function durationSeconds(value: string): number {
  const match = /^(\d+)([smhd])?$/.exec(value);
  if (!match) throw new ConfigError(`Invalid duration ${value}`);
  return Number(match[1]) * UNIT_SECONDS[match[2] ?? 's'];
}

/**
 * For the server: outside production (where JWT_SECRET is required) a missing secret is generated
 * once and kept under DATA_DIR (0600), so tokens survive restarts of a development server. The
 * caller warns about it. Processes that sign no token (the CLI, `npm run db`) never call this.
 */
export function withDevelopmentJwtSecret(config: AppConfig): AppConfig {
  if (config.jwt.secret) return config;
  const file = resolve(config.database.dataDir, 'jwt-secret');
  let secret: string;
  if (existsSync(file)) secret = readFileSync(file, 'utf8').trim();
  else {
    mkdirSync(config.database.dataDir, { recursive: true, mode: 0o700 });
    secret = randomBytes(48).toString('base64url');
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return { ...config, jwt: { ...config.jwt, secret, secretGenerated: true } };
}
