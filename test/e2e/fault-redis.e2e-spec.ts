import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { callWithGuestInRoom } from '../factories/calls';
import { bearer, makeUser, RegisteredUser } from '../factories/users';
import { randomIp, startTestApp, TestApp, testDatabaseUri } from '../support/app';
import { freePort, spawnProcess, Spawned, stopProcess } from '../support/processes';
import {
  AckAnswer,
  ClientSocket,
  closeSockets,
  connectSocket,
  emitWithAck,
  listenForSockets,
  nextEvent,
} from '../support/sockets';
import { eventually as eventuallyWithin } from '../support/eventually';

/**
 * Redis dies under two running instances that share it (REDIS_URL) and comes back. A
 * `redis-server` of this file's own, on a free port, is killed mid-run (never the machine's
 * shared one): each instance keeps serving its own clients (REST, login, socket connect, room
 * events and signalling between two clients of one instance) without a hang or a 5xx; rate limits
 * count on each instance alone and Socket.IO events reach only that instance's sockets; health
 * says Redis is down (a warning, still 200) and the log says so once. Started again, the same
 * processes share their limits and events again, and the log says so once.
 */

/**
 * The longest any request or socket answer may take while Redis is down (a login runs bcrypt on a
 * shared machine); before the fix, requests waited for ioredis's retries and then answered 500.
 */
const ANSWER_WITHIN_MS = 5_000;
const DEFAULT_LIMIT = 20;

interface LogLine {
  level: number;
  msg?: string;
  context?: string;
}
const WARN = 40;
const INFO = 30;

let redisPort: number;
let redis: Spawned | undefined;
let a: TestApp;
let b: TestApp;
let urlA: string;
let urlB: string;
const logsA: LogLine[] = [];

async function startRedis(): Promise<void> {
  redis = spawnProcess(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
  );
  await redis.waitFor(/Ready to accept connections/, 10_000);
}

async function killRedis(): Promise<void> {
  if (redis) await stopProcess(redis, 'SIGKILL');
  redis = undefined;
}

/** A pino destination that keeps the app's log lines (JSON) in `lines`. */
function collectInto(lines: LogLine[]) {
  return {
    write(line: string) {
      lines.push(JSON.parse(line) as LogLine);
    },
  } as unknown as ReturnType<typeof pino.destination>;
}

/** What Redis coming back or going away sets in motion: a few reconnection and probe intervals. */
const eventually = (check: () => Promise<boolean> | boolean) => eventuallyWithin(check, 15_000);

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await run();
  return { value, ms: Date.now() - started };
}

function profile(t: TestApp, user: RegisteredUser) {
  return t.request({ url: '/api/auth/profile', headers: bearer(user.token), remoteAddress: randomIp() });
}

/** X-RateLimit-Remaining of a profile request as `user` (counted by account under the default limit). */
async function remaining(t: TestApp, user: RegisteredUser): Promise<number> {
  const res = await profile(t, user);
  expect(res.status).toBe(200);
  return Number(res.headers['x-ratelimit-remaining']);
}

/** Whether a room event sent by a client on `from` reaches a client of the same call on `to`. */
async function roomEventCrosses(from: TestApp, fromUrl: string, toUrl: string): Promise<boolean> {
  const { call, host, guest } = await callWithGuestInRoom(from, toUrl, fromUrl);
  const message = nextEvent(host, 'new-message', 1_500).then(
    () => true,
    () => false,
  );
  expect(await emitWithAck(guest, 'send-message', { roomId: call.id, message: 'across' })).toMatchObject({
    success: true,
  });
  const crossed = await message;
  host.close();
  guest.close();
  return crossed;
}

/** Two clients of one call, both on instance A, both in the call's room. */
async function twoClientsInACall(): Promise<{
  host: ClientSocket;
  guest: ClientSocket;
  hostUser: RegisteredUser;
  guestUser: RegisteredUser;
  callId: string;
}> {
  const { call, hostUser, guestUser, host, guest } = await callWithGuestInRoom(a, urlA);
  return { host, guest, hostUser, guestUser, callId: call.id };
}

/** A second connection of one user on instance A ends the first, which first receives `session-replaced`. */
async function expectReplaced(): Promise<void> {
  const user = await makeUser(a);
  const first = await connectSocket(urlA, user.token);
  const ended = Promise.all([
    nextEvent<{ reason: string }>(first, 'session-replaced', ANSWER_WITHIN_MS),
    nextEvent(first, 'disconnect', ANSWER_WITHIN_MS),
  ]);
  const second = await connectSocket(urlA, user.token);
  const [replaced, disconnect] = await ended;
  expect(replaced).toMatchObject({ reason: 'session-replaced' });
  expect(disconnect).toBe('io server disconnect');
  expect(await emitWithAck(second, 'ping')).toMatchObject({ success: true, data: { userId: user.id } });
}

