import 'reflect-metadata';
import { CORS, ResponseHeaders } from './response-headers';

describe('ResponseHeaders', () => {
  const headers = new ResponseHeaders(['https://app.example.com', 'https://admin.example.com'], false);

  it('gives an allowed origin its own CORS headers, with credentials, on top of the security headers', () => {
    expect(headers.for('https://admin.example.com')).toMatchObject({
      'access-control-allow-origin': 'https://admin.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': CORS.exposedHeaders,
      vary: 'Origin',
      'x-content-type-options': 'nosniff',
    });
    expect(headers.allows('https://app.example.com')).toBe(true);
  });

  it('gives a refused origin the security headers and Vary only', () => {
    const refused = headers.for('https://evil.example.net');
    expect(Object.keys(refused).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    expect(refused).toMatchObject({ vary: 'Origin', 'x-frame-options': 'SAMEORIGIN' });
    expect(headers.allows('https://evil.example.net')).toBe(false);
    expect(headers.allows('https://app.example.com.evil.example.net')).toBe(false);
  });

  it('treats a request without an Origin header (or an empty one) as allowed, without Access-Control-Allow-Origin', () => {
    for (const origin of [undefined, '']) {
      expect(headers.allows(origin)).toBe(true);
      expect(headers.for(origin)).toMatchObject({ 'access-control-allow-credentials': 'true', vary: 'Origin' });
      expect(headers.for(origin)['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('answers preflights with the methods, the request headers a client may send and the cache time', () => {
    expect(headers.preflight).toEqual({
      'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
      'access-control-allow-headers': 'Authorization, Content-Type, X-Request-Id',
      'access-control-max-age': '600',
      'content-length': '0',
    });
  });

  it('keeps every set frozen, so no answer can change another one', () => {
    expect(Object.isFrozen(headers.for('https://app.example.com'))).toBe(true);
    expect(Object.isFrozen(headers.for(undefined))).toBe(true);
    expect(Object.isFrozen(headers.preflight)).toBe(true);
  });
});
