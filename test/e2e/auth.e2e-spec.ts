import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Connection, Types } from 'mongoose';
import { bearer, makeUser, userFields } from '../factories/users';
import { randomIp, useTestApp } from '../support/app';

const FORBIDDEN_KEYS = /passwordHash|tokenVersion|"__v"|"_id"/;

describe('accounts: register, login, logout and tokens', () => {
  const t = useTestApp();
  let db: Connection;

  beforeAll(async () => {
    db = await t.db();
  });

  const users = () => db.collection('users');
  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    t.request({ method: 'POST', url, body, headers, remoteAddress: randomIp() });

  describe('POST /api/auth/register', () => {
    it('creates the account (201) and returns the public user and a token', async () => {
      const fields = userFields({
        email: '  Mixed.Case@Example.COM ',
        firstName: '  Ada ',
        phoneNumber: '+14155550100',
      });
      const res = await post('/api/auth/register', fields);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        success: true,
        message: 'User registered successfully',
        data: {
          user: {
            id: expect.stringMatching(/^[0-9a-f]{24}$/),
            firstName: 'Ada',
            lastName: fields.lastName,
            email: 'mixed.case@example.com',
            isEmailVerified: false,
          },
          token: expect.any(String),
        },
      });
      expect(res.text).not.toMatch(FORBIDDEN_KEYS);
      const stored = await users().findOne({ email: 'mixed.case@example.com' });
      expect(stored?.passwordHash).toMatch(/^\$2[aby]\$12\$/);
    });

    it('refuses a second account with the same email, in any case (409)', async () => {
      const user = await makeUser(t);
      const res = await post('/api/auth/register', userFields({ email: user.email.toUpperCase() }));
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ errorCode: 'CONFLICT', message: 'An account with this email already exists' });
    });

    it('creates exactly one account when the same email registers concurrently', async () => {
      const email = userFields().email;
      const results = await Promise.all(
        Array.from({ length: 6 }, () => post('/api/auth/register', userFields({ email }))),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
      expect(await users().countDocuments({ email })).toBe(1);
    });

    it.each([
      ['firstName', { firstName: '' }],
      ['lastName', { lastName: 'x'.repeat(51) }],
      ['email', { email: 'not-an-email' }],
      ['password', { password: 'short1A' }],
      ['password', { password: 'nodigitsHere' }],
      ['password', { password: `Aa1${'é'.repeat(35)}` }],
      ['phoneNumber', { phoneNumber: '0123 456' }],
      ['phoneNumber', { phoneNumber: null }],
      ['role', { role: 'admin' }],
      ['isEmailVerified', { isEmailVerified: true }],
    ])('refuses a bad %s with 400 naming it', async (field, change) => {
      const res = await post('/api/auth/register', userFields(change));
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(res.text).not.toContain('nodigitsHere');
    });
  });

  describe('POST /api/auth/login', () => {
    it('signs in and returns a token, with the status the user chose (online unless they chose another)', async () => {
      const user = await makeUser(t);
      const res = await post('/api/auth/login', { email: user.email.toUpperCase(), password: user.password });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        message: 'Login successful',
        data: { user: { id: user.id, email: user.email, status: 'online' }, token: expect.any(String) },
      });
      expect(res.text).not.toMatch(FORBIDDEN_KEYS);

      const chosen = await t.request({
        method: 'PUT',
        url: '/api/auth/status',
        headers: bearer(user.token),
        body: { status: 'busy' },
      });
      expect(chosen.status).toBe(200);
      const again = await post('/api/auth/login', { email: user.email, password: user.password });
      expect(again.body.data.user.status).toBe('busy');
      const stored = await users().findOne({ _id: new Types.ObjectId(user.id) });
      expect(stored?.presence).toBe('busy');
    });

    it('answers a wrong password and an unknown email alike (401)', async () => {
      const user = await makeUser(t);
      const wrong = await post('/api/auth/login', { email: user.email, password: 'WrongPass123' });
      const unknown = await post('/api/auth/login', { email: `nobody.${user.email}`, password: 'WrongPass123' });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body.message).toBe(unknown.body.message);
      expect(wrong.body.errorCode).toBe('UNAUTHORIZED');
    });

    it('refuses a suspended account with 403 and a deleted one with 401', async () => {
      const suspended = await makeUser(t);
      const deleted = await makeUser(t);
      await users().updateOne({ _id: new Types.ObjectId(suspended.id) }, { $set: { accountStatus: 'suspended' } });
      await users().updateOne({ _id: new Types.ObjectId(deleted.id) }, { $set: { accountStatus: 'deleted' } });
      const a = await post('/api/auth/login', { email: suspended.email, password: suspended.password });
      expect(a.status).toBe(403);
      expect(a.body.message).toMatch(/suspended/);
      const b = await post('/api/auth/login', { email: deleted.email, password: deleted.password });
      expect(b.status).toBe(401);
    });

    it('limits login attempts per client address to 5 a minute, whatever X-Forwarded-For says', async () => {
      const ip = randomIp();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await t.request({
          method: 'POST',
          url: '/api/auth/login',
          body: { email: 'nobody@example.com', password: 'WrongPass123' },
          remoteAddress: ip,
          headers: { 'x-forwarded-for': randomIp() },
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    });
  });

  it.each([
    ['login', { email: { $gt: '' }, password: 'SecurePass123' }],
    ['login', { email: 'a@example.com', password: { $ne: null } }],
    ['register', { ...userFields(), email: { $gt: '' } }],
  ])('refuses an operator object in %s with 400, never a login', async (route, body) => {
    await makeUser(t);
    const res = await post(`/api/auth/${route}`, body);
    expect(res.status).toBe(400);
    expect(res.body.errorCode).toBe('BAD_REQUEST');
    expect(res.body.data).toBeUndefined();
    expect(res.text).not.toMatch(/"token"/);
  });

  describe('passwords longer than bcrypt reads (72 bytes)', () => {
    const exact = `Aa1${'x'.repeat(69)}`;

    it('refuses a login whose password only starts with the right 72 bytes (400), and logs in with them', async () => {
      const user = await makeUser(t, { password: exact });
      expect(Buffer.byteLength(exact)).toBe(72);
      for (const extra of ['y', 'anything else', 'é']) {
        const res = await post('/api/auth/login', { email: user.email, password: exact + extra });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ field: 'password', message: 'password must be 1 to 72 bytes long' }]);
        expect(res.text).not.toMatch(/"token"/);
      }
      expect((await post('/api/auth/login', { email: user.email, password: exact })).status).toBe(200);
    });

    it('refuses a current password over 72 bytes in change-password, and new passwords over 72 bytes', async () => {
      const user = await makeUser(t, { password: exact });
      const change = (body: Record<string, string>) =>
        t.request({ method: 'POST', url: '/api/auth/change-password', headers: bearer(user.token), body });
      const longCurrent = await change({ currentPassword: `${exact}z`, newPassword: 'Another123' });
      expect(longCurrent.status).toBe(400);
      expect(longCurrent.body.errors[0].field).toBe('currentPassword');
      const longNew = await change({ currentPassword: exact, newPassword: `${exact}z` });
      expect(longNew.status).toBe(400);
      expect(longNew.body.errors[0].field).toBe('newPassword');
      // Bytes count, not characters: 'Aa1' and 35 × 'é' (2 bytes each) are 38 characters but 73 bytes.
      const wide = await change({ currentPassword: exact, newPassword: `Aa1${'é'.repeat(35)}` });
      expect(wide.status).toBe(400);
      expect((await post('/api/auth/login', { email: user.email, password: exact })).status).toBe(200);
    });
  });

  describe('tokens', () => {
    const profile = (token: string) => t.request({ url: '/api/auth/profile', headers: bearer(token) });

    it('refuses a request without a token, and a malformed header', async () => {
      const none = await t.request({ url: '/api/auth/profile' });
      expect(none.status).toBe(401);
      expect(none.body).toMatchObject({ errorCode: 'UNAUTHORIZED', message: expect.stringMatching(/Bearer/) });
      expect((await t.request({ url: '/api/auth/profile', headers: { authorization: 'Basic abc' } })).status).toBe(401);
    });

    it('refuses a tampered signature, another algorithm, alg none in any case, an expired token and a wrong issuer or audience', async () => {
      const user = await makeUser(t);
      const claims = jwt.decode(user.token) as Record<string, unknown>;
      const [header, payload, signature] = user.token.split('.');
      const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
      const tampered = `${header}.${forged}.${signature}`;
      const hs512 = jwt.sign(claims, t.config.jwt.secret, { algorithm: 'HS512' });
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
      const noneUpper = `${Buffer.from('{"alg":"NONE","typ":"JWT"}').toString('base64url')}.${payload}.`;
      const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, t.config.jwt.secret, {
        algorithm: 'HS256',
      });
      const otherSecret = jwt.sign(claims, 'another-secret-that-is-long-enough-000000', { algorithm: 'HS256' });
      const noneMixed = `${Buffer.from('{"alg":"None","typ":"JWT"}').toString('base64url')}.${payload}.`;
      // An RS256 header over an HMAC signature made with the secret (algorithm confusion).
      const rsHeader = Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url');
      const rsSignature = createHmac('sha256', t.config.jwt.secret)
        .update(`${rsHeader}.${payload}`)
        .digest('base64url');
      const rs256 = `${rsHeader}.${payload}.${rsSignature}`;
      const hs256 = (overrides: Record<string, unknown>) =>
        jwt.sign({ ...claims, ...overrides }, t.config.jwt.secret, { algorithm: 'HS256' });
      const expiredBySecond = hs256({ exp: Math.floor(Date.now() / 1000) - 1 });
      const wrongIssuer = hs256({ iss: 'someone-else' });
      const wrongAudience = hs256({ aud: 'another-api' });
      for (const token of [
        tampered,
        hs512,
        none,
        noneUpper,
        noneMixed,
        rs256,
        expired,
        expiredBySecond,
        wrongIssuer,
        wrongAudience,
        otherSecret,
      ]) {
        const res = await profile(token);
        expect(res.status).toBe(401);
        expect(res.body.errorCode).toBe('UNAUTHORIZED');
      }
      expect((await profile(expired)).body.message).toMatch(/expired/);
      expect((await profile(user.token)).status).toBe(200);
    });

    it('refuses a correctly signed token without exp (it would never expire and outlive its logout)', async () => {
      const user = await makeUser(t);
      const { exp: _exp, iat: _iat, ...claims } = jwt.decode(user.token) as Record<string, unknown>;
      const forever = jwt.sign(claims, t.config.jwt.secret, { algorithm: 'HS256' });
      expect((jwt.decode(forever) as Record<string, unknown>).exp).toBeUndefined();
      const res = await profile(forever);
      expect(res.status).toBe(401);
      expect(res.body.errorCode).toBe('UNAUTHORIZED');
      const logout = await t.request({ method: 'POST', url: '/api/auth/logout', headers: bearer(forever) });
      expect(logout.status).toBe(401);
    });

    it('carries sub, role, jti and the token version, and expires in 7 days', async () => {
      const user = await makeUser(t);
      const claims = jwt.decode(user.token, { complete: true }) as jwt.Jwt;
      expect(claims.header.alg).toBe('HS256');
      const payload = claims.payload as jwt.JwtPayload;
      expect(payload).toMatchObject({
        sub: user.id,
        role: 'user',
        ver: 0,
        iss: 'video-call-api',
        aud: 'video-call-api',
      });
      expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
      expect(payload.exp! - payload.iat!).toBe(7 * 24 * 3600);
    });

    it('logout revokes that token only and keeps the status the user chose', async () => {
      const user = await makeUser(t);
      const second = await post('/api/auth/login', { email: user.email, password: user.password });
      const out = await t.request({ method: 'POST', url: '/api/auth/logout', headers: bearer(user.token) });
      expect(out.status).toBe(200);
      expect(out.body).toMatchObject({ success: true, message: 'Logout successful' });
      expect((await profile(user.token)).status).toBe(401);
      const other = await profile(second.body.data.token);
      expect(other.status).toBe(200);
      const stored = await users().findOne({ _id: new Types.ObjectId(user.id) });
      expect(stored?.presence).toBe('online');
    });

    it('stops the tokens of a suspended, deleted or removed user at once', async () => {
      const [suspended, deleted, removed] = await Promise.all([makeUser(t), makeUser(t), makeUser(t)]);
      await users().updateOne({ _id: new Types.ObjectId(suspended.id) }, { $set: { accountStatus: 'suspended' } });
      await users().updateOne({ _id: new Types.ObjectId(deleted.id) }, { $set: { accountStatus: 'deleted' } });
      await users().deleteOne({ _id: new Types.ObjectId(removed.id) });
      for (const user of [suspended, deleted, removed]) expect((await profile(user.token)).status).toBe(401);
    });

    it('stops every earlier token when the token version changes (password change or reset)', async () => {
      const user = await makeUser(t);
      await users().updateOne({ _id: new Types.ObjectId(user.id) }, { $inc: { tokenVersion: 1 } });
      const res = await profile(user.token);
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(/revoked/);
    });
  });
});