function redisLines(level: number, pattern: RegExp): LogLine[] {
  return logsA.filter((line) => line.level === level && pattern.test(line.msg ?? ''));
}
const RATE_LIMIT_LOG = /rate limit/i;
const FAN_OUT_LOG = /Socket\.IO/;

beforeAll(async () => {
  redisPort = await freePort();
  await startRedis();
  const shared = {
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    MONGODB_URI: testDatabaseUri(),
    JWT_SECRET: randomBytes(32).toString('hex'),
    THROTTLE_DEFAULT_LIMIT: String(DEFAULT_LIMIT),
    LOG_LEVEL: 'info',
    HEALTH_DETAILS: 'public',
  };
  const destination = jest.spyOn(pino, 'destination');
  destination.mockImplementationOnce(() => collectInto(logsA));
  a = await startTestApp({ env: shared });
  destination.mockImplementationOnce(() => collectInto([]));
  b = await startTestApp({ env: shared });
  destination.mockRestore();
  urlA = await listenForSockets(a);
  urlB = await listenForSockets(b);
}, 60_000);

afterEach(() => closeSockets());

afterAll(async () => {
  await a?.close();
  await b?.close();
  await killRedis();
});

describe('Redis down while REDIS_URL is set', () => {
  it('with Redis up, the instances share rate limits and room events', async () => {
    const user = await makeUser(a);
    const first = await remaining(a, user);
    expect(await remaining(b, user)).toBe(first - 1);
    expect(await roomEventCrosses(b, urlB, urlA)).toBe(true);
    const health = await a.request({ url: '/api/health/external' });
    expect(health.body.data.data.redis).toMatchObject({ status: 'healthy', data: { configured: true } });
  });

  it('with Redis up, a second connection replaces the first on the same instance, which is told why first', async () => {
    await expectReplaced();
  });

  it('with Redis killed, REST and login answer in time, never 5xx', async () => {
    const [user, other] = await Promise.all([makeUser(a), makeUser(a)]);
    await killRedis();

    const answers = await Promise.all([
      timed(() => profile(a, user)),
      timed(() =>
        a.request({
          method: 'POST',
          url: '/api/auth/login',
          body: { email: other.email, password: other.password },
          remoteAddress: randomIp(),
        }),
      ),
      timed(() => makeUser(a).then(() => ({ status: 201 }))),
      timed(() =>
        a.request({
          method: 'POST',
          url: '/api/calls',
          headers: bearer(user.token),
          body: { callType: 'video', callMode: 'group', title: 'During the outage' },
        }),
      ),
      timed(() => a.request({ url: '/api/calls/active', headers: bearer(other.token) })),
    ]);
    expect(answers.map(({ value }) => value.status)).toEqual([200, 200, 201, 201, 200]);
    for (const { ms } of answers) expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
  });

  it('while Redis is down, rate limits still hold, counted on this instance alone', async () => {
    const user = await makeUser(a);
    const first = await remaining(a, user);
    expect(first).toBe(DEFAULT_LIMIT - 1);
    // Not shared: instance B counts its own requests from the start.
    expect(await remaining(b, user)).toBe(DEFAULT_LIMIT - 1);
    for (let i = 1; i < DEFAULT_LIMIT; i++) expect((await profile(a, user)).status).toBe(200);
    const refused = await profile(a, user);
    expect(refused.status).toBe(429);
    expect(refused.body.errorCode).toBe('TOO_MANY_REQUESTS');
  });

  it('while Redis is down, sockets connect and room events and signals reach clients of the same instance at once', async () => {
    const { host, guest, hostUser, guestUser, callId } = await twoClientsInACall();

    const message = nextEvent<{ message: string }>(host, 'new-message', ANSWER_WITHIN_MS);
    const sent = await timed(() =>
      emitWithAck<AckAnswer>(guest, 'send-message', { roomId: callId, message: 'local fan-out' }),
    );
    expect(sent.value).toMatchObject({ success: true });
    expect(sent.ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(await message).toMatchObject({ userId: guestUser.id, message: 'local fan-out', roomId: callId });

    const signal = nextEvent(guest, 'webrtc-signal', ANSWER_WITHIN_MS);
    const relayed = await timed(() =>
      emitWithAck<AckAnswer>(host, 'webrtc-signal', {
        targetUserId: guestUser.id,
        signal: { type: 'offer', sdp: 'v=0' },
        type: 'offer',
      }),
    );
    expect(relayed.value).toMatchObject({ success: true });
    expect(relayed.ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(await signal).toMatchObject({ from: hostUser.id, type: 'offer' });

    // A client that drops (its session would be kept in Redis for recovery) harms nobody.
    const left = nextEvent(host, 'user-left', ANSWER_WITHIN_MS);
    guest.io.engine.close();
    expect(await left).toMatchObject({ userId: guestUser.id, roomId: callId });
    expect((await profile(a, hostUser)).status).toBe(200);
  });

  it('while Redis is down, a second connection of a user still replaces the first on the same instance', async () => {
    await expectReplaced();
  });

  it('while Redis is down, health says so (Redis unhealthy, a warning, 200) and the log says it once', async () => {
    const external = await a.request({ url: '/api/health/external' });
    expect(external.status).toBe(200);
    expect(external.body.status).toBe('warning');
    expect(external.body.data.data.redis).toMatchObject({ status: 'unhealthy', data: { configured: true } });
    expect(external.body.data.data.redis.message).toMatch(/this instance/);

    // The whole report: Redis makes it a warning at worst (cpu or memory of a busy machine may make it worse).
    const report = await a.request({ url: '/api/health' });
    expect(report.body.data.checks.external.status).toBe('warning');
    expect(report.body.data.checks.dependencies).toMatchObject({
      status: 'warning',
      data: { services: { redis: { required: false, status: 'unhealthy' } } },
    });
    expect((await a.request({ url: '/api/health/ready' })).status).toBe(200);
    expect((await a.request({ url: '/api/health/live' })).status).toBe(200);

    expect(redisLines(WARN, RATE_LIMIT_LOG)).toHaveLength(1);
    expect(redisLines(WARN, FAN_OUT_LOG)).toHaveLength(1);
    expect(redisLines(INFO, RATE_LIMIT_LOG)).toHaveLength(0);
  });

  it('when Redis is back, the same instances share rate limits and room events again, and the log says it once', async () => {
    await startRedis();
    await eventually(async () => {
      const res = await a.request({ url: '/api/health/external' });
      return res.body.data.data.redis.status === 'healthy';
    });

    const user = await makeUser(a);
    await eventually(async () => {
      const first = await remaining(a, user);
      return (await remaining(b, user)) === first - 1;
    });
    await eventually(() => roomEventCrosses(a, urlA, urlB));
    await eventually(() => roomEventCrosses(b, urlB, urlA));

    expect(redisLines(INFO, RATE_LIMIT_LOG)).toHaveLength(1);
    expect(redisLines(INFO, FAN_OUT_LOG)).toHaveLength(1);
    expect(redisLines(WARN, RATE_LIMIT_LOG)).toHaveLength(1);
    expect(redisLines(WARN, FAN_OUT_LOG)).toHaveLength(1);
  });

  it('a Redis that stops answering but keeps its connections open (SIGSTOP) holds nothing up either, and is used again once it answers', async () => {
    const [user, other] = await Promise.all([makeUser(a), makeUser(a)]);
    const { host, guest, guestUser, callId } = await twoClientsInACall();
    const logged = (level: number, pattern: RegExp) => redisLines(level, pattern).length;
    const before = [logged(WARN, RATE_LIMIT_LOG), logged(INFO, RATE_LIMIT_LOG), logged(WARN, FAN_OUT_LOG)];
    const pid = redis!.child.pid!;
    process.kill(-pid, 'SIGSTOP');
    try {
      const message = nextEvent(host, 'new-message', ANSWER_WITHIN_MS);
      const answers = await Promise.all([
        timed(() => profile(a, user)),
        timed(() => profile(a, user)),
        timed(() =>
          a.request({
            method: 'POST',
            url: '/api/auth/login',
            body: { email: other.email, password: other.password },
            remoteAddress: randomIp(),
          }),
        ),
        timed(() => emitWithAck<AckAnswer>(guest, 'send-message', { roomId: callId, message: 'frozen' })),
      ]);
      expect(answers.map(({ value }) => ('status' in value ? value.status : value.success))).toEqual([
        200,
        200,
        200,
        true,
      ]);
      for (const { ms } of answers) expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
      expect(await message).toMatchObject({ userId: guestUser.id, message: 'frozen' });
      await eventually(async () => logged(WARN, RATE_LIMIT_LOG) === before[0] + 1);
      const external = await a.request({ url: '/api/health/external' });
      expect(external.body.data.data.redis.status).toBe('unhealthy');
    } finally {
      process.kill(-pid, 'SIGCONT');
    }

    await eventually(async () => {
      const first = await remaining(a, user);
      return (await remaining(b, user)) === first - 1;
    });
    await eventually(() => roomEventCrosses(a, urlA, urlB));
    // Each said once more: down, then back.
    expect([logged(WARN, RATE_LIMIT_LOG), logged(INFO, RATE_LIMIT_LOG), logged(WARN, FAN_OUT_LOG)]).toEqual(
      before.map((count) => count + 1),
    );
  });
});
