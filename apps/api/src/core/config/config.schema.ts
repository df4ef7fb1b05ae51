import { z } from 'zod';
import { meetsPasswordPolicy, PASSWORD_MESSAGE } from '@app/common';

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** A whole number in [min, max] with one plain message for any bad value. */
const int = (min: number, max: number, fallback: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.coerce
    .number({ error: message })
    .int({ error: message })
    .min(min, { error: message })
    .max(max, { error: message })
    .default(fallback);
};
const positiveInt = (fallback: number) => int(1, Number.MAX_SAFE_INTEGER, fallback);

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    );

const optionalUrl = (protocols: string[]) => z.preprocess(emptyToUndefined, url(protocols).optional());

const hex32 = z
  .string()
  .trim()
  .regex(/^[0-9a-fA-F]{32}$/, 'must be 32 hexadecimal characters');

/**
 * `TRUST_PROXY`: `false` (default), a number of proxy hops, or a comma list of addresses/CIDRs.
 * `true` is refused: it would let any client choose its own IP through `X-Forwarded-For`.
 */
const trustProxy = z
  .string()
  .trim()
  .default('false')
  .transform((v, ctx): false | number | string[] => {
    if (v === '' || v === 'false') return false;
    if (/^\d+$/.test(v)) return Number(v);
    if (v === 'true') {
      ctx.addIssue({
        code: 'custom',
        message: 'must be false, a number of proxy hops or a list of proxy addresses, never true',
      });
      return z.NEVER;
    }
    return v.split(',').map((s) => s.trim());
  });

/** Durations such as `7d`, `12h`, `30m`, `45s` or a number of seconds. */
export const DURATION = /^\d+(s|m|h|d)?$/;

