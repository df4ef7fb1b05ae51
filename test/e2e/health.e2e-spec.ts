import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDb, startEmbeddedDb } from '../../apps/api/src/core/database/embedded-db';
import { startTestApp, TestApp } from '../support/app';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CHECKS = ['database', 'memory', 'cpu', 'disk', 'external', 'dependencies'];
const HEX32 = '0123456789abcdef0123456789abcdef';

describe('health endpoints', () => {
  let t: TestApp;

  beforeAll(async () => {
    // The database is healthy here; a ping slowed by the rest of the suite must not say otherwise.
    t = await startTestApp({
      env: { AGORA_APP_ID: HEX32, AGORA_APP_CERTIFICATE: HEX32.toUpperCase(), HEALTH_PROBE_TIMEOUT_MS: '10000' },
    });
  });
  afterAll(() => t.close());

  it('GET /api/health reports every check in the spec shape', async () => {
    const res = await t.request({ url: '/api/health' });
    expect(res.status).toBe(200);
    // The cpu check may say "warning" while the test machine is busy; nothing may be unhealthy.
    expect(res.body).toMatchObject({
      success: true,
      status: expect.stringMatching(/^(healthy|warning)$/),
      timestamp: expect.stringMatching(ISO_UTC),
    });
    const { data } = res.body;
    expect(data.status).toBe(res.body.status);
    expect(data.uptime).toEqual(expect.any(Number));
    expect(Object.keys(data.checks).sort()).toEqual([...CHECKS].sort());
    expect(data.checks.database).toMatchObject({ status: 'healthy', responseTime: expect.any(Number) });
    expect(data.checks.memory).toMatchObject({ status: 'healthy', data: expect.any(Object) });
    expect(data.summary).toMatchObject({ total: 6, unhealthy: 0 });
    expect(data.summary.healthy + data.summary.warning).toBe(6);
    expect(data.summary.warning).toBe(
      Object.values(data.checks).filter((c) => (c as { status: string }).status === 'warning').length,
    );
  });

  it('GET /api/health/live answers while the process runs', async () => {
    const res = await t.request({ url: '/api/health/live' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    // Exactly these members, in this order (the probe's body is written as text, not serialized).
    expect(res.body).toEqual({
      success: true,
      status: 'healthy',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      data: { status: 'alive', uptime: expect.any(Number) },
    });
    expect(res.text).toBe(JSON.stringify(res.body));
    const body = res.body as { timestamp: string; data: { uptime: number } };
    expect(Math.abs(Date.parse(body.timestamp) - Date.now())).toBeLessThan(60_000);
    expect(body.data.uptime).toBeGreaterThan(0);
  });

  it('GET /api/health/ready is 200 while the database answers', async () => {
    const res = await t.request({ url: '/api/health/ready' });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ ready: true, checks: { database: { status: 'healthy' } } });
  });

  it('GET /api/health/database pings the database and times it', async () => {
    const res = await t.request({ url: '/api/health/database' });
    expect(res.body.data).toMatchObject({
      status: 'healthy',
      responseTime: expect.any(Number),
      data: { kind: 'mongodb', state: 'connected' },
    });
  });

  it.each([
    ['memory', ['heapUsedMb', 'heapLimitMb', 'rssMb', 'systemTotalMb']],
    ['cpu', ['cores', 'loadAverage', 'processPercent']],
    ['disk', ['path', 'totalGb', 'freeGb', 'usedPercent']],
  ])('GET /api/health/%s reports its figures', async (name, fields) => {
    const res = await t.request({ url: `/api/health/${name}` });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, status: expect.stringMatching(/^(healthy|warning)$/) });
    for (const field of fields) expect(res.body.data.data).toHaveProperty(field);
  });

  it('GET /api/health/external tells whether Agora is configured', async () => {
    const res = await t.request({ url: '/api/health/external' });
    expect(res.body.data.data).toMatchObject({
      agora: { configured: true },
      smtp: { configured: false },
      redis: { configured: false },
    });
  });

  it('GET /api/health/dependencies lists Node, packages and required services', async () => {
    const res = await t.request({ url: '/api/health/dependencies' });
    expect(res.body.data.data).toMatchObject({
      node: process.version,
      packages: { mongoose: expect.any(String), '@nestjs/core': expect.any(String) },
      services: { database: { required: true, status: 'healthy' } },
    });
  });

  it.each([
    ['info', { name: 'video-call-api', environment: 'test', docs: '/api/docs' }],
    ['system', { cpus: expect.any(Number), platform: expect.any(String) }],
    ['uptime', { uptime: expect.any(Number), human: expect.any(String), startedAt: expect.stringMatching(ISO_UTC) }],
    ['version', { version: expect.stringMatching(/^\d+\.\d+\.\d+/), node: process.version }],
  ])('GET /api/health/%s answers in the success envelope', async (name, data) => {
    const res = await t.request({ url: `/api/health/${name}` });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, status: 'success', message: expect.any(String), data });
  });

  it('shows every detail to anonymous callers while HEALTH_DETAILS=public (the default outside production)', async () => {
    expect(t.config.health.details).toBe('public');
    expect((await t.request({ url: '/api/health/system' })).body.data).toMatchObject({
      hostname: hostname(),
      pid: process.pid,
    });
    expect((await t.request({ url: '/api/health/info' })).body.data.pid).toBe(process.pid);
    const report = await t.request({ url: '/api/health' });
    expect(report.body.data.checks.disk.data.path).toBe(t.config.database.dataDir);
    expect(report.body.data.checks.dependencies.data.packages).toBeDefined();
    expect((await t.request({ url: '/api/health/version' })).body.data.node).toBe(process.version);
    const yaml = await t.request({ url: '/api/docs-yaml' });
    expect(yaml.status).toBe(200);
    expect(yaml.text).toMatch(/^openapi: 3\./m);
  });

  it('GET /api/health/metrics answers JSON in the envelope', async () => {
    await t.request({ url: '/api/health/live' });
    const res = await t.request({ url: '/api/health/metrics' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, status: 'success' });
    const names = res.body.data.metrics.map((m: { name: string }) => m.name);
    expect(names).toEqual(expect.arrayContaining(['http_request_duration_seconds', 'process_cpu_seconds_total']));
  });

  it('GET /api/health/metrics answers Prometheus text for Accept: text/plain', async () => {
    await t.request({ url: '/api/health/live' });
    const res = await t.request({ url: '/api/health/metrics', headers: { accept: 'text/plain' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/health\/live",status_code="200"\} [1-9]/,
    );
    expect(res.text).toContain('# TYPE process_resident_memory_bytes gauge');
  });

  it('counts each request once, by its route pattern, and the requests no route matched as unmatched', async () => {
    const countOf = async (labels: string) => {
      const res = await t.request({ url: '/api/health/metrics', headers: { accept: 'text/plain' } });
      const line = res.text.split('\n').find((l) => l.startsWith(`http_request_duration_seconds_count{${labels}}`));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const missing = 'method="GET",route="unmatched",status_code="404"';
    const byPattern = 'method="GET",route="/api/calls/:id",status_code="401"';
    const preflight = 'method="OPTIONS",route="*",status_code="204"';
    const before = await Promise.all([countOf(missing), countOf(byPattern), countOf(preflight)]);
    expect((await t.request({ url: '/api/no-such-route' })).status).toBe(404);
    expect((await t.request({ url: '/api/calls/6b11d0f9c99d097bbd1147a7' })).status).toBe(401);
    const options = { method: 'OPTIONS' as const, url: '/api/health/live', unchecked: 'a CORS preflight' };
    expect((await t.request({ ...options, headers: { origin: 'http://localhost:3000' } })).status).toBe(204);
    expect(await Promise.all([countOf(missing), countOf(byPattern), countOf(preflight)])).toEqual(
      before.map((n) => n + 1),
    );
  });
});

describe('health of configured optional services', () => {
  let t: TestApp;
  let closedPort: number;

  beforeAll(async () => {
    // A port that was free a moment ago: nothing answers there.
    const server: Server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    closedPort = (server.address() as { port: number }).port;
    await new Promise((done) => server.close(done));
    t = await startTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${closedPort}` } });
  });
  afterAll(() => t.close());

  it('degrades to warning, not unhealthy, when the SMTP server is unreachable', async () => {
    const external = await t.request({ url: '/api/health/external' });
    expect(external.status).toBe(200);
    expect(external.body.status).toBe('warning');
    expect(external.body.data.data.smtp).toMatchObject({ status: 'unhealthy', data: { port: closedPort } });
    const all = await t.request({ url: '/api/health' });
    expect(all.body.data.checks.external.status).toBe('warning');
    expect(all.body.data.summary.warning).toBeGreaterThanOrEqual(1);
    expect(all.body.data.summary.unhealthy).toBe(0);
    expect(all.body.status).toBe('warning');
  });
});

describe('readiness follows the database', () => {
  let t: TestApp;
  let db: EmbeddedDb;
  let dataDir: string;
  const log = { info: () => undefined, warn: () => undefined };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vc-ready-'));
    db = await startEmbeddedDb({ dataDir, port: 0, log });
    t = await startTestApp({ env: { MONGODB_URI: `${db.uri}ready` } });
  });
  afterAll(async () => {
    await t.close();
    await db.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function waitForStatus(url: string, status: number, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    let res = await t.request({ url });
    while (res.status !== status && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      res = await t.request({ url });
    }
    return res;
  }

  it('turns 503 SERVICE_UNAVAILABLE while the database is down and 200 when it is back', async () => {
    expect((await t.request({ url: '/api/health/ready' })).status).toBe(200);
    const port = db.port;
    await db.stop();

    const down = await waitForStatus('/api/health/ready', 503);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      success: false,
      status: 'unhealthy',
      errorCode: 'SERVICE_UNAVAILABLE',
      data: { ready: false },
    });
    const overall = await t.request({ url: '/api/health' });
    expect(overall.status).toBe(503);
    expect(overall.body.data.checks.database.status).toBe('unhealthy');
    expect((await t.request({ url: '/api/health/live' })).status).toBe(200);

    db = await startEmbeddedDb({ dataDir, port, log });
    const up = await waitForStatus('/api/health/ready', 200);
    expect(up.status).toBe(200);
    expect(up.body.data.ready).toBe(true);
  });
});
