import { securityHeaders } from './security-headers';

type Headers = Readonly<Record<string, string>>;

/** What a browser app may send and read across origins (`CORS_ORIGINS`). */
export const CORS = {
  methods: 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
  allowedHeaders: 'Authorization, Content-Type, X-Request-Id',
  exposedHeaders: 'X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After',
  maxAgeSeconds: 600,
} as const;

/**
 * The headers of every answer, made once at start-up: the security headers, `Vary: Origin`, and
 * the CORS headers for a request from an allowed origin (with credentials), or from no origin at
 * all (not a browser's cross-origin request: it gets them without `Access-Control-Allow-Origin`).
 * A refused origin gets no CORS headers. One lookup per answer, where a CORS plugin resolved the
 * origin and set each header on every request.
 */
export class ResponseHeaders {
  private readonly byOrigin: ReadonlyMap<string, Headers>;
  private readonly withoutOrigin: Headers;
  private readonly refused: Headers;
  /** The answer to a preflight, on top of `for(origin)`. */
  readonly preflight: Headers = Object.freeze({
    'access-control-allow-methods': CORS.methods,
    'access-control-allow-headers': CORS.allowedHeaders,
    'access-control-max-age': String(CORS.maxAgeSeconds),
    'content-length': '0',
  });

  constructor(origins: readonly string[], servedOverHttps: boolean) {
    const security = securityHeaders(servedOverHttps);
    const cors = { 'access-control-allow-credentials': 'true', 'access-control-expose-headers': CORS.exposedHeaders };
    this.refused = Object.freeze({ ...security, vary: 'Origin' });
    this.withoutOrigin = Object.freeze({ ...this.refused, ...cors });
    this.byOrigin = new Map(
      origins.map((origin) => [
        origin,
        Object.freeze({ ...this.withoutOrigin, 'access-control-allow-origin': origin }),
      ]),
    );
  }

  /** Whether a request with this `Origin` header (or none, or an empty one) may be answered across origins. */
  allows(origin: string | undefined): boolean {
    return !origin || this.byOrigin.has(origin);
  }

  /** The headers of an answer to a request with this `Origin` header (or none). */
  for(origin: string | undefined): Headers {
    if (!origin) return this.withoutOrigin;
    return this.byOrigin.get(origin) ?? this.refused;
  }
}
