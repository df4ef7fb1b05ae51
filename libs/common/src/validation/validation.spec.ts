import { ValidationError } from 'class-validator';
import { ErrorCode, errorCodeForStatus } from '../errors/error-code';
import { toFieldErrors, validationException } from './validation';

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
