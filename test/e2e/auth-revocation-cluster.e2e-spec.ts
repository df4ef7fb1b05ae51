import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Types } from 'mongoose';
import { EventBus } from '../../apps/api/src/core/events';
import { bearer, makeStaff, makeUser, RegisteredUser } from '../factories/users';
import { randomIp, startTestApp, TestApp, testDatabaseUri } from '../support/app';
import { freePort, spawnProcess, Spawned, stopProcess } from '../support/processes';

/**
 * Accepted tokens are answered from memory on each instance (CheckedTokens), so revoking one must
 * reach every instance at once. Two instances share one database and a `redis-server` of this
 * file's own (never the machine's shared one): a token revoked through one instance is refused
 * by the other within a second, although the other had just accepted it; while the other does
 * not hear the Redis channel that carries revocations, it trusts nothing it remembered and reads
 * the database on every request, and once it hears again, revocations reach it again.
 */

const WITHIN_MS = 1_000;
/** Long enough that only an event (or the database) can explain a refusal within WITHIN_MS. */
const CACHE_SECONDS = '300';

let redisPort: number;
let redis: Spawned | undefined;
let a: TestApp;
let b: TestApp;

async function startRedis(): Promise<void> {
  redis = spawnProcess(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
  );
  await redis.waitFor(/Ready to accept connections/, 10_000);
}

async function stopRedis(): Promise<void> {
  if (redis) await stopProcess(redis, 'SIGKILL');
  redis = undefined;
}

beforeAll(async () => {
  redisPort = await freePort();
  await startRedis();
  const env = {
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    MONGODB_URI: testDatabaseUri(),
    JWT_SECRET: randomBytes(32).toString('hex'),
    AUTH_CACHE_SECONDS: CACHE_SECONDS,
    THROTTLE_LIMIT: '10000',
    THROTTLE_AUTH_LIMIT: '1000',
    THROTTLE_ADMIN_LIMIT: '1000',
  };
  a = await startTestApp({ env });
  b = await startTestApp({ env });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await stopRedis();
});

function profile(t: TestApp, token: string) {
  return t.request({ url: '/api/auth/profile', headers: bearer(token), remoteAddress: randomIp() });
}

/** How long until `t` refuses the token (401), polling; fails past `limitMs`. */
async function refusedWithin(t: TestApp, token: string, limitMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const res = await profile(t, token);
    if (res.status === 401) return Date.now() - started;
    expect(res.status).toBe(200);
    if (Date.now() - started > limitMs) throw new Error(`still accepted after ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A user whose token both instances have just accepted (so both remember it). */
async function acceptedByBoth(): Promise<RegisteredUser> {
  const user = await makeUser(a);
  expect((await profile(a, user.token)).status).toBe(200);
  expect((await profile(b, user.token)).status).toBe(200);
  return user;
}

describe('a token revoked on one instance', () => {
  let admin: RegisteredUser;
  beforeAll(async () => {
    admin = await makeStaff(a, 'admin');
  });

  it('is refused by the other within a second after a logout', async () => {
    const user = await acceptedByBoth();
    const other = await makeUser(a);
    expect((await profile(b, other.token)).status).toBe(200);
    const res = await a.request({ method: 'POST', url: '/api/auth/logout', headers: bearer(user.token) });
    expect(res.status).toBe(200);
    expect(await refusedWithin(b, user.token, WITHIN_MS)).toBeLessThan(WITHIN_MS);
    expect((await profile(a, user.token)).status).toBe(401);
    // Only that token: another user's, remembered alongside, still works.
    expect((await profile(b, other.token)).status).toBe(200);
  });

  it('is refused by the other within a second after a password change, and the new token works there', async () => {
    const user = await acceptedByBoth();
    const res = await a.request({
      method: 'POST',
      url: '/api/auth/change-password',
      headers: bearer(user.token),
      body: { currentPassword: user.password, newPassword: `${user.password}x1` },
    });
    expect(res.status).toBe(200);
    expect(await refusedWithin(b, user.token, WITHIN_MS)).toBeLessThan(WITHIN_MS);
    expect((await profile(b, res.body.data.token as string)).status).toBe(200);
  });

  it('is refused by the other within a second after a suspension', async () => {
    const user = await acceptedByBoth();
    const res = await a.request({
      method: 'POST',
      url: `/api/admin/users/${user.id}/suspend`,
      headers: bearer(admin.token),
      body: { reason: 'Checks revocation across instances' },
    });
    expect(res.status).toBe(200);
    expect(await refusedWithin(b, user.token, WITHIN_MS)).toBeLessThan(WITHIN_MS);
  });

  it('carries its new role on the other instance at once after a role change', async () => {
    const user = await acceptedByBoth();
    const staff = await makeStaff(a, 'admin');
    const dashboard = () => b.request({ url: '/api/admin/dashboard', headers: bearer(staff.token) });
    expect((await dashboard()).status).toBe(200);
    const res = await a.request({
      method: 'PUT',
      url: `/api/admin/users/${staff.id}`,
      headers: bearer(admin.token),
      body: { role: 'user' },
    });
    expect(res.status).toBe(200);
    const started = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - started < WITHIN_MS) status = (await dashboard()).status;
    // A token still says "admin": the instance reads the role from the account, not from the token.
    expect(status).toBe(403);
    expect((await profile(b, user.token)).status).toBe(200);
  });
});

describe('a token answered from memory', () => {
  it('still stops working at its exp', async () => {
    const user = await makeUser(a);
    const { iat: _iat, ...claims } = jwt.decode(user.token) as Record<string, unknown>;
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortLived = jwt.sign({ ...claims, exp }, a.config.jwt.secret, { algorithm: 'HS256' });
    expect((await profile(a, shortLived)).status).toBe(200);
    expect((await profile(a, shortLived)).status).toBe(200);
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 50));
    const res = await profile(a, shortLived);
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/expired/);
  });
});

describe('while the channel of revocations is down', () => {
  it('an instance reads the database on every request, and trusts its memory again once it hears', async () => {
    const user = await acceptedByBoth();
    await stopRedis();
    // A change made straight in the database, with no event at all: only a read can see it.
    const users = (await b.db()).collection('users');
    const _id = new Types.ObjectId(user.id);
    await users.updateOne({ _id }, { $set: { accountStatus: 'suspended' } });
    expect(await refusedWithin(b, user.token, WITHIN_MS)).toBeLessThan(WITHIN_MS);
    await users.updateOne({ _id }, { $set: { accountStatus: 'active' } });
    expect((await profile(b, user.token)).status).toBe(200);

    await startRedis();
    const bus = b.app.get(EventBus);
    const deadline = Date.now() + 15_000;
    while (!bus.hearsCluster) {
      if (Date.now() > deadline) throw new Error('the instance did not subscribe again');
      await new Promise((r) => setTimeout(r, 50));
    }
    // Hearing again, it answers a token it accepted from memory (a change with no event goes unseen)…
    const later = await acceptedByBoth();
    const laterId = new Types.ObjectId(later.id);
    await users.updateOne({ _id: laterId }, { $set: { accountStatus: 'suspended' } });
    expect((await profile(b, later.token)).status).toBe(200);
    await users.updateOne({ _id: laterId }, { $set: { accountStatus: 'active' } });
    // …and a logout through the other instance reaches it within a second again.
    expect((await profile(b, later.token)).status).toBe(200);
    const res = await a.request({ method: 'POST', url: '/api/auth/logout', headers: bearer(later.token) });
    expect(res.status).toBe(200);
    expect(await refusedWithin(b, later.token, WITHIN_MS)).toBeLessThan(WITHIN_MS);
  });
});
