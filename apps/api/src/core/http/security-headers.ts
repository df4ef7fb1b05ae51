// Nest's resolver behind `app.useSecurityHeaders()`: helmet 8's headers and defaults, validated and
// serialized once. We call it ourselves instead of `useSecurityHeaders()` because the router
// answers some errors (a malformed URL, an over-long path parameter) before any hook runs, and
// those answers must carry the very same headers (see createFastifyAdapter).
import { resolveSecurityHeaders } from '@nestjs/core/security/security-headers';

/**
 * The security headers of every response, computed once at start-up (helmet rebuilt the
 * Content-Security-Policy on every request). `upgrade-insecure-requests` is sent only when
 * browsers reach the API over HTTPS: over plain HTTP at any host but localhost it makes the
 * browser fetch Swagger UI's scripts over https, and the page stays blank.
 */
export function securityHeaders(servedOverHttps: boolean): Readonly<Record<string, string>> {
  const { headers } = resolveSecurityHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: servedOverHttps,
      },
    },
  });
  // Lower-case names, as Fastify stores them: Fastify lower-cases every name it is given, and a
  // name that changes makes a new string that V8 must look up in its string table on every store.
  return Object.freeze(Object.fromEntries([...headers].map(([name, value]) => [name.toLowerCase(), value])));
}
