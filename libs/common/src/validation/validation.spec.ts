import { ValidationError } from 'class-validator';
import { ErrorCode, errorCodeForStatus } from '../errors/error-code';
import { isEmojiOnly, isIsoDateTime } from './inputs';
import { MAX_LISTED_ERRORS, nestingExceeds, prototypeKeyPath, toFieldErrors, validationException } from './validation';

function error(property: string, constraints: Record<string, string>, children: ValidationError[] = []) {
  return Object.assign(new ValidationError(), { property, constraints, children });
}

describe('validation errors', () => {
  it('flattens nested errors into dotted field paths, one entry per rule', () => {
    const tree = [
      error('email', { isEmail: 'email must be an email' }),
      error('settings', {}, [error('password', { length: 'too short', matches: 'needs a digit' })]),
    ];
    expect(toFieldErrors(tree)).toEqual([
      { field: 'email', message: 'email must be an email' },
      { field: 'settings.password', message: 'too short' },
      { field: 'settings.password', message: 'needs a digit' },
    ]);
  });

  it('names each failing field once in the message', () => {
    const exception = validationException([error('a', { x: '1', y: '2' }), error('b', { z: '3' })]);
    expect(exception.code).toBe(ErrorCode.BAD_REQUEST);
    expect(exception.message).toBe('Validation failed: a, b');
    expect(exception.errors).toHaveLength(3);
  });
});

describe('validation errors of a flooded body', () => {
  const unknownKeys = (n: number) =>
    Array.from({ length: n }, (_, i) => error(`k${i}`, { whitelistValidation: `property k${i} should not exist` }));

  it('lists the first errors only and says how many there were', () => {
    const exception = validationException(unknownKeys(8_000));
    expect(exception.errors).toHaveLength(MAX_LISTED_ERRORS);
    expect(exception.errors[19]).toEqual({ field: 'k19', message: 'property k19 should not exist' });
    expect(exception.message).toBe('Validation failed: k0, k1, k2 and 7997 more fields (20 of 8000 errors listed)');
  });

  it('counts fields and errors apart', () => {
    const exception = validationException([error('a', { x: '1', y: '2' }), ...unknownKeys(4)]);
    expect(exception.message).toBe('Validation failed: a, k0, k1 and 2 more fields');
    expect(validationException(unknownKeys(4)).message).toBe('Validation failed: k0, k1, k2 and 1 more field');
  });

  it('cuts long field names and messages', () => {
    const key = 'x'.repeat(1_000);
    const [listed] = validationException([
      error(key, { whitelistValidation: `property ${key} should not exist` }),
    ]).errors;
    expect(listed.field).toHaveLength(64);
    expect(listed.message.length).toBeLessThanOrEqual(160);
  });
});

describe('isIsoDateTime', () => {
  it.each([
    '2026-01-01T10:00:00Z',
    '2026-01-01T10:00Z',
    '2026-01-01T10:00:00.123Z',
    '2026-01-01T10:00:00.123456789+14:00',
    '2028-02-29T23:59:59-05:30',
  ])('accepts %s', (value) => expect(isIsoDateTime(value)).toBe(true));

  it.each([
    '2027-W01-1',
    '2027-001',
    '2026-01-01',
    '2026-01-01T10:00:00',
    '2026-01-01t10:00:00z',
    '2027-02-29T10:00:00Z',
    '2026-04-31T10:00:00Z',
    '2026-01-01T23:59:60Z',
    '2026-01-01T10:00:00+2:00',
    ' 2026-01-01T10:00:00Z',
    null,
    1767261600000,
  ])('refuses %p', (value) => expect(isIsoDateTime(value)).toBe(false));
});

describe('isEmojiOnly', () => {
  it.each(['👍', '❤️', '👍🏿', '🧑🏽‍🦰', '👨‍👩‍👧‍👦', '🇯🇵 🇧🇷', '#️⃣', '🏴󠁧󠁢󠁷󠁬󠁳󠁿', '😀'.repeat(10)])('accepts %s', (text) =>
    expect(isEmojiOnly(text)).toBe(true),
  );

  it.each(['', ' ', 'a', '👍a', ':)', '1', '🇩', '\u200D', '😀'.repeat(11), 42])('refuses %p', (text) =>
    expect(isEmojiOnly(text)).toBe(false),
  );
});

describe('error codes by status', () => {
  it.each([
    [400, ErrorCode.BAD_REQUEST],
    [404, ErrorCode.NOT_FOUND],
    [413, ErrorCode.PAYLOAD_TOO_LARGE],
    [415, ErrorCode.UNSUPPORTED_MEDIA_TYPE],
    [429, ErrorCode.TOO_MANY_REQUESTS],
    [503, ErrorCode.SERVICE_UNAVAILABLE],
    [418, ErrorCode.BAD_REQUEST],
    [502, ErrorCode.INTERNAL_SERVER_ERROR],
  ])('maps %i to %s', (status, code) => {
    expect(errorCodeForStatus(status)).toBe(code);
  });
});

describe('prototype keys in an input', () => {
  it('finds __proto__, constructor and prototype at any depth, as a dotted path', () => {
    expect(prototypeKeyPath(JSON.parse('{"a":1,"__proto__":{"x":1}}'))).toBe('__proto__');
    expect(prototypeKeyPath({ a: { b: [{ constructor: 'x' }] } })).toBe('a.b.0.constructor');
    expect(prototypeKeyPath({ prototype: 1 })).toBe('prototype');
    expect(prototypeKeyPath({ a: 'constructor', b: ['__proto__'] })).toBeUndefined();
    expect(prototypeKeyPath('__proto__')).toBeUndefined();
  });
});

describe('nestingExceeds', () => {
  const nested = (depth: number, open: (inner: unknown) => unknown) => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = open(value);
    return value;
  };

  it('counts arrays and plain objects alike, each level once', () => {
    expect(nestingExceeds(1, 0)).toBe(false);
    expect(nestingExceeds([], 0)).toBe(true);
    expect(nestingExceeds([], 1)).toBe(false);
    expect(nestingExceeds({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(nestingExceeds({ a: [{ b: 1 }] }, 2)).toBe(true);
    expect(nestingExceeds([1, [2], { a: [3] }], 3)).toBe(false);
    expect(nestingExceeds([1, [2], { a: [3] }], 2)).toBe(true);
    expect(nestingExceeds(Object.assign(Object.create(null) as object, { a: {} }), 1)).toBe(true);
  });

  it('walks any depth without overflowing the stack', () => {
    expect(
      nestingExceeds(
        nested(200_000, (v) => [v]),
        32,
      ),
    ).toBe(true);
    expect(
      nestingExceeds(
        nested(200_000, (v) => ({ a: v })),
        200_000,
      ),
    ).toBe(false);
  });

  it('takes other objects (a binary message, a date) as leaves', () => {
    expect(nestingExceeds({ data: Buffer.alloc(4096), at: new Date() }, 1)).toBe(false);
  });
});
