import { BadRequestException } from '@nestjs/common';
import { AppException, ErrorCode, validationException } from '@app/common';
import { ValidationError } from 'class-validator';
import { Logger } from 'pino';
import { AppSocket } from './realtime.protocol';
import { answerError, toAckError } from './realtime-errors';

const logger = () => {
  const error = jest.fn();
  return { log: { error } as unknown as Logger, error };
};

describe('socket event errors', () => {
  it('keeps an AppException’s code, message and field errors', () => {
    const { log, error } = logger();
    const answer = toAckError(
      new AppException(ErrorCode.FORBIDDEN, 'Not in this call', [{ field: 'roomId', message: 'no' }]),
      log,
      1000,
    );
    expect(answer).toEqual({
      success: false,
      errorCode: 'FORBIDDEN',
      message: 'Not in this call',
      errors: [{ field: 'roomId', message: 'no' }],
    });
    expect(error).not.toHaveBeenCalled();
  });

  it('maps validation failures and Nest’s HttpExceptions as REST does', () => {
    const { log } = logger();
    const failed = Object.assign(new ValidationError(), {
      property: 'echo',
      constraints: { isString: 'echo must be a string' },
    });
    expect(toAckError(validationException([failed]), log, 1000)).toMatchObject({
      errorCode: 'BAD_REQUEST',
      message: 'Validation failed: echo',
      errors: [{ field: 'echo', message: 'echo must be a string' }],
    });
    expect(toAckError(new BadRequestException('nope'), log, 1000)).toMatchObject({ errorCode: 'BAD_REQUEST' });
  });

  it('hides an unexpected error behind an incident id that is logged with it', () => {
    const { log, error } = logger();
    const answer = toAckError(new Error('connection string mongodb://secret@host'), log, 1000);
    expect(answer.errorCode).toBe('INTERNAL_SERVER_ERROR');
    expect(answer.message).not.toMatch(/secret/);
    const [[logged]] = error.mock.calls as [[{ incident: string }]];
    expect(answer.message).toContain(logged.incident);
  });

  it('answers through the acknowledgement when there is one, else emits an error event', () => {
    const emit = jest.fn();
    const socket = { emit } as unknown as AppSocket;
    const failure = toAckError(new AppException(ErrorCode.NOT_FOUND, 'x'), logger().log, 1000);
    const ack = jest.fn();
    answerError(socket, failure, ack);
    expect(ack).toHaveBeenCalledWith(failure);
    expect(emit).not.toHaveBeenCalled();
    answerError(socket, failure, { not: 'a function' });
    expect(emit).toHaveBeenCalledWith('error', failure);
  });
});
