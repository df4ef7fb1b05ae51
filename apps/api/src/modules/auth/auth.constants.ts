/** `iss` and `aud` of every token, checked on every request (RFC 8725). */
export const JWT_ISSUER = 'video-call-api';
export const JWT_AUDIENCE = 'video-call-api';

/** The claims of our tokens; `jti`, `exp`, `iss` and `aud` are set and checked by the JWT library. */
export interface TokenClaims {
  sub: string;
  role: string;
  /** The user's token version when the token was issued. */
  ver: number;
  jti: string;
  exp: number;
  iat: number;
}
