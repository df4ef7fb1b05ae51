/** The longest search query, in characters after trimming. */
export const SEARCH_QUERY_MAX = 100;

/** Makes `text` match itself only: every character with a meaning in a regular expression is escaped. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The words of a search query, each escaped for `$regex`. A user matches when every word is found
 * in the first name, the last name or the email (so "john doe" finds John Doe); this stands in for
 * a full-name match with `$concat`, which the embedded database (FerretDB v1) does not have.
 * Duplicate words are dropped.
 */
export function searchPatterns(query: string): string[] {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  return [...new Set(words)].map(escapeRegExp);
}
