import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Connection, Types } from 'mongoose';
import { AuthHousekeeping } from '../../apps/api/src/modules/auth/auth.housekeeping';
import { bearer, makeUser, RegisteredUser } from '../factories/users';
import { randomIp, startTestApp, TestApp, TestResponse } from '../support/app';
import { mailsTo, outbox, tokenFromMail, waitForMail } from '../support/mail';
import { startSmtpSink, SmtpSink } from '../support/smtp-sink';

const PUBLIC_URL = 'https://app.example.test/web';
const INVALID_LINK = 'This link is invalid or has expired';
const RESET = /Reset your password/;
const VERIFY = /Confirm your email/;

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A response without its timestamp: what must be identical between two answers. */
const shape = (res: TestResponse) => ({ status: res.status, body: { ...res.body, timestamp: undefined } });

describe('password and email flows', () => {
  let t: TestApp;
  let db: Connection;

  beforeAll(async () => {
    t = await startTestApp({ env: { APP_PUBLIC_URL: PUBLIC_URL } });
    db = await t.db();
  });
  afterAll(() => t.close());

  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    t.request({ method: 'POST', url, body, headers, remoteAddress: randomIp() });
  const get = (url: string, headers: Record<string, string> = {}) =>
    t.request({ url, headers, remoteAddress: randomIp() });
  const login = (email: string, password: string) => post('/api/auth/login', { email, password });
  const profile = (token: string) => get('/api/auth/profile', bearer(token));
  const forgot = (email: string) => post('/api/auth/forgot-password', { email });
  const reset = (token: string, newPassword = 'BrandNew456') =>
    post(`/api/auth/reset-password/${token}`, { newPassword });
  const verify = (token: string) => get(`/api/auth/verify-email/${token}`);
  const tokens = () => db.collection('auth_tokens');

  /** Asks for a reset link and returns its token (the `count`-th reset mail to the user). */
  async function resetToken(user: RegisteredUser, count = 1): Promise<string> {
    expect((await forgot(user.email)).status).toBe(200);
    return tokenFromMail(t, user.email, { subject: RESET, count });
  }

  describe('POST /api/auth/change-password', () => {
    const change = (user: RegisteredUser, body: Record<string, unknown>) =>
      post('/api/auth/change-password', body, bearer(user.token));

    it('refuses a wrong current password (400) and keeps the old one', async () => {
      const user = await makeUser(t);
      const res = await change(user, { currentPassword: 'WrongPass123', newPassword: 'BrandNew456' });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ errorCode: 'BAD_REQUEST', message: 'The current password is incorrect' });
      expect((await login(user.email, user.password)).status).toBe(200);
    });

    it('refuses a new password equal to the current one (400)', async () => {
      const user = await makeUser(t);
      const res = await change(user, { currentPassword: user.password, newPassword: user.password });
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('The new password must differ from the current one');
    });

    it('refuses a new password that breaks the policy (400 naming newPassword, not echoing it)', async () => {
      const user = await makeUser(t);
      const res = await change(user, { currentPassword: user.password, newPassword: 'alllowercase1' });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['newPassword']);
      expect(res.text).not.toContain('alllowercase1');
    });

    it('changes the password: earlier tokens stop working, the returned one works, only the new password signs in', async () => {
      const user = await makeUser(t);
      const other = (await login(user.email, user.password)).body.data.token as string;
      const res = await change(user, { currentPassword: user.password, newPassword: 'BrandNew456' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        message: 'Password changed successfully',
        data: { user: { id: user.id }, token: expect.any(String) },
      });
      expect(res.text).not.toMatch(/passwordHash|tokenVersion/);
      expect((await profile(user.token)).status).toBe(401);
      expect((await profile(other)).status).toBe(401);
      expect((await profile(res.body.data.token)).status).toBe(200);
      expect((await login(user.email, 'BrandNew456')).status).toBe(200);
      expect((await login(user.email, user.password)).status).toBe(401);
    });
  });

  describe('POST /api/auth/forgot-password', () => {
    it('answers a known and an unknown email with the same 200 body and mails only the known one', async () => {
      const user = await makeUser(t, { firstName: '<b>Eve</b>' });
      const unknown = `nobody.${randomBytes(4).toString('hex')}@example.com`;
      const known = await forgot(user.email);
      const stranger = await forgot(unknown);
      expect(known.status).toBe(200);
      expect(shape(known)).toEqual(shape(stranger));
      expect(known.body).toMatchObject({ success: true, data: null });

      const mail = await waitForMail(t, user.email, { subject: RESET });
      expect(mail.text).toContain('Hello <b>Eve</b>,');
      expect(mail.html).toContain('Hello &lt;b&gt;Eve&lt;/b&gt;,');
      expect(mail.html).not.toContain('<b>Eve</b>');
      expect(mail.link).toMatch(new RegExp(`^${PUBLIC_URL}/auth/reset-password/[A-Za-z0-9_-]{43}$`));
      expect(mail.html).toContain(`href="${mail.link}"`);
      expect(known.text).not.toContain(mail.token);
      expect(known.text).not.toContain(sha256(mail.token!));

      await sleep(300);
      expect(mailsTo(t, unknown)).toEqual([]);
    });

    it('stores only the hash of the token, as _id, with the reset lifetime', async () => {
      const user = await makeUser(t);
      const token = await resetToken(user);
      const stored = await tokens().findOne({ _id: sha256(token) as unknown as Types.ObjectId });
      expect(stored).toMatchObject({ userId: user.id, purpose: 'reset-password', usedAt: null });
      const ttl = (stored!.expiresAt as Date).getTime() - Date.now();
      expect(ttl).toBeGreaterThan(3_500_000);
      expect(ttl).toBeLessThanOrEqual(3_600_000);
      expect(JSON.stringify(await tokens().find({ userId: user.id }).toArray())).not.toContain(token);
    });

    it('limits requests per client address (auth limit, 429 on the sixth)', async () => {
      const ip = randomIp();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await t.request({
          method: 'POST',
          url: '/api/auth/forgot-password',
          body: { email: 'nobody@example.com' },
          remoteAddress: ip,
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    });
  });

  describe('POST /api/auth/reset-password/:token', () => {
    it('sets the new password with the mailed link, revokes earlier sessions, and works only once', async () => {
      const user = await makeUser(t);
      const token = await resetToken(user);
      const res = await reset(token);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ success: true, data: null });
      expect(res.text).not.toContain(token);
      expect(res.text).not.toContain(sha256(token));
      expect((await profile(user.token)).status).toBe(401);
      expect((await login(user.email, 'BrandNew456')).status).toBe(200);
      expect((await login(user.email, user.password)).status).toBe(401);

      const again = await reset(token, 'Another789x');
      expect(again.status).toBe(400);
      expect(again.body).toMatchObject({ errorCode: 'BAD_REQUEST', message: INVALID_LINK });
      expect((await login(user.email, 'BrandNew456')).status).toBe(200);
    });

    it('refuses an expired link (400)', async () => {
      const user = await makeUser(t);
      const token = await resetToken(user);
      await tokens().updateOne(
        { _id: sha256(token) as unknown as Types.ObjectId },
        { $set: { expiresAt: new Date(Date.now() - 1000) } },
      );
      const res = await reset(token);
      expect(res.status).toBe(400);
      expect(res.body.message).toBe(INVALID_LINK);
      expect((await login(user.email, user.password)).status).toBe(200);
    });

    it.each([
      ['unknown', randomBytes(32).toString('base64url')],
      ['malformed (short)', 'abc'],
      ['malformed (bad characters)', `${'a'.repeat(42)}%21`],
      ['malformed (long)', 'a'.repeat(90)],
    ])('refuses an %s link with the same 400', async (_why, token) => {
      const res = await reset(token);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ errorCode: 'BAD_REQUEST', message: INVALID_LINK });
    });

    it('refuses a weak new password (400) without using up the link', async () => {
      const user = await makeUser(t);
      const token = await resetToken(user);
      const weak = await reset(token, 'weak');
      expect(weak.status).toBe(400);
      expect(weak.body.errors.map((e: { field: string }) => e.field)).toEqual(['newPassword']);
      expect((await reset(token)).status).toBe(200);
    });

    it('lets exactly one of 10 parallel resets with one link succeed', async () => {
      const user = await makeUser(t);
      const token = await resetToken(user);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => reset(token, `Parallel${i}Pass`)));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, ...Array.from({ length: 9 }, () => 400)]);
      const winner = results.findIndex((r) => r.status === 200);
      expect((await login(user.email, `Parallel${winner}Pass`)).status).toBe(200);
    });

    it('supersedes an older reset link when a newer one is issued', async () => {
      const user = await makeUser(t);
      const older = await resetToken(user, 1);
      const newer = await resetToken(user, 2);
      expect(newer).not.toBe(older);
      expect((await reset(older)).status).toBe(400);
      expect((await reset(newer)).status).toBe(200);
    });

    it('does not accept a verification link as a reset link', async () => {
      const user = await makeUser(t);
      const token = await tokenFromMail(t, user.email, { subject: VERIFY });
      expect((await reset(token)).status).toBe(400);
      expect((await verify(token)).status).toBe(200);
    });
  });

  describe('email verification', () => {
    it('register mails a link; following it verifies the account, once', async () => {
      const user = await makeUser(t);
      const mail = await waitForMail(t, user.email, { subject: VERIFY });
      expect(mail.link).toMatch(new RegExp(`^${PUBLIC_URL}/auth/verify-email/[A-Za-z0-9_-]{43}$`));
      expect(mail.text).toContain(mail.link);
      expect(mail.html).toContain(`href="${mail.link}"`);
      expect((await profile(user.token)).body.data.user.isEmailVerified).toBe(false);

      const res = await verify(mail.token!);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ success: true, message: 'Email verified successfully', data: null });
      expect(res.text).not.toContain(sha256(mail.token!));
      expect((await profile(user.token)).body.data.user.isEmailVerified).toBe(true);

      const again = await verify(mail.token!);
      expect(again.status).toBe(400);
      expect(again.body).toMatchObject({ errorCode: 'BAD_REQUEST', message: INVALID_LINK });
    });

    it('refuses an unknown or malformed verification link (400)', async () => {
      for (const token of [randomBytes(32).toString('base64url'), 'not-a-token']) {
        const res = await verify(token);
        expect(res.status).toBe(400);
        expect(res.body.message).toBe(INVALID_LINK);
      }
    });

    it('resends a new link to an unverified account; the older one stops working', async () => {
      const user = await makeUser(t);
      const first = await tokenFromMail(t, user.email, { subject: VERIFY });
      const res = await post('/api/auth/resend-verification', { email: user.email });
      expect(res.status).toBe(200);
      const second = await tokenFromMail(t, user.email, { subject: VERIFY, count: 2 });
      expect(second).not.toBe(first);
      expect((await verify(first)).status).toBe(400);
      expect((await verify(second)).status).toBe(200);
    });

    it('answers resend for an unknown or already verified email the same, and mails nothing', async () => {
      const user = await makeUser(t);
      expect((await verify(await tokenFromMail(t, user.email, { subject: VERIFY }))).status).toBe(200);
      const unknown = `nobody.${randomBytes(4).toString('hex')}@example.com`;
      const unverified = await makeUser(t);
      await waitForMail(t, unverified.email, { subject: VERIFY });

      const forUnknown = await post('/api/auth/resend-verification', { email: unknown });
      const forVerified = await post('/api/auth/resend-verification', { email: user.email });
      const forUnverified = await post('/api/auth/resend-verification', { email: unverified.email });
      expect(shape(forUnknown)).toEqual(shape(forVerified));
      expect(shape(forUnverified)).toEqual(shape(forVerified));
      await waitForMail(t, unverified.email, { subject: VERIFY, count: 2 });
      await sleep(300);
      expect(mailsTo(t, unknown)).toEqual([]);
      expect(mailsTo(t, user.email)).toHaveLength(1);
    });
  });

  describe('mail and housekeeping', () => {
    it('writes outbox files readable only by the owner and counts sent mail in health', async () => {
      const user = await makeUser(t);
      const mail = await waitForMail(t, user.email, { subject: VERIFY });
      const { statSync } = await import('node:fs');
      expect(statSync(mail.file!).mode & 0o777).toBe(0o600);
      expect(statSync(`${t.config.database.dataDir}/outbox`).mode & 0o777).toBe(0o700);
      expect(outbox(t).length).toBeGreaterThan(0);
      const health = await get('/api/health/external');
      expect(health.body.data.data.mail).toMatchObject({
        status: 'healthy',
        transport: 'outbox',
        sent: expect.any(Number),
        failed: 0,
        lastFailureAt: null,
      });
      expect(health.body.data.data.mail.sent).toBeGreaterThan(0);
    });

    it('purges used and expired link tokens', async () => {
      const user = await makeUser(t);
      const used = await resetToken(user, 1);
      expect((await reset(used)).status).toBe(200);
      const expired = await tokenFromMail(t, user.email, { subject: VERIFY });
      await tokens().updateOne(
        { _id: sha256(expired) as unknown as Types.ObjectId },
        { $set: { expiresAt: new Date(Date.now() - 1000) } },
      );
      const live = await resetToken(user, 2);
      const purged = await t.app.get(AuthHousekeeping).purge();
      expect(purged.emailTokens).toBeGreaterThanOrEqual(2);
      const left = await tokens().find({ userId: user.id }).toArray();
      expect(left.map((doc) => doc._id)).toEqual([sha256(live)]);
    });
  });
});