export const envSchema = z
  .object({
    NODE_ENV: z
      .enum(['development', 'production', 'test'], { error: 'must be development, production or test' })
      .default('development'),
    HOST: z.string().trim().min(1).default('0.0.0.0'),
    PORT: int(0, 65535, 5000),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'must be fatal, error, warn, info, debug, trace or silent',
      })
      .default('info'),
    LOG_FORMAT: z.preprocess(
      emptyToUndefined,
      z.enum(['json', 'pretty'], { error: 'must be json or pretty' }).optional(),
    ),
    MONGODB_URI: optionalString.pipe(
      z
        .string()
        .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
        .optional(),
    ),
    DATA_DIR: z.string().trim().min(1).default('./.data'),
    BACKUP_DIR: optionalString,
    EMBEDDED_DB_PORT: int(0, 65535, 0),
    MONGODB_TIMEOUT_MS: int(100, 120_000, 1_500),
    REDIS_URL: optionalUrl(['redis:', 'rediss:']),
    JWT_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters (256 bits) long').optional()),
    JWT_EXPIRES_IN: z.string().trim().regex(DURATION, 'must be like 7d, 12h, 30m or 3600').default('7d'),
    AUTH_CACHE_SECONDS: int(0, 300, 5),
    CORS_ORIGINS: z.string().default('http://localhost:3000'),
    TRUST_PROXY: trustProxy,
    BODY_LIMIT: positiveInt(102_400),
    BODY_MAX_DEPTH: int(1, 1000, 32),
    SERVED_OVER_HTTPS: z.preprocess(
      emptyToUndefined,
      z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
    ),
    HEALTH_DETAILS: z.preprocess(
      emptyToUndefined,
      z.enum(['public', 'admin'], { error: 'must be public or admin' }).optional(),
    ),
    SWAGGER_ENABLED: z.preprocess(
      emptyToUndefined,
      z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
    ),
    // How long a health check waits for the database, Redis or the SMTP server before calling it unhealthy.
    HEALTH_PROBE_TIMEOUT_MS: int(100, 60_000, 1500),
    HEALTH_METRICS_TOKEN: optionalString.pipe(z.string().min(32, 'must be at least 32 characters long').optional()),
    AGORA_APP_ID: optionalString.pipe(hex32.optional()),
    AGORA_APP_CERTIFICATE: optionalString.pipe(hex32.optional()),
    AGORA_TOKEN_TTL: positiveInt(3600),
    SMTP_URL: optionalUrl(['smtp:', 'smtps:']),
    MAIL_FROM: z.string().trim().min(3).default('Video Call API <no-reply@localhost>'),
    APP_PUBLIC_URL: url(['http:', 'https:']).default('http://localhost:3000'),
    ADMIN_EMAIL: optionalString.pipe(z.email({ error: 'must be an email address' }).optional()),
    ADMIN_PASSWORD: optionalString,
    EMAIL_VERIFICATION_TTL: positiveInt(86_400),
    PASSWORD_RESET_TTL: positiveInt(3600),
    CALL_IDLE_TIMEOUT: positiveInt(600),
    CALL_PASSWORD_MAX_FAILURES: positiveInt(5),
    CALL_PASSWORD_FAILURE_WINDOW: positiveInt(900),
    CALL_RECONNECT_GRACE: positiveInt(30),
    // 64 kB signals plus the event name and framing; larger frames are refused by Socket.IO itself.
    SOCKET_MAX_BUFFER: int(1024, 100 * 1024 * 1024, 100_000),
    SOCKET_EVENT_RATE: positiveInt(20),
    SOCKET_EVENT_BURST: positiveInt(40),
    SOCKET_RECOVERY_WINDOW: positiveInt(10),
    SOCKET_INSTANCE_LEASE: int(1, 3600, 15),
    THROTTLE_AUTH_LIMIT: positiveInt(5),
    THROTTLE_AUTH_TTL: positiveInt(60),
    THROTTLE_DEFAULT_LIMIT: positiveInt(100),
    THROTTLE_DEFAULT_TTL: positiveInt(900),
    THROTTLE_ADMIN_LIMIT: positiveInt(50),
    THROTTLE_ADMIN_TTL: positiveInt(60),
    THROTTLE_SEARCH_LIMIT: positiveInt(30),
    THROTTLE_SEARCH_TTL: positiveInt(60),
    SHUTDOWN_TIMEOUT: positiveInt(10),
    // A full garbage collection after this many quiet seconds once the heap grew (core/runtime/quiet-compaction.ts); 0: never.
    QUIET_GC_SECONDS: int(0, 3600, 5),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'is required when NODE_ENV=production' });
    }
    if (Boolean(env.ADMIN_EMAIL) !== Boolean(env.ADMIN_PASSWORD)) {
      const missing = env.ADMIN_EMAIL ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'is required when the other admin variable is set' });
    }
    // The admin account is created at start-up; a password it could never have been registered with is refused now.
    if (env.ADMIN_PASSWORD && !meetsPasswordPolicy(env.ADMIN_PASSWORD)) {
      ctx.addIssue({ code: 'custom', path: ['ADMIN_PASSWORD'], message: PASSWORD_MESSAGE.replace(/^password /, '') });
    }
    if (env.SOCKET_EVENT_BURST < env.SOCKET_EVENT_RATE) {
      ctx.addIssue({ code: 'custom', path: ['SOCKET_EVENT_BURST'], message: 'must be at least SOCKET_EVENT_RATE' });
    }
    // A socket restored after the grace would be back in a call it was already marked as having left.
    if (env.SOCKET_RECOVERY_WINDOW > env.CALL_RECONNECT_GRACE) {
      ctx.addIssue({
        code: 'custom',
        path: ['SOCKET_RECOVERY_WINDOW'],
        message: 'must be at most CALL_RECONNECT_GRACE',
      });
    }
    if (Boolean(env.AGORA_APP_ID) !== Boolean(env.AGORA_APP_CERTIFICATE)) {
      const missing = env.AGORA_APP_ID ? 'AGORA_APP_CERTIFICATE' : 'AGORA_APP_ID';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'is required when the other Agora variable is set' });
    }
  });

export type Env = z.infer<typeof envSchema>;
