import { escapeRegExp, searchPatterns } from './user-search';

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