describe('mail through an SMTP server', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({
      env: { SMTP_URL: sink.url, APP_PUBLIC_URL: PUBLIC_URL, MAIL_FROM: 'Calls <calls@example.test>' },
    });
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  it('delivers the verification mail with a text and an HTML part and the right link', async () => {
    const user = await makeUser(t);
    const mail = await sink.waitFor((m) => m.recipients.includes(user.email));
    expect(mail.from).toBe('calls@example.test');
    expect(mail.subject).toMatch(VERIFY);
    expect(mail.text).toContain(`Hello ${user.firstName},`);
    expect(mail.html).toContain(`href="${mail.link}"`);
    expect(mail.link).toMatch(new RegExp(`^${PUBLIC_URL}/auth/verify-email/[A-Za-z0-9_-]{43}$`));
    const res = await t.request({ url: `/api/auth/verify-email/${mail.token}`, remoteAddress: randomIp() });
    expect(res.status).toBe(200);

    const health = await t.request({ url: '/api/health/external' });
    expect(health.body.data.data.mail).toMatchObject({ transport: 'smtp', failed: 0, status: 'healthy' });
    expect(health.body.data.data.mail.sent).toBeGreaterThanOrEqual(1);
    expect(outbox(t)).toEqual([]);
  });
});

describe('mail when the SMTP server is unreachable', () => {
  let t: TestApp;
  let db: Connection;

  beforeAll(async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const closedPort = (server.address() as { port: number }).port;
    await new Promise((done) => server.close(done));
    t = await startTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${closedPort}` } });
    db = await t.db();
  });
  afterAll(() => t.close());

  it('still registers the account (201), and health external shows the failed mail', async () => {
    const user = await makeUser(t);
    expect(await db.collection('users').countDocuments({ email: user.email })).toBe(1);
    expect((await t.request({ url: '/api/auth/profile', headers: bearer(user.token) })).status).toBe(200);

    let mail: Record<string, unknown> = {};
    let status = '';
    for (let i = 0; i < 100 && !(Number(mail.failed) >= 1); i++) {
      const res = await t.request({ url: '/api/health/external' });
      mail = res.body.data.data.mail;
      status = res.body.status;
      if (!(Number(mail.failed) >= 1)) await sleep(100);
    }
    expect(mail).toMatchObject({ transport: 'smtp', sent: 0, failed: 1, status: 'warning' });
    expect(mail.lastFailureAt).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    expect(status).toBe('warning');
  });
});
