import { escapeRegExp, exactEmailQuery, SEARCH_QUERY_MEANINGFUL, searchPatterns } from './user-search';

describe('user search patterns', () => {
  it.each(['.*', '(a+)+$', '[a-z]', 'a|b', '^x?', '{1,2}', 'back\\slash', 'o.brien+tag@example.com'])(
    'escapes %s so it matches only itself',
    (text) => {
      const pattern = new RegExp(escapeRegExp(text), 'i');
      expect(pattern.test(text)).toBe(true);
      expect(new RegExp(`^${escapeRegExp(text)}$`, 'i').test('plain text')).toBe(false);
    },
  );

  it('splits on whitespace, lower-cases and drops duplicates', () => {
    expect(searchPatterns('  John   DOE john ')).toEqual(['john', 'doe']);
  });

  it('makes .* match only a literal .*', () => {
    const [pattern] = searchPatterns('.*');
    expect(new RegExp(pattern, 'i').test('anything')).toBe(false);
    expect(new RegExp(pattern, 'i').test('a.*b')).toBe(true);
  });

  it('returns escaped words', () => {
    expect(searchPatterns('.* (a+)+$')).toEqual(['\\.\\*', '\\(a\\+\\)\\+\\$']);
  });
});

describe('what a search query must hold', () => {
  it.each(['ab', 'a b', 'a.b', '@ab', '42', 'é1', '李明', 'Zoë', '  x  y  ', 'a@b.co'])('accepts %p', (query) => {
    expect(SEARCH_QUERY_MEANINGFUL.test(query)).toBe(true);
  });

  it.each(['', '@', '.', 'e', '7', 'é', '..', '@.', ' e ', 'e.', '@e', '-_', '_@_', '½'])('refuses %p', (query) => {
    expect(SEARCH_QUERY_MEANINGFUL.test(query)).toBe(false);
  });
});

describe('exact email queries', () => {
  it.each([
    ['john.doe@example.com', 'john.doe@example.com'],
    ['  John.Doe@EXAMPLE.com ', 'john.doe@example.com'],
  ])('takes %p as the email %p', (query, email) => {
    expect(exactEmailQuery(query)).toBe(email);
  });

  it.each(['john', 'example.com', 'john@', '@example.com', 'john doe@example.com', 'john@example'])(
    'takes %p as no email at all',
    (query) => {
      expect(exactEmailQuery(query)).toBeNull();
    },
  );
});
