import { makeCall } from '../factories/calls';
import { bearer, makeStaff, makeUser, RegisteredUser } from '../factories/users';
import { InjectOptions, randomIp, useTestApp } from '../support/app';
import {
  AckAnswer,
  ClientSocket,
  closeSockets,
  connectSocket,
  emitWithAck,
  listenForSockets,
  nextEvent,
} from '../support/sockets';
import { registeredRoutes, RegisteredRoute } from '../support/routes';

/**
 * The limits of .env.example as an attacker meets them: rate limits that a forged
 * X-Forwarded-For does not reset, the body limit to the byte, the socket buffer, and page sizes.
 * (rate-limit.e2e-spec.ts proves the mechanics with small limits on test routes.)
 */
const t = useTestApp();
let url: string;

beforeAll(async () => {
  url = await listenForSockets(t);
});
afterEach(() => closeSockets());

const tokenFor = (path: string, user: RegisteredUser, admin: RegisteredUser) =>
  path.startsWith('/api/admin/') ? admin.token : user.token;

describe('rate limits of .env.example, each request with a different X-Forwarded-For (TRUST_PROXY=false)', () => {
  it('reads the limits of .env.example', () => {
    expect(t.config.trustProxy).toBe(false);
    expect(t.config.rateLimits).toMatchObject({
      auth: { limit: 5, ttlSeconds: 60 },
      default: { limit: 100, ttlSeconds: 900 },
      admin: { limit: 50, ttlSeconds: 60 },
    });
  });

  it('answers the 6th sign-in attempt of a minute from one address with 429', async () => {
    const user = await makeUser(t);
    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await t.request({
        method: 'POST',
        url: '/api/auth/login',
        body: { email: user.email, password: `Wrong${i}Pass123` },
        remoteAddress: ip,
        headers: { 'x-forwarded-for': randomIp() },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // Not even the right password gets through now.
    const right = await t.request({
      method: 'POST',
      url: '/api/auth/login',
      body: { email: user.email, password: user.password },
      remoteAddress: ip,
      headers: { 'x-forwarded-for': randomIp() },
    });
    expect(right.status).toBe(429);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('answers the 6th request to the other public auth routes with 429 too', async () => {
    for (const [method, path, body] of [
      ['POST', '/api/auth/register', { email: 'not-an-email' }],
      ['POST', '/api/auth/forgot-password', { email: 'nobody@example.com' }],
      ['POST', '/api/auth/resend-verification', { email: 'nobody@example.com' }],
      ['POST', '/api/auth/reset-password/abc', { newPassword: 'NewPass123' }],
      ['GET', '/api/auth/verify-email/abc', undefined],
    ] as const) {
      const ip = randomIp();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await t.request({
          method,
          url: path,
          body,
          remoteAddress: ip,
          headers: { 'x-forwarded-for': randomIp() },
        });
        statuses.push(res.status);
      }
      expect({ path, first: statuses.slice(0, 5).includes(429), sixth: statuses[5] }).toEqual({
        path,
        first: false,
        sixth: 429,
      });
    }
  });

  it('counts the auth routes together: three sign-ins and three reset requests make the 6th', async () => {
    const ip = randomIp();
    const statuses: number[] = [];
    for (const path of ['login', 'login', 'login', 'forgot-password', 'forgot-password', 'forgot-password']) {
      const body =
        path === 'login' ? { email: 'nobody@example.com', password: 'Wrong1Pass' } : { email: 'nobody@example.com' };
      const res = await t.request({
        method: 'POST',
        url: `/api/auth/${path}`,
        body,
        remoteAddress: ip,
        headers: { 'x-forwarded-for': randomIp() },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 200, 200, 429]);
  });

  it("answers a signed-in user's 101st request in the window with 429", async () => {
    const user = await makeUser(t);
    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 101; i++) {
      const res = await t.request({
        url: '/api/auth/profile',
        headers: { ...bearer(user.token), 'x-forwarded-for': randomIp() },
        remoteAddress: ip,
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 100).every((s) => s === 200)).toBe(true);
    expect(statuses[100]).toBe(429);
    // Another address does not help: the count is the account's.
    const elsewhere = await t.request({
      url: '/api/calls/active',
      headers: bearer(user.token),
      remoteAddress: randomIp(),
    });
    expect(elsewhere.status).toBe(429);
  });

  it("answers an admin's 51st admin request in the minute with 429", async () => {
    const admin = await makeStaff(t, 'admin');
    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 51; i++) {
      const res = await t.request({
        url: '/api/admin/system/stats',
        headers: { ...bearer(admin.token), 'x-forwarded-for': randomIp() },
        remoteAddress: ip,
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 50).every((s) => s === 200)).toBe(true);
    expect(statuses[50]).toBe(429);
    expect(
      (await t.request({ url: '/api/admin/users', headers: bearer(admin.token), remoteAddress: randomIp() })).status,
    ).toBe(429);
  });
});

describe('body size', () => {
  let user: RegisteredUser;
  let admin: RegisteredUser;
  let callId: string;
  beforeAll(async () => {
    user = await makeUser(t);
    admin = await makeStaff(t, 'admin');
    callId = (await makeCall(t, user)).id as string;
  });

  /** A JSON body of exactly `bytes` bytes: one unknown field padded to length. */
  const bodyOf = (bytes: number) => {
    const shell = '{"padding":""}';
    return `{"padding":"${'x'.repeat(bytes - shell.length)}"}`;
  };

  it('answers one byte over BODY_LIMIT with 413 on every route that takes a body, and the limit itself with 400', async () => {
    const limit = t.config.bodyLimit;
    expect(limit).toBe(102_400);
    expect(Buffer.byteLength(bodyOf(limit + 1))).toBe(limit + 1);
    const routes = registeredRoutes(t).filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method));
    expect(routes.length).toBeGreaterThanOrEqual(25);
    const problems: string[] = [];
    for (const route of routes) {
      const send = (payload: string) =>
        t.request({
          method: route.method as InjectOptions['method'],
          url: route.path.replace(/:(\w+)/g, (_m, name: string) => (name === 'id' ? callId : '0'.repeat(24))),
          headers: { ...bearer(tokenFor(route.path, user, admin)), 'content-type': 'application/json' },
          payload,
          remoteAddress: randomIp(),
        });
      const over = await send(bodyOf(limit + 1));
      if (over.status !== 413 || over.body.errorCode !== 'PAYLOAD_TOO_LARGE')
        problems.push(`${route.method} ${route.path}: ${limit + 1} bytes → ${over.status}`);
      const at = await send(bodyOf(limit));
      if (at.status === 413 || at.status >= 500)
        problems.push(`${route.method} ${route.path}: ${limit} bytes → ${at.status}`);
    }
    expect(problems).toEqual([]);
  });

  it('counts bytes, not characters', async () => {
    const limit = t.config.bodyLimit;
    // 'é' is two bytes in UTF-8: half as many characters reach the same size.
    const shell = '{"padding":""}';
    const payload = `{"padding":"${'é'.repeat((limit - shell.length) / 2)}x"}`;
    expect(Buffer.byteLength(payload)).toBe(limit + 1);
    const res = await t.request({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload,
      remoteAddress: randomIp(),
    });
    expect(res.status).toBe(413);
  });
});

describe('socket message size', () => {
  it("closes the connection of a message over SOCKET_MAX_BUFFER, and only that one: another user's socket stays", async () => {
    const [alice, bob] = [await makeUser(t), await makeUser(t)];
    const [sender, bystander] = [await connectSocket(url, alice.token), await connectSocket(url, bob.token)];
    const dropped = nextEvent<string>(sender, 'disconnect');
    const bystanderDropped = jest.fn();
    bystander.on('disconnect', bystanderDropped);

    sender.emit('ping', { echo: 'x'.repeat(t.config.realtime.maxBufferBytes + 1) });
    expect(await dropped).toMatch(/^transport (close|error)$/);

    expect(await emitWithAck(bystander, 'ping', { echo: 'still here' })).toMatchObject({
      success: true,
      data: { userId: bob.id, echo: 'still here' },
    });
    expect(bystander.connected).toBe(true);
    expect(bystanderDropped).not.toHaveBeenCalled();
    // The sender may come back.
    const again = await connectSocket(url, alice.token);
    expect(await emitWithAck(again, 'ping')).toMatchObject({ success: true });
  });
});

describe('page sizes', () => {
  let user: RegisteredUser;
  let admin: RegisteredUser;
  let callId: string;
  beforeAll(async () => {
    user = await makeUser(t);
    admin = await makeStaff(t, 'admin');
    callId = (await makeCall(t, user)).id as string;
  });

  it('refuses limit=1000000 and other huge page sizes with 400 on every GET route that takes a limit', async () => {
    const doc = (await t.openapi()).document;
    const lists = registeredRoutes(t).filter((route: RegisteredRoute) => {
      const operation = doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()] as
        { parameters?: { in: string; name: string }[] } | undefined;
      return route.method === 'GET' && operation?.parameters?.some((p) => p.in === 'query' && p.name === 'limit');
    });
    expect(lists.map((r) => r.path)).toEqual(
      expect.arrayContaining(['/api/calls/history', '/api/auth/contacts', '/api/admin/users', '/api/admin/calls']),
    );
    const problems: string[] = [];
    for (const route of lists) {
      for (const limit of ['1000000', '1e6', '99999999999999999999', 'Infinity', '-1']) {
        const path = route.path.replace(':id', callId);
        const query = route.path === '/api/auth/search-users' ? `query=test&limit=${limit}` : `limit=${limit}`;
        const res = await t.request({
          url: `${path}?${query}`,
          headers: bearer(tokenFor(route.path, user, admin)),
          remoteAddress: randomIp(),
        });
        if (res.status !== 400 || !res.body.errors?.some((e: { field: string }) => e.field === 'limit'))
          problems.push(`GET ${route.path}?limit=${limit} → ${res.status}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('socket message nesting', () => {
  /** An event written as Socket.IO's own text frame (`2` = event), so the client's encoder never walks the value. */
  const writeRaw = (socket: ClientSocket, event: string, json: string) =>
    socket.io.engine.write(`2[${JSON.stringify(event)},${json}]`);
  const arrays = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

  it('refuses an event nested past BODY_MAX_DEPTH (here as deep as SOCKET_MAX_BUFFER allows) with BAD_REQUEST, and keeps serving', async () => {
    const maxDepth = t.config.bodyMaxDepth;
    // Deep enough to overflow any recursive walk of the value (30,000 levels crashed the process before the check).
    const depth = Math.floor((t.config.realtime.maxBufferBytes - 200) / 2);
    expect(depth).toBeGreaterThan(30_000);
    const user = await makeUser(t);
    const socket = await connectSocket(url, user.token);
    const target = await makeUser(t);

    const bodies: [string, string][] = [
      ['webrtc-signal', `{"targetUserId":"${target.id}","type":"offer","signal":${arrays(depth)}}`],
      ['send-message', `{"roomId":"${target.id}","message":${arrays(depth)}}`],
      ['ping', `{"echo":${arrays(maxDepth)}}`],
    ];
    for (const [event, json] of bodies) {
      const refused = nextEvent<AckAnswer>(socket, 'error');
      writeRaw(socket, event, json);
      expect(await refused).toMatchObject({
        success: false,
        errorCode: 'BAD_REQUEST',
        message: `Event data is nested deeper than ${maxDepth} levels of arrays and objects`,
      });
    }

    // At the limit itself the data reaches validation, which answers as for any wrong type.
    const atLimit = nextEvent<AckAnswer>(socket, 'error');
    writeRaw(socket, 'ping', `{"echo":${arrays(maxDepth - 1)}}`);
    const validation = await atLimit;
    expect(validation).toMatchObject({ success: false, errorCode: 'BAD_REQUEST' });
    expect(validation.message).not.toMatch(/nested/);

    expect(await emitWithAck(socket, 'ping', { echo: 'still here' })).toMatchObject({ success: true });
    expect(socket.connected).toBe(true);
    expect((await t.request({ method: 'GET', url: '/api/health/live' })).status).toBe(200);
  });
});
