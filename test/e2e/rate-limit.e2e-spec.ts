import { randomIp, startTestApp, TestApp, useTestApp } from '../support/app';
import { FixtureModule } from '../support/fixture.module';

const LIMITS = {
  THROTTLE_DEFAULT_LIMIT: '3',
  THROTTLE_DEFAULT_TTL: '60',
  THROTTLE_AUTH_LIMIT: '2',
  THROTTLE_AUTH_TTL: '30',
  THROTTLE_ADMIN_LIMIT: '4',
  THROTTLE_ADMIN_TTL: '60',
};

describe('rate limits', () => {
  const t = useTestApp({ modules: [FixtureModule], env: LIMITS });

  it('counts down in the headers and answers 429 with Retry-After past the default limit', async () => {
    const ip = randomIp();
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.request({ url: '/api/fixture/plain', remoteAddress: ip });
      expect(res.status).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe('3');
      expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
      remaining.push(String(res.headers['x-ratelimit-remaining']));
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const refused = await t.request({ url: '/api/fixture/plain', remoteAddress: ip });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ success: false, status: 'error', errorCode: 'TOO_MANY_REQUESTS' });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('counts each client address on its own', async () => {
    const [a, b] = [randomIp(), randomIp()];
    for (let i = 0; i < 3; i++) await t.request({ url: '/api/fixture/plain', remoteAddress: a });
    expect((await t.request({ url: '/api/fixture/plain', remoteAddress: a })).status).toBe(429);
    expect((await t.request({ url: '/api/fixture/plain', remoteAddress: b })).status).toBe(200);
  });

  it('applies the auth limit, and only it, to auth routes', async () => {
    const ip = randomIp();
    const first = await t.request({ url: '/api/fixture/auth-limited', remoteAddress: ip });
    expect(first.headers['x-ratelimit-limit']).toBe('2');
    await t.request({ url: '/api/fixture/auth-limited', remoteAddress: ip });
    const refused = await t.request({ url: '/api/fixture/auth-limited', remoteAddress: ip });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(30);
    // The default counter of the same client is untouched.
    const other = await t.request({ url: '/api/fixture/plain', remoteAddress: ip });
    expect(other.status).toBe(200);
    expect(other.headers['x-ratelimit-remaining']).toBe('2');
  });

  it('applies the admin limit to admin routes', async () => {
    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await t.request({ url: '/api/fixture/admin-limited', remoteAddress: ip })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });

  it('ignores a client-chosen X-Forwarded-For when no proxy is trusted', async () => {
    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await t.request({
        url: '/api/fixture/auth-limited',
        remoteAddress: ip,
        headers: { 'x-forwarded-for': randomIp() },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
  });

  it('never limits the health endpoints', async () => {
    const ip = randomIp();
    for (let i = 0; i < 10; i++) {
      const res = await t.request({ url: '/api/health/live', remoteAddress: ip });
      expect(res.status).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });
});

describe('rate limits behind a trusted proxy', () => {
  const t = useTestApp({ modules: [FixtureModule], env: { ...LIMITS, TRUST_PROXY: '1' } });

  it('counts the client address the proxy reports', async () => {
    const proxy = randomIp();
    const [alice, bob] = [randomIp(), randomIp()];
    for (let i = 0; i < 2; i++) {
      await t.request({
        url: '/api/fixture/auth-limited',
        remoteAddress: proxy,
        headers: { 'x-forwarded-for': alice },
      });
    }
    const aliceAgain = await t.request({
      url: '/api/fixture/auth-limited',
      remoteAddress: proxy,
      headers: { 'x-forwarded-for': alice },
    });
    expect(aliceAgain.status).toBe(429);
    const bobFirst = await t.request({
      url: '/api/fixture/auth-limited',
      remoteAddress: proxy,
      headers: { 'x-forwarded-for': bob },
    });
    expect(bobFirst.status).toBe(200);
  });
});

describe('rate limits shared through Redis', () => {
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp({ modules: [FixtureModule], env: { ...LIMITS, REDIS_URL: redisUrl } });
    b = await startTestApp({ modules: [FixtureModule], env: { ...LIMITS, REDIS_URL: redisUrl } });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('holds one limit across two app instances', async () => {
    const ip = randomIp();
    const statuses: number[] = [];
    for (const app of [a, b, a, b]) {
      statuses.push((await app.request({ url: '/api/fixture/plain', remoteAddress: ip })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('reports Redis in the external health check', async () => {
    const res = await a.request({ url: '/api/health/external' });
    expect(res.status).toBe(200);
    expect(res.body.data.data.redis).toMatchObject({ status: 'healthy', data: { configured: true } });
  });
});
