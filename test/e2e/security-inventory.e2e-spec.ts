import { hostname } from 'node:os';
import { randomIp, startTestApp, TestApp, useTestApp } from '../support/app';
import { registeredRoutes } from '../support/routes';

/** What the API exposes: its routes against its OpenAPI document, Swagger's switch, and health in production. */

const HEALTH = [
  '',
  '/live',
  '/ready',
  '/database',
  '/memory',
  '/cpu',
  '/disk',
  '/external',
  '/dependencies',
  '/info',
  '/system',
  '/uptime',
  '/version',
  '/metrics',
];

describe('the registered routes and the OpenAPI document', () => {
  const t = useTestApp();

  it('name the same operations, both ways', async () => {
    const doc = (await t.openapi()).document;
    const registered = registeredRoutes(t)
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(registered.length).toBeGreaterThanOrEqual(60);
    expect(registered.filter((r) => !documented.includes(r))).toEqual([]);
    expect(documented.filter((d) => !registered.includes(d))).toEqual([]);
    expect(new Set(registered).size).toBe(registered.length);
  });

  it('serve no route the app did not register: an unknown path or method is 404', async () => {
    for (const [method, url] of [
      ['GET', '/api/admin'],
      ['DELETE', '/api/auth/profile'],
      ['GET', '/api/calls/x/y/z'],
      ['GET', '/api/.env'],
      ['GET', '/.git/config'],
    ] as const) {
      const res = await t.request({ method, url, unchecked: 'a route that does not exist has no operation' });
      expect({ url, status: res.status, code: res.body?.errorCode }).toEqual({ url, status: 404, code: 'NOT_FOUND' });
    }
  });
});

describe('SWAGGER_ENABLED=false', () => {
  const t = useTestApp({ env: { SWAGGER_ENABLED: 'false' } });

  it('answers Swagger UI and the OpenAPI document with 404, and the API as before', async () => {
    for (const url of ['/api/docs', '/api/docs/', '/api/docs-json', '/api/docs-yaml', '/api/docs/swagger-ui.css']) {
      const res = await t.request({ url, unchecked: 'Swagger is switched off: there is no document to check against' });
      expect({ url, status: res.status, code: res.body?.errorCode }).toEqual({ url, status: 404, code: 'NOT_FOUND' });
    }
    const live = await t.request({ url: '/api/health/live', unchecked: 'Swagger is switched off' });
    expect(live.status).toBe(200);
    const register = await t.request({
      method: 'POST',
      url: '/api/auth/register',
      body: { firstName: 'Ada', lastName: 'King', email: `ada.${Date.now()}@example.com`, password: 'SecurePass123' },
      remoteAddress: randomIp(),
      unchecked: 'Swagger is switched off',
    });
    expect(register.status).toBe(201);
  });
});

describe('health endpoints with NODE_ENV=production', () => {
  let production: TestApp;
  let open: TestApp;
  let secrets: string[];

  beforeAll(async () => {
    production = await startTestApp({ env: { NODE_ENV: 'production' } });
    open = await startTestApp({ env: { NODE_ENV: 'production', HEALTH_DETAILS: 'public' } });
    const databaseName = new URL(production.config.database.uri!).pathname.slice(1);
    secrets = [hostname(), production.config.database.dataDir, process.cwd(), process.version, databaseName];
  });
  afterAll(async () => {
    await production?.close();
    await open?.close();
  });

  it('show anonymous callers no host name, path, process id or versions of the runtime', async () => {
    expect(production.config.health.details).toBe('admin');
    const problems: string[] = [];
    for (const route of HEALTH) {
      const res = await production.request({ url: `/api/health${route}` });
      if (![200, 401, 503].includes(res.status)) problems.push(`${route}: ${res.status}`);
      for (const secret of secrets) if (res.text.includes(secret)) problems.push(`${route} shows ${secret}`);
      const keys = /"(pid|ppid|hostname|host|path|cwd|execPath|argv|env|node|packages|dataDir)":/.exec(res.text);
      if (keys) problems.push(`${route} has a "${keys[1]}" field`);
    }
    expect(problems).toEqual([]);
    // The details themselves are for admins.
    for (const route of ['/info', '/system', '/disk', '/dependencies', '/metrics']) {
      expect((await production.request({ url: `/api/health${route}` })).status).toBe(401);
    }
  });

  it('show them with HEALTH_DETAILS=public, as configured', async () => {
    const system = await open.request({ url: '/api/health/system' });
    expect(system.status).toBe(200);
    expect(system.body.data).toMatchObject({ hostname: hostname() });
    const info = await open.request({ url: '/api/health/info' });
    expect(info.body.data).toMatchObject({ pid: process.pid });
  });
});
