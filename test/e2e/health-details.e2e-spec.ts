import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { Types } from 'mongoose';
import { bearer, makeUser } from '../factories/users';
import { randomIp, startTestApp, TestApp } from '../support/app';

const METRICS_TOKEN = randomBytes(24).toString('hex');
const DETAILS = ['info', 'system', 'disk', 'dependencies', 'metrics'];

/** A port that was free a moment ago: nothing answers there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

describe('health details with HEALTH_DETAILS=admin', () => {
  let t: TestApp;
  let smtpPort: number;
  /** What identifies the host or the deployment; none of it may reach a caller without an admin's token. */
  let secrets: string[];

  beforeAll(async () => {
    smtpPort = await closedPort();
    t = await startTestApp({
      env: { HEALTH_DETAILS: 'admin', HEALTH_METRICS_TOKEN: METRICS_TOKEN, SMTP_URL: `smtp://localhost:${smtpPort}` },
    });
    const databaseName = new URL(t.config.database.uri!).pathname.slice(1);
    secrets = [t.config.database.dataDir, hostname(), process.version, databaseName];
  });
  afterAll(() => t.close());

  const get = (url: string, headers: Record<string, string> = {}) => t.request({ url, headers });

  async function adminToken(): Promise<string> {
    const user = await makeUser(t);
    const db = await t.db();
    await db.collection('users').updateOne({ _id: new Types.ObjectId(user.id) }, { $set: { role: 'admin' } });
    const login = await t.request({
      method: 'POST',
      url: '/api/auth/login',
      body: { email: user.email, password: user.password },
      remoteAddress: randomIp(),
    });
    expect(login.status).toBe(200);
    return login.body.data.token;
  }

  function expectNoHostDetails(text: string) {
    expect(secrets.filter((secret) => text.includes(secret))).toEqual([]);
    expect(text).not.toMatch(/"(pid|hostname|path|packages|node|nest|host|port|name)":/);
  }

  it.each(DETAILS)('GET /api/health/%s answers 401 UNAUTHORIZED in the envelope without a token', async (name) => {
    const res = await get(`/api/health/${name}`);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ success: false, status: 'error', errorCode: 'UNAUTHORIZED' });
    expect(res.body.data).toBeUndefined();
  });

  it.each(DETAILS)('GET /api/health/%s answers 403 FORBIDDEN to a signed-in user who is not an admin', async (name) => {
    const user = await makeUser(t);
    const res = await get(`/api/health/${name}`, bearer(user.token));
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ success: false, status: 'error', errorCode: 'FORBIDDEN' });
  });

  it.each([
    ['info', (data: Record<string, unknown>) => expect(data).toMatchObject({ pid: process.pid })],
    ['system', (data: Record<string, unknown>) => expect(data).toMatchObject({ hostname: hostname() })],
  ])('GET /api/health/%s shows the host to an admin', async (name, check) => {
    const res = await get(`/api/health/${name}`, bearer(await adminToken()));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, status: 'success' });
    check(res.body.data);
  });

  it('GET /api/health/disk and /dependencies show the data path and package versions to an admin', async () => {
    const token = await adminToken();
    const disk = await get('/api/health/disk', bearer(token));
    expect(disk.body.data.data).toMatchObject({ path: t.config.database.dataDir, usedPercent: expect.any(Number) });
    const dependencies = await get('/api/health/dependencies', bearer(token));
    expect(dependencies.body.data.data).toMatchObject({
      node: process.version,
      packages: { mongoose: expect.any(String) },
    });
  });

  it('GET /api/health/metrics answers an admin, and a scraper with HEALTH_METRICS_TOKEN', async () => {
    const admin = await get('/api/health/metrics', bearer(await adminToken()));
    expect(admin.status).toBe(200);
    expect(admin.body.data.metrics).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'process_cpu_seconds_total' })]),
    );

    const scraper = await get('/api/health/metrics', { ...bearer(METRICS_TOKEN), accept: 'text/plain' });
    expect(scraper.status).toBe(200);
    expect(scraper.headers['content-type']).toMatch(/^text\/plain/);
    expect(scraper.text).toContain('# TYPE process_resident_memory_bytes gauge');
  });

  it('refuses a wrong metrics token (401), and the metrics token on any other endpoint (401)', async () => {
    const wrong = await get('/api/health/metrics', bearer(`${METRICS_TOKEN.slice(0, -1)}x`));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ success: false, errorCode: 'UNAUTHORIZED' });
    const elsewhere = await get('/api/health/system', bearer(METRICS_TOKEN));
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body.errorCode).toBe('UNAUTHORIZED');
  });

  it("refuses an admin's token once it is revoked by logout (401)", async () => {
    const token = await adminToken();
    expect((await get('/api/health/system', bearer(token))).status).toBe(200);
    const logout = await t.request({ method: 'POST', url: '/api/auth/logout', headers: bearer(token) });
    expect(logout.status).toBe(200);
    const res = await get('/api/health/system', bearer(token));
    expect(res.status).toBe(401);
    expect(res.body.errorCode).toBe('UNAUTHORIZED');
  });

  it('keeps the probes open to anonymous callers', async () => {
    expect((await get('/api/health/live')).body).toMatchObject({ status: 'healthy', data: { status: 'alive' } });
    expect((await get('/api/health/ready')).body.data).toMatchObject({ ready: true });
    expect((await get('/api/health/uptime')).body.data).toMatchObject({ uptime: expect.any(Number) });
    // cpu and memory may turn unhealthy (503) on a busy machine; they still answer with their figures.
    expect((await get('/api/health/memory')).body.data.data).toHaveProperty('heapUsedMb');
    expect((await get('/api/health/cpu')).body.data.data).toHaveProperty('loadAverage');
  });

  it('answers the summaries to anonymous callers without the host details', async () => {
    const report = await get('/api/health');
    expect([200, 503]).toContain(report.status);
    expect(report.body.data.checks.disk.data).toEqual({
      totalGb: expect.any(Number),
      freeGb: expect.any(Number),
      usedPercent: expect.any(Number),
    });
    expect(report.body.data.checks.database.data).toEqual({ kind: 'mongodb', state: 'connected' });
    expect(report.body.data.checks.dependencies.data).toEqual({ services: expect.any(Object) });
    expect(report.body.data.summary.total).toBe(6);
    expectNoHostDetails(report.text);

    const database = await get('/api/health/database');
    expect(database.body.data).toMatchObject({ status: 'healthy', data: { kind: 'mongodb', state: 'connected' } });
    expectNoHostDetails(database.text);

    const ready = await get('/api/health/ready');
    expect(ready.body.data.checks.database.data).toEqual({ kind: 'mongodb', state: 'connected' });
    expectNoHostDetails(ready.text);

    const external = await get('/api/health/external');
    expect(external.body).toMatchObject({ status: 'warning' });
    expect(external.body.data.data.smtp).toEqual({
      status: 'unhealthy',
      responseTime: expect.any(Number),
      message: 'The SMTP server does not answer',
      data: { configured: true },
    });
    expectNoHostDetails(external.text);

    const version = await get('/api/health/version');
    expect(version.body.data).toEqual({ name: 'video-call-api', version: expect.any(String), apiPrefix: '/api' });
  });

  it('answers the same summaries to a signed-in user who is not an admin, and to a bad token', async () => {
    const user = await makeUser(t);
    for (const headers of [bearer(user.token), bearer('not-a-token')]) {
      const res = await get('/api/health/external', headers);
      expect(res.status).toBe(200);
      expectNoHostDetails(res.text);
      expect((await get('/api/health/version', headers)).body.data.node).toBeUndefined();
    }
  });

  it('answers the summaries in full to an admin', async () => {
    const token = await adminToken();
    const report = await get('/api/health', bearer(token));
    expect(report.body.data.checks.disk.data.path).toBe(t.config.database.dataDir);
    expect(report.body.data.checks.dependencies.data.packages).toBeDefined();
    const external = await get('/api/health/external', bearer(token));
    expect(external.body.data.data.smtp.data).toMatchObject({ host: 'localhost', port: smtpPort });
    expect((await get('/api/health/version', bearer(token))).body.data.node).toBe(process.version);
  });

  it('serves Swagger UI and the OpenAPI JSON to anyone, without host details, and no YAML copy', async () => {
    expect((await get('/api/docs')).status).toBe(200);
    const json = await get('/api/docs-json');
    expect(json.status).toBe(200);
    expect(json.body.paths['/api/health/system']).toBeDefined();
    expect(secrets.filter((secret) => json.text.includes(secret))).toEqual([]);
    const yaml = await get('/api/docs-yaml');
    expect(yaml.status).toBe(404);
    expect(yaml.body).toMatchObject({ success: false, errorCode: 'NOT_FOUND' });
  });
});
