import { TestApp, useTestApp } from '../support/app';
import { FixtureModule } from '../support/fixture.module';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** CORS preflights are answered by the CORS layer, not by an operation the OpenAPI document describes. */
const PREFLIGHT = 'a CORS preflight';

describe('HTTP envelope, errors and security headers', () => {
  const t = useTestApp({
    modules: [FixtureModule],
    env: { BODY_LIMIT: '2048', CORS_ORIGINS: 'https://app.example.com,https://admin.example.com' },
  });

  const validEcho = { name: 'Ada', email: 'ada@example.com', count: 3 };

  it('wraps a success in the envelope with the route message and an ISO UTC timestamp', async () => {
    const res = await t.request({ method: 'POST', url: '/api/fixture/echo', body: validEcho });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      success: true,
      status: 'success',
      message: 'Echoed',
      timestamp: expect.stringMatching(ISO_UTC),
      data: validEcho,
    });
  });

  it('uses the generic message when a route names none', async () => {
    const res = await t.request({ url: '/api/fixture/plain' });
    expect(res.body).toMatchObject({ success: true, message: 'Operation successful', data: { ok: true } });
  });

  it('names every invalid field with its own message', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/fixture/echo',
      body: { name: '', email: 'not-an-email', count: 11, address: { city: 'X' } },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, status: 'error', errorCode: 'BAD_REQUEST' });
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(new Set(fields)).toEqual(new Set(['name', 'email', 'count', 'address.city']));
    for (const error of res.body.errors) expect(error.message).toEqual(expect.any(String));
    expect(res.body.timestamp).toMatch(ISO_UTC);
  });

  it('refuses unknown fields and names them', async () => {
    const res = await t.request({ method: 'POST', url: '/api/fixture/echo', body: { ...validEcho, role: 'admin' } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'role', message: 'property role should not exist' }]);
  });

  it('never echoes a submitted value back in a validation error', async () => {
    const secret = 'TopSecret-Value-123';
    const res = await t.request({ method: 'POST', url: '/api/fixture/echo', body: { ...validEcho, email: secret } });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain(secret);
  });

  it('answers unknown routes with 404 NOT_FOUND in the envelope', async () => {
    const res = await t.request({ url: '/api/no/such/route' });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ success: false, status: 'error', errorCode: 'NOT_FOUND', errors: [] });
  });

  it('answers malformed JSON with 400', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/fixture/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "Ada",',
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, errorCode: 'BAD_REQUEST' });
    expect(res.body.message).toMatch(/JSON/);
  });

  it('refuses a __proto__ key with 400 and says which name was refused', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/fixture/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"Ada","email":"a@b.co","count":1,"__proto__":{"isAdmin":true}}',
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, errorCode: 'BAD_REQUEST' });
    expect(res.body.message).toMatch(/forbidden property name.*__proto__/);
    expect(res.body.message).not.toMatch(/not valid JSON/);
  });

  it('refuses a constructor.prototype key with 400 and says which name was refused', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/fixture/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"Ada","email":"a@b.co","count":1,"constructor":{"prototype":{"isAdmin":true}}}',
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/forbidden property name.*constructor\.prototype/);
  });

  it('answers a body over the configured limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/fixture/echo',
      body: { ...validEcho, name: 'x'.repeat(4096) },
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ success: false, errorCode: 'PAYLOAD_TOO_LARGE' });
    expect(res.body.message).toContain('2048');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])(
    'answers a %s body with 415 UNSUPPORTED_MEDIA_TYPE',
    async (type) => {
      const res = await t.request({
        method: 'POST',
        url: '/api/fixture/echo',
        headers: { 'content-type': type },
        payload: 'name=Ada',
      });
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ success: false, errorCode: 'UNSUPPORTED_MEDIA_TYPE' });
    },
  );

  it('turns an AppException into its status and code', async () => {
    const res = await t.request({ url: '/api/fixture/conflict' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ errorCode: 'CONFLICT', message: 'That name is taken' });
  });

  it('answers an unexpected error with a generic 500 that leaks nothing', async () => {
    const res = await t.request({ url: '/api/fixture/crash', headers: { 'x-request-id': 'crash-req-1' } });
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ success: false, errorCode: 'INTERNAL_SERVER_ERROR', errors: [] });
    expect(res.body.message).toContain('crash-req-1');
    expect(res.text).not.toMatch(/hunter2|mongodb:|at .*\.ts/);
  });

  it('echoes a client request id and generates one otherwise', async () => {
    const given = await t.request({ url: '/api/health/live', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const generated = await t.request({ url: '/api/health/live' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await t.request({ url: '/api/health/live', headers: { 'x-request-id': 'bad id\nforged' } });
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets helmet security headers', async () => {
    const res = await t.request({ url: '/api/health/live' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('sends no upgrade-insecure-requests in the CSP while the API is not served over HTTPS', async () => {
    const res = await t.request({ url: '/api/docs' });
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
  });

  describe('errors the router answers before any route runs', () => {
    const expectEnvelopeAndHeaders = (res: Awaited<ReturnType<TestApp['request']>>, requestId: string) => {
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        success: false,
        status: 'error',
        message: expect.any(String),
        errorCode: 'BAD_REQUEST',
        timestamp: expect.stringMatching(ISO_UTC),
        errors: [],
      });
      expect(res.headers['x-request-id']).toBe(requestId);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    };

    it('answers a malformed percent-encoding in the path with 400 in the envelope', async () => {
      const res = await t.request({ url: '/api/calls/%zz', headers: { 'x-request-id': 'bad-url-1' } });
      expectEnvelopeAndHeaders(res, 'bad-url-1');
      expect(res.body.message).toMatch(/percent-encod/);
      expect(res.text).not.toContain('%zz');
    });

    it('answers a path parameter over 100 characters with 400 in the envelope, without echoing it', async () => {
      const long = 'a'.repeat(101);
      const res = await t.request({ url: `/api/calls/${long}`, headers: { 'x-request-id': 'long-param-1' } });
      expectEnvelopeAndHeaders(res, 'long-param-1');
      expect(res.body.message).toMatch(/100 characters/);
      expect(res.text).not.toContain(long);
    });
  });

  it('allows a configured origin with credentials', async () => {
    const res = await t.request({ url: '/api/health/live', headers: { origin: 'https://admin.example.com' } });
    expect(res.headers['access-control-allow-origin']).toBe('https://admin.example.com');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    const preflight = await t.request({
      method: 'OPTIONS',
      url: '/api/fixture/echo',
      unchecked: PREFLIGHT,
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/Authorization/i);
  });

  it('gives preflights and bare OPTIONS requests the request id and the security headers, never a plain-text 400', async () => {
    const requests: Record<string, string>[] = [
      { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'x-request-id': 'pre-1' },
      { origin: 'https://app.example.com', 'x-request-id': 'pre-1' },
      { 'x-request-id': 'pre-1' },
    ];
    for (const headers of requests) {
      const res = await t.request({ method: 'OPTIONS', url: '/api/fixture/echo', unchecked: PREFLIGHT, headers });
      expect(res.status).toBe(204);
      expect(res.headers['x-request-id']).toBe('pre-1');
      expect(res.headers['content-security-policy']).toEqual(expect.stringContaining("default-src 'self'"));
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('gives error answers the CORS headers too, so a browser app can read the error', async () => {
    const origin = 'https://app.example.com';
    const refused = await t.request({ url: '/api/auth/profile', headers: { origin } });
    const missing = await t.request({ url: '/api/no-such-route', headers: { origin } });
    expect([refused.status, missing.status]).toEqual([401, 404]);
    for (const res of [refused, missing]) {
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(String(res.headers['access-control-expose-headers'])).toContain('X-Request-Id');
      expect(res.headers.vary).toContain('Origin');
      expect(res.body).toMatchObject({ success: false });
    }
  });

  it('gives a refused origin no CORS headers', async () => {
    const res = await t.request({ url: '/api/health/live', headers: { origin: 'https://evil.example.net' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await t.request({
      method: 'OPTIONS',
      url: '/api/fixture/echo',
      unchecked: PREFLIGHT,
      headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('serves Swagger UI at /api/docs and the OpenAPI document at /api/docs-json', async () => {
    const ui = await t.request({ url: '/api/docs' });
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
    const doc = await t.request({ url: '/api/docs-json' });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(doc.body.components.schemas)).toEqual(
      expect.arrayContaining(['SuccessEnvelopeDto', 'ErrorEnvelopeDto', 'FieldErrorDto']),
    );
    expect(doc.body.components.schemas.ErrorEnvelopeDto.properties.errorCode).toBeDefined();
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/health', '/api/health/ready']));
  });
});
