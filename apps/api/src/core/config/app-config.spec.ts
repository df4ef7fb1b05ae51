import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError, loadConfig, withDevelopmentJwtSecret } from './app-config';

const example = parseEnv(readFileSync(join(__dirname, '../../../../../.env.example'), 'utf8')) as Record<
  string,
  string
>;
const withExample = (overrides: Record<string, string>) =>
  loadConfig({ ...example, DATA_DIR: mkdtempSync(join(tmpdir(), 'vc-cfg-')), ...overrides });

describe('configuration', () => {
  it('loads .env.example as it is, with the documented defaults', () => {
    const config = withExample({});
    expect(config).toMatchObject({
      env: 'development',
      port: 5000,
      bodyLimit: 102_400,
      trustProxy: false,
      database: { embedded: true },
      log: { format: 'pretty' },
      rateLimits: {
        auth: { limit: 5, ttlSeconds: 60 },
        default: { limit: 100, ttlSeconds: 900 },
        admin: { limit: 50, ttlSeconds: 60 },
      },
    });
  });

  it('generates a development JWT secret once, for the server only, and keeps it under DATA_DIR', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vc-cfg-'));
    const loaded = loadConfig({ ...example, DATA_DIR: dir });
    expect(loaded.jwt.secret).toBe('');
    expect(existsSync(join(dir, 'jwt-secret'))).toBe(false);
    const first = withDevelopmentJwtSecret(loaded);
    const second = withDevelopmentJwtSecret(loadConfig({ ...example, DATA_DIR: dir }));
    expect(first.jwt.secretGenerated).toBe(true);
    expect(first.jwt.secret.length).toBeGreaterThanOrEqual(64);
    expect(second.jwt.secret).toBe(first.jwt.secret);
    expect(statSync(join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);
  });

  it('requires JWT_SECRET in production and refuses a short one', () => {
    expect(() => withExample({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET is required when NODE_ENV=production/);
    expect(() => withExample({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET must be at least 32 characters/);
  });

  it('reads TRUST_PROXY as hops or addresses, never as true', () => {
    expect(withExample({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(withExample({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(() => withExample({ TRUST_PROXY: 'true' })).toThrow(ConfigError);
  });

  it('needs both Agora variables or neither', () => {
    expect(() => withExample({ AGORA_APP_ID: 'a'.repeat(32) })).toThrow(/AGORA_APP_CERTIFICATE is required/);
    expect(withExample({ AGORA_APP_ID: 'a'.repeat(32), AGORA_APP_CERTIFICATE: 'B'.repeat(32) }).agora.appId).toBe(
      'a'.repeat(32),
    );
  });

  it('refuses an ADMIN_PASSWORD that breaks the password policy, without echoing it', () => {
    const load = () => withExample({ ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'weakling' });
    expect(load).toThrow(/ADMIN_PASSWORD must be 8 to 72 characters/);
    expect(load).not.toThrow(/weakling/);
    expect(withExample({ ADMIN_EMAIL: 'Root@Example.com', ADMIN_PASSWORD: 'AdminPass123' }).admin).toEqual({
      email: 'root@example.com',
      password: 'AdminPass123',
    });
  });

  it('shows health details to everyone outside production and to admins only in production, unless HEALTH_DETAILS says', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(32) };
    expect(withExample({}).health).toEqual({ details: 'public', metricsToken: undefined, probeTimeoutMs: 1500 });
    expect(withExample({ NODE_ENV: 'test' }).health.details).toBe('public');
    expect(withExample(production).health.details).toBe('admin');
    expect(withExample({ ...production, HEALTH_DETAILS: 'public' }).health.details).toBe('public');
    expect(withExample({ HEALTH_DETAILS: 'admin' }).health.details).toBe('admin');
    expect(withExample({ HEALTH_METRICS_TOKEN: 'm'.repeat(32) }).health.metricsToken).toBe('m'.repeat(32));
    expect(() => withExample({ HEALTH_DETAILS: 'everyone' })).toThrow(/HEALTH_DETAILS must be public or admin/);
    expect(() => withExample({ HEALTH_METRICS_TOKEN: 'short' })).toThrow(/HEALTH_METRICS_TOKEN must be at least 32/);
    expect(withExample({ HEALTH_PROBE_TIMEOUT_MS: '10000' }).health.probeTimeoutMs).toBe(10_000);
    expect(() => withExample({ HEALTH_PROBE_TIMEOUT_MS: '10' })).toThrow(/HEALTH_PROBE_TIMEOUT_MS/);
  });

  it('reads the socket limits and the reconnect grace, and refuses a burst below the rate', () => {
    expect(withExample({})).toMatchObject({
      realtime: { maxBufferBytes: 100_000, eventsPerSecond: 20, eventBurst: 40 },
      calls: { reconnectGraceSeconds: 30 },
    });
    expect(withExample({ SOCKET_EVENT_RATE: '50', SOCKET_EVENT_BURST: '50' }).realtime.eventBurst).toBe(50);
    expect(() => withExample({ SOCKET_EVENT_RATE: '50', SOCKET_EVENT_BURST: '10' })).toThrow(
      /SOCKET_EVENT_BURST must be at least SOCKET_EVENT_RATE/,
    );
    expect(() => withExample({ SOCKET_MAX_BUFFER: '10' })).toThrow(/SOCKET_MAX_BUFFER must be a whole number/);
  });

  it('keeps the socket recovery window within the reconnect grace', () => {
    expect(withExample({}).realtime.recoveryWindowSeconds).toBe(10);
    expect(withExample({ SOCKET_RECOVERY_WINDOW: '30' }).realtime.recoveryWindowSeconds).toBe(30);
    expect(() => withExample({ SOCKET_RECOVERY_WINDOW: '31' })).toThrow(
      /SOCKET_RECOVERY_WINDOW must be at most CALL_RECONNECT_GRACE/,
    );
    expect(() => withExample({ SOCKET_RECOVERY_WINDOW: '20', CALL_RECONNECT_GRACE: '15' })).toThrow(
      /SOCKET_RECOVERY_WINDOW must be at most CALL_RECONNECT_GRACE/,
    );
  });

  it('reads the instance lease in seconds, 15 by default', () => {
    expect(withExample({}).realtime.instanceLeaseSeconds).toBe(15);
    expect(withExample({ SOCKET_INSTANCE_LEASE: '3' }).realtime.instanceLeaseSeconds).toBe(3);
    expect(() => withExample({ SOCKET_INSTANCE_LEASE: '0' })).toThrow(/SOCKET_INSTANCE_LEASE must be a whole number/);
  });

  it('reads the quiet seconds before a full garbage collection, 5 by default, 0 for never', () => {
    expect(withExample({}).quietGcSeconds).toBe(5);
    expect(withExample({ QUIET_GC_SECONDS: '0' }).quietGcSeconds).toBe(0);
    expect(() => withExample({ QUIET_GC_SECONDS: '3601' })).toThrow(/QUIET_GC_SECONDS must be a whole number/);
    expect(() => withExample({ QUIET_GC_SECONDS: '-5' })).toThrow(/QUIET_GC_SECONDS/);
  });

  it('splits CORS_ORIGINS and names every bad variable at once', () => {
    expect(withExample({ CORS_ORIGINS: 'https://a.example, https://b.example' }).cors.origins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(() => withExample({ PORT: '70000', REDIS_URL: 'http://x' })).toThrow(/PORT .*; REDIS_URL /);
  });
});
