import { forbiddenPropertyName, jsonNestingExceeds } from './json-body';

describe('jsonNestingExceeds', () => {
  const nested = (levels: number, open = '[', close = ']') => open.repeat(levels) + close.repeat(levels);

  it('allows exactly the maximum depth and refuses one more', () => {
    expect(jsonNestingExceeds(nested(32), 32)).toBe(false);
    expect(jsonNestingExceeds(nested(33), 32)).toBe(true);
    expect(jsonNestingExceeds('{"a":'.repeat(33) + '1' + '}'.repeat(33), 32)).toBe(true);
  });

  it('measures depth, not the number of containers', () => {
    const wide = JSON.stringify({ list: Array.from({ length: 1_000 }, (_, i) => ({ i, tags: [i] })) });
    // object > list > element > tags
    expect(jsonNestingExceeds(wide, 4)).toBe(false);
    expect(jsonNestingExceeds(wide, 3)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ a: '[[[[{{{{', b: 'say \\"[[[[\\" and "{{{{"' });
    expect(jsonNestingExceeds(text, 1)).toBe(false);
  });

  it('scans 100,000 levels without overflowing the stack', () => {
    expect(jsonNestingExceeds(nested(100_000), 32)).toBe(true);
    expect(jsonNestingExceeds(nested(100_000, '{"a":', '}'), 100_000)).toBe(false);
  });
});

describe('forbiddenPropertyName', () => {
  it('names __proto__, also when escaped', () => {
    expect(forbiddenPropertyName('{"a":{"__proto__":{"x":1}}}')).toBe('__proto__');
    expect(forbiddenPropertyName('{"\\u005f_proto__":{}}')).toBe('__proto__');
  });

  it('names constructor.prototype, but not a constructor without prototype', () => {
    expect(forbiddenPropertyName('{"constructor":{"prototype":{}}}')).toBe('constructor.prototype');
    expect(forbiddenPropertyName('{"constructor":"x"}')).toBeUndefined();
  });

  it('is undefined for text that is not JSON', () => {
    expect(forbiddenPropertyName('{"__proto__":')).toBeUndefined();
  });
});
