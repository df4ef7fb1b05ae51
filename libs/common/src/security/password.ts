import { availableParallelism } from 'node:os';
import bcrypt from 'bcrypt';
import { WorkLimiter } from './work-limiter';

/** The spec's promise: bcrypt with 12 salt rounds. */
export const BCRYPT_ROUNDS = 12;
/** bcrypt reads only the first 72 bytes; longer passwords are refused, not silently cut. */
export const PASSWORD_MAX_BYTES = 72;
export const PASSWORD_RULE = /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d).{8,72}$/s;
export const PASSWORD_MESSAGE =
  'password must be 8 to 72 characters (at most 72 bytes) with an upper-case letter, a lower-case letter and a digit';

export function meetsPasswordPolicy(password: string): boolean {
  return PASSWORD_RULE.test(password) && Buffer.byteLength(password, 'utf8') <= PASSWORD_MAX_BYTES;
}

/** libuv's thread pool size (UV_THREADPOOL_SIZE, default 4), which bcrypt works in. */
const THREAD_POOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE) || 4;
/**
 * bcrypt runs at most one hash per core this process may use at once (and leaves at least one
 * pool thread to file, DNS and zlib work): a login storm then uses the cores fully without
 * starving the event loop or the rest of the pool (docs/architecture.md, "Accounts and tokens").
 */
const hashing = new WorkLimiter(Math.max(1, Math.min(availableParallelism(), THREAD_POOL_SIZE - 1)));

export function hashPassword(password: string): Promise<string> {
  return hashing.run(() => bcrypt.hash(password, BCRYPT_ROUNDS));
}

/** A password bcrypt would cut (over 72 bytes) never matches: its first 72 bytes alone must not log in. */
export function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) return Promise.resolve(false);
  return hashing.run(() => bcrypt.compare(password, hash));
}

/** A password as typed to prove who one is (login, current password): 1 to 72 bytes, nothing else checked. */
export function isPasswordInput(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && Buffer.byteLength(value, 'utf8') <= PASSWORD_MAX_BYTES;
}
export const PASSWORD_INPUT_MESSAGE = 'password must be 1 to 72 bytes long';

/**
 * Compared against when the email is unknown, so a wrong email costs the same bcrypt work as a
 * wrong password and the response time does not tell which one was wrong.
 */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword('not-a-real-password-Aa1');
  return dummyHash;
}
