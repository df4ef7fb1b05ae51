import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Types } from 'mongoose';
import { EventBus } from '../../apps/api/src/core/events';
import { AuthService } from '../../apps/api/src/modules/auth';
import { bearer, makeUser, RegisteredUser } from '../factories/users';
import { randomIp, TestApp, useTestApp } from '../support/app';
import {
  ClientSocket,
  closeSockets,
  connectSocket,
  emitWithAck,
  firstEvent,
  listenForSockets,
  nextEvent,
  refusedConnection,
} from '../support/sockets';

/** The Socket.IO gateway's foundation: handshake, one connection per user, session ends, acks, errors, event budget. */

const ORIGIN = 'http://localhost:3000';
const t = useTestApp({ env: { CORS_ORIGINS: ORIGIN } });
let url: string;

beforeAll(async () => {
  url = await listenForSockets(t);
});
afterEach(() => {
  closeSockets();
  jest.restoreAllMocks();
});

interface Claims {
  sub: string;
  role: string;
  ver: number;
  jti: string;
  exp: number;
  iat: number;
  iss: string;
  aud: string;
}

/** The user's real token with other claims, signed with the app's key as the app signs. */
function resign(t: TestApp, token: string, changes: Partial<Claims>): string {
  const claims = { ...(jwt.decode(token) as Claims), ...changes };
  return jwt.sign(claims, t.config.jwt.secret, { algorithm: 'HS256' });
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** What the client sees when the server ends its session: the event, then the disconnect. */
async function sessionEnd(socket: ClientSocket, event = 'session-ended') {
  const [payload, reason] = await Promise.all([
    nextEvent<{ reason: string }>(socket, event),
    nextEvent(socket, 'disconnect'),
  ]);
  return { payload, disconnect: reason };
}

async function login(user: RegisteredUser): Promise<string> {
  const res = await t.request({
    method: 'POST',
    url: '/api/auth/login',
    body: { email: user.email, password: user.password },
    remoteAddress: randomIp(),
  });
  expect(res.status).toBe(200);
  return res.body.data.token as string;
}

describe('handshake', () => {
  it('connects with a good token, and message handlers see the authenticated user', async () => {
    const user = await makeUser(t);
    const socket = await connectSocket(url, user.token);
    expect(socket.connected).toBe(true);
    // JwtAuthGuard lets a message through only with socket.data.user; @CurrentUser() reads the same.
    const answer = await emitWithAck<{ success: boolean; data: { userId: string } }>(socket, 'ping');
    expect(answer).toMatchObject({ success: true, data: { pong: true, userId: user.id } });
  });

  it('connects over HTTP long-polling too (Socket.IO’s default start)', async () => {
    const user = await makeUser(t);
    const socket = await connectSocket(url, user.token, { transports: ['polling'] });
    expect(await emitWithAck(socket, 'ping')).toMatchObject({ success: true });
  });

  it('refuses a handshake without a token, or with an empty one', async () => {
    for (const auth of [undefined, '']) {
      const error = await refusedConnection(url, auth);
      expect(error.message).toBe('UNAUTHORIZED');
      expect(error.data).toEqual({ errorCode: 'UNAUTHORIZED', message: expect.stringMatching(/auth\.token/) });
    }
  });

  it('refuses a tampered token, another algorithm or key, an unsigned one, and a wrong issuer or audience', async () => {
    const user = await makeUser(t);
    const [head, body, signature] = user.token.split('.');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Claims;
    const admin = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${body}.`;
    const otherKey = jwt.sign(claims, 'another-secret-that-is-long-enough-0123456789', { algorithm: 'HS256' });
    const unsignedMixed = `${Buffer.from('{"alg":"None","typ":"JWT"}').toString('base64url')}.${body}.`;
    const hs512 = jwt.sign(claims, t.config.jwt.secret, { algorithm: 'HS512' });
    // An RS256 header over an HMAC signature made with the secret (algorithm confusion).
    const rsHead = Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url');
    const rs256 = `${rsHead}.${body}.${createHmac('sha256', t.config.jwt.secret).update(`${rsHead}.${body}`).digest('base64url')}`;
    const wrongIssuer = resign(t, user.token, { iss: 'someone-else' });
    const wrongAudience = resign(t, user.token, { aud: 'another-api' });
    for (const token of [
      `${head}.${admin}.${signature}`,
      unsigned,
      unsignedMixed,
      hs512,
      rs256,
      wrongIssuer,
      wrongAudience,
      otherKey,
      'not-a-jwt',
    ]) {
      const error = await refusedConnection(url, token);
      expect(error.message).toBe('UNAUTHORIZED');
      expect(error.data?.message).toBe('Invalid authentication token');
    }
  });

  it('refuses an expired token', async () => {
    const user = await makeUser(t);
    for (const exp of [nowSeconds() - 10, nowSeconds() - 1]) {
      const error = await refusedConnection(url, resign(t, user.token, { exp }));
      expect(error.message).toBe('UNAUTHORIZED');
      expect(error.data?.message).toMatch(/expired/);
    }
  });

  it('refuses the token of a suspended or deleted account', async () => {
    const users = (await t.db()).collection('users');
    for (const status of ['suspended', 'deleted']) {
      const user = await makeUser(t);
      await users.updateOne({ _id: new Types.ObjectId(user.id) }, { $set: { accountStatus: status } });
      const error = await refusedConnection(url, user.token);
      expect(error.message).toBe('UNAUTHORIZED');
    }
  });

  it('refuses a token revoked by logout, and one older than a password change', async () => {
    const user = await makeUser(t);
    const loggedOut = await login(user);
    expect((await t.request({ method: 'POST', url: '/api/auth/logout', headers: bearer(loggedOut) })).status).toBe(200);
    expect((await refusedConnection(url, loggedOut)).message).toBe('UNAUTHORIZED');

    const changed = await t.request({
      method: 'POST',
      url: '/api/auth/change-password',
      headers: bearer(user.token),
      body: { currentPassword: user.password, newPassword: 'AnotherPass456' },
    });
    expect(changed.status).toBe(200);
    expect((await refusedConnection(url, user.token)).data?.message).toMatch(/revoked/);
    await connectSocket(url, changed.body.data.token as string);
  });

  it('refuses a browser page of an origin outside CORS_ORIGINS, accepts one inside', async () => {
    const user = await makeUser(t);
    const error = await refusedConnection(url, user.token, { extraHeaders: { origin: 'https://evil.example' } });
    expect(error.message).not.toBe('UNAUTHORIZED');
    const socket = await connectSocket(url, user.token, { extraHeaders: { origin: ORIGIN } });
    expect(socket.connected).toBe(true);
  });

  it('leaves plain HTTP alone: /socket.io/ is Socket.IO’s, the API still answers', async () => {
    const socketIo = await fetch(`${url}/socket.io/`);
    expect(socketIo.status).toBe(400);
    expect(await socketIo.json()).toEqual({ code: 0, message: 'Transport unknown' });
    const health = await fetch(`${url}/api/health/live`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toBeTruthy();
  });

  it('answers its own HTTP requests with the API’s security headers and a request id', async () => {
    const handshake = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, {
      headers: { 'X-Request-Id': 'client-chosen.42' },
    });
    expect(handshake.status).toBe(200);
    expect(handshake.headers.get('x-request-id')).toBe('client-chosen.42');
    expect(handshake.headers.get('x-content-type-options')).toBe('nosniff');
    expect(handshake.headers.get('content-security-policy')).toContain("default-src 'self'");
    const hostile = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, {
      headers: { 'X-Request-Id': 'a\tb' },
    });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('sessions that end', () => {
  it('disconnects the socket of a token revoked by logout at once, with the reason', async () => {
    const user = await makeUser(t);
    const socket = await connectSocket(url, user.token);
    const ended = sessionEnd(socket);
    await t.request({ method: 'POST', url: '/api/auth/logout', headers: bearer(user.token) });
    const { payload, disconnect } = await ended;
    expect(payload).toMatchObject({ reason: 'logout', message: expect.any(String), timestamp: expect.any(String) });
    expect(disconnect).toBe('io server disconnect');
  });

  it('keeps a socket whose token is not the one logged out', async () => {
    const user = await makeUser(t);
    const other = await login(user);
    const socket = await connectSocket(url, user.token);
    let ended = false;
    socket.on('session-ended', () => (ended = true));
    await t.request({ method: 'POST', url: '/api/auth/logout', headers: bearer(other) });
    // The logout's event has been handled by the time the REST answer is back; a ping proves the socket is alive.
    expect(await emitWithAck(socket, 'ping')).toMatchObject({ success: true });
    expect(ended).toBe(false);
  });

  it('disconnects the sockets of older tokens on a password change', async () => {
    const user = await makeUser(t);
    const socket = await connectSocket(url, user.token);
    const ended = sessionEnd(socket);
    const res = await t.request({
      method: 'POST',
      url: '/api/auth/change-password',
      headers: bearer(user.token),
      body: { currentPassword: user.password, newPassword: 'AnotherPass456' },
    });
    expect(res.status).toBe(200);
    expect((await ended).payload.reason).toBe('password-changed');
  });

  it('disconnects a suspended or deleted user (events from any instance)', async () => {
    for (const [event, reason] of [
      ['user.suspended', 'account-suspended'],
      ['user.deleted', 'account-deleted'],
    ] as const) {
      const user = await makeUser(t);
      const bystander = await makeUser(t);
      const socket = await connectSocket(url, user.token);
      const other = await connectSocket(url, bystander.token);
      const ended = sessionEnd(socket);
      t.app.get(EventBus).publish(event, { userId: user.id, by: null, at: new Date().toISOString() });
      expect((await ended).payload.reason).toBe(reason);
      expect(other.connected).toBe(true);
    }
  });

  it('ends a session whose token is revoked while its handshake is being checked, keeping the live one', async () => {
    const user = await makeUser(t);
    const live = await connectSocket(url, await login(user));
    let replaced = false;
    live.on('session-replaced', () => (replaced = true));
    const auth = t.app.get(AuthService);
    const real = auth.authenticate.bind(auth);
    // The handshake's checks pass, then the token is logged out before the socket is connected.
    jest.spyOn(auth, 'authenticate').mockImplementationOnce(async (claims) => {
      const authenticated = await real(claims);
      await t.request({ method: 'POST', url: '/api/auth/logout', headers: bearer(user.token) });
      return authenticated;
    });
    const socket = await connectSocket(url, user.token);
    expect(await firstEvent(socket, 'session-ended')).toMatchObject({ reason: 'logout' });
    expect(await firstEvent(socket, 'disconnect')).toBe('io server disconnect');
    // A connection that is already revoked replaces nothing.
    expect(await emitWithAck(live, 'ping')).toMatchObject({ success: true });
    expect(replaced).toBe(false);
  });

  it('ends the session of an account suspended while its handshake is being checked', async () => {
    const user = await makeUser(t);
    const auth = t.app.get(AuthService);
    const real = auth.authenticate.bind(auth);
    jest.spyOn(auth, 'authenticate').mockImplementationOnce(async (claims) => {
      const authenticated = await real(claims);
      t.app.get(EventBus).publish('user.suspended', { userId: user.id, by: null, at: new Date().toISOString() });
      return authenticated;
    });
    const socket = await connectSocket(url, user.token);
    expect(await firstEvent(socket, 'session-ended')).toMatchObject({ reason: 'account-suspended' });
    expect(await firstEvent(socket, 'disconnect')).toBe('io server disconnect');
  });

  it('disconnects a socket when its token expires, with token-expired', async () => {
    const user = await makeUser(t);
    const socket = await connectSocket(url, resign(t, user.token, { exp: nowSeconds() + 2 }));
    const { payload, disconnect } = await sessionEnd(socket);
    expect(payload.reason).toBe('token-expired');
    expect(disconnect).toBe('io server disconnect');
  });

  it('replaces the older connection of a user with the newer one', async () => {
    const user = await makeUser(t);
    const first = await connectSocket(url, user.token);
    const replaced = sessionEnd(first, 'session-replaced');
    const second = await connectSocket(url, await login(user));
    const { payload, disconnect } = await replaced;
    expect(payload).toMatchObject({ reason: 'session-replaced' });
    expect(disconnect).toBe('io server disconnect');
    expect(await emitWithAck(second, 'ping')).toMatchObject({ success: true });
    expect(second.connected).toBe(true);
  });
});

describe('acknowledgements and errors', () => {
  it('answers ping with its data, echoing a valid field', async () => {
    const user = await makeUser(t);
    const socket = await connectSocket(url, user.token);
    const answer = await emitWithAck(socket, 'ping', { echo: 'hello' });
    expect(answer).toEqual({
      success: true,
      data: { pong: true, at: expect.any(String), userId: user.id, echo: 'hello' },
    });
  });

  it('refuses an invalid payload with BAD_REQUEST and the field errors, through the acknowledgement', async () => {
    const user = await makeUser(t);
    const socket = await connectSocket(url, user.token);
    for (const payload of [{ echo: 42 }, { echo: 'x'.repeat(101) }, { unexpected: true }, 'a string']) {
      const answer = await emitWithAck(socket, 'ping', payload);
      expect(answer).toMatchObject({ success: false, errorCode: 'BAD_REQUEST', message: expect.any(String) });
    }
    expect(await emitWithAck(socket, 'ping', { echo: 42 })).toMatchObject({
      errors: expect.arrayContaining([{ field: 'echo', message: 'echo must be a string' }]),
    });
  });

  it('sends the error as an error event when the client gave no acknowledgement', async () => {
    const user = await makeUser(t);
    const socket = await connectSocket(url, user.token);
    const error = nextEvent(socket, 'error');
    socket.emit('ping', { echo: 42 });
    expect(await error).toMatchObject({ success: false, errorCode: 'BAD_REQUEST', message: expect.any(String) });
  });

  it('closes the connection of a message larger than SOCKET_MAX_BUFFER', async () => {
    const user = await makeUser(t);
    const socket = await connectSocket(url, user.token);
    const dropped = nextEvent<string>(socket, 'disconnect');
    // Over the 100,000 bytes of .env.example, far under Socket.IO's own default of 1 MB.
    socket.emit('ping', { echo: 'x'.repeat(t.config.realtime.maxBufferBytes + 1000) });
    expect(await dropped).toMatch(/^transport (close|error)$/);
  });

  it('answers an unknown event with BAD_REQUEST, and a client event named error harms nothing', async () => {
    const user = await makeUser(t);
    const socket = await connectSocket(url, user.token);
    expect(await emitWithAck(socket, 'no-such-event', {})).toMatchObject({
      success: false,
      errorCode: 'BAD_REQUEST',
      message: expect.stringMatching(/Unknown event/),
    });
    const answered = nextEvent(socket, 'error');
    socket.emit('error', { boom: true });
    expect(await answered).toMatchObject({ errorCode: 'BAD_REQUEST' });
    expect(await emitWithAck(socket, 'ping')).toMatchObject({ success: true });
  });
});

describe('event rate limit', () => {
  it('answers events over the budget TOO_MANY_REQUESTS and serves the rest', async () => {
    const user = await makeUser(t);
    const socket = await connectSocket(url, user.token);
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => emitWithAck<{ success: boolean; errorCode?: string }>(socket, 'ping')),
    );
    const refused = answers.filter((a) => a.errorCode === 'TOO_MANY_REQUESTS');
    expect(refused.length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.success).length).toBeGreaterThanOrEqual(40);
    expect(refused.length + answers.filter((a) => a.success).length).toBe(100);
    expect(socket.connected).toBe(true);
  });

  it('disconnects a socket that keeps flooding, with rate-limited', async () => {
    const user = await makeUser(t);
    const socket = await connectSocket(url, user.token);
    const errors: string[] = [];
    socket.on('error', (e: { errorCode: string }) => errors.push(e.errorCode));
    const ended = sessionEnd(socket);
    // 30 events every 100 ms, well over 20/s, without acknowledgements, until the server hangs up.
    const flood = setInterval(() => {
      for (let i = 0; i < 30; i++) socket.emit('ping');
    }, 100);
    try {
      expect((await ended).payload.reason).toBe('rate-limited');
    } finally {
      clearInterval(flood);
    }
    expect(errors).toContain('TOO_MANY_REQUESTS');
  });
});
