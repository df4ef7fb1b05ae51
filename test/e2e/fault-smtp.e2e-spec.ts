import { createServer, Server } from 'node:net';
import { makeUser, userFields } from '../factories/users';
import { InjectOptions, randomIp, startTestApp, TestApp } from '../support/app';

/**
 * Mail goes out after the answer, so an SMTP server that cannot be reached never holds up nor
 * fails the endpoints that send mail (register, forgot-password, resend-verification): each
 * answers as usual, quickly, and the failures show in health `external` as a warning (200).
 */

/** Far below nodemailer's connection and greeting timeouts (10 s each): nothing waits for them. */
const ANSWER_WITHIN_MS = 3_000;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as { port: number }).port;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((done) => server.close(done));
  return port;
}

async function timedRequest(t: TestApp, request: InjectOptions) {
  const started = Date.now();
  const res = await t.request({ remoteAddress: randomIp(), ...request });
  return { ...res, ms: Date.now() - started };
}

/** The three endpoints that send mail, each answered as when mail works, and in time. */
async function expectMailEndpointsUnaffected(t: TestApp): Promise<void> {
  const fields = userFields();
  const register = await timedRequest(t, { method: 'POST', url: '/api/auth/register', body: fields });
  expect(register.status).toBe(201);
  expect(register.body.data.user.email).toBe(fields.email);
  expect(register.ms).toBeLessThan(ANSWER_WITHIN_MS);

  const user = await makeUser(t);
  for (const url of ['/api/auth/forgot-password', '/api/auth/resend-verification']) {
    const res = await timedRequest(t, { method: 'POST', url, body: { email: user.email } });
    expect({ url, status: res.status, success: res.body.success }).toEqual({ url, status: 200, success: true });
    expect(res.ms).toBeLessThan(ANSWER_WITHIN_MS);
  }
  // The account works meanwhile.
  const login = await timedRequest(t, {
    method: 'POST',
    url: '/api/auth/login',
    body: { email: user.email, password: user.password },
  });
  expect(login.status).toBe(200);
}

describe('SMTP server on a closed port', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${await closedPort()}` } });
  });
  afterAll(() => t.close());

  it('register, forgot-password and resend-verification answer as usual within 3 s', async () => {
    await expectMailEndpointsUnaffected(t);
  });

  it('counts each failed mail in health external, a warning with 200, never a 5xx', async () => {
    // register, makeUser's register, forgot-password, resend-verification: four mails, all failed.
    const deadline = Date.now() + 10_000;
    let res = await t.request({ url: '/api/health/external' });
    while (res.body.data.data.mail.failed < 4 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      res = await t.request({ url: '/api/health/external' });
    }
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('warning');
    expect(res.body.data.data.mail).toMatchObject({ transport: 'smtp', sent: 0, failed: 4 });
  });
});
