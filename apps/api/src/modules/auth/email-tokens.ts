import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes in base64url: what a link carries. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function newEmailToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashEmailToken(token) };
}

/** The stored form of a token: SHA-256, hex. */
export function hashEmailToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether a string could be one of our tokens (a cheap refusal before any database work). */
export function isEmailTokenShaped(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}
