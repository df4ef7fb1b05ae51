import { isEmail } from 'class-validator';

/** The longest search query, in characters after trimming. */
export const SEARCH_QUERY_MAX = 100;

/** The fewest letters or digits a search query must hold: one letter would list most of the directory. */
export const SEARCH_QUERY_MIN_LETTERS_OR_DIGITS = 2;

export const SEARCH_QUERY_TOO_VAGUE = `query must contain at least ${SEARCH_QUERY_MIN_LETTERS_OR_DIGITS} letters or digits`;

/**
 * Two letters or digits in any script, whatever stands between them. Punctuation (`@`, `.`) does
 * not count: such a query would match almost every name. The two classes are disjoint, so this
 * runs in linear time.
 */
export const SEARCH_QUERY_MEANINGFUL = /[\p{L}\p{Nd}][^\p{L}\p{Nd}]*[\p{L}\p{Nd}]/u;

/** Makes `text` match itself only: every character with a meaning in a regular expression is escaped. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The words of a search query, each escaped for `$regex`. A user matches when every word is found
 * in the first name or the last name (so "john doe" finds John Doe); this stands in for a
 * full-name match with `$concat`, which the embedded database (FerretDB v1) does not have.
 * Duplicate words are dropped. Emails are never matched by part: see `exactEmailQuery`.
 */
export function searchPatterns(query: string): string[] {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  return [...new Set(words)].map(escapeRegExp);
}

/**
 * The query as an email address when the whole query is one (trimmed, lower-cased as emails are
 * stored), else null. Only such a query is compared with emails, and only for equality: someone
 * who types a whole address already knows it, while a part (`example.com`, `john@`) would page
 * through the directory's addresses.
 */
export function exactEmailQuery(query: string): string | null {
  const email = query.trim().toLowerCase();
  return isEmail(email) ? email : null;
}
