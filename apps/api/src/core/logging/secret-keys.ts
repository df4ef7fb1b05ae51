/**
 * Keys whose values are credentials wherever they appear in a stored log or audit record:
 * passwords, hashes, tokens, secrets, certificates, cookies. pino's `redact` covers known paths of
 * a log line; what goes into the database (system_logs, audit_logs) also passes this deeper,
 * key-based filter, because an admin reads it back through the API.
 */
const SECRET_KEY = /pass(word|wd)?|secret|token|hash|authorization|cookie|certificate|api[-_]?key|credential/i;

export const REDACTED = '[redacted]';

/** Nested objects this deep or deeper are cut: a stored record stays small and finite. */
const MAX_DEPTH = 6;

/**
 * A copy of `value` with the value of every secret-looking key replaced by `[redacted]`. Numbers
 * and booleans stay (`tokenVersion: 3`, `emailTokens: 12` tell nothing).
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (value instanceof Date) return value;
  // ObjectId, Decimal128 and other BSON values: their text, not their internals.
  if ('_bsontype' in value) return (value as { toString(): string }).toString();
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const keep = typeof item === 'number' || typeof item === 'boolean' || item === null;
    copy[key] = SECRET_KEY.test(key) && !keep ? REDACTED : redactSecrets(item, depth + 1);
  }
  return copy;
}
