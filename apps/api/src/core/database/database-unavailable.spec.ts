import mongoose from 'mongoose';
import { ErrorCode } from '@app/common';
import { toErrorResponse } from '../http/error-response';
import { isDatabaseUnavailable } from './database-unavailable';

const { MongoNetworkError, MongoNetworkTimeoutError, MongoNotConnectedError, MongoServerError } = mongoose.mongo;

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a broken connection', new MongoNetworkError('connection reset')],
    ['a network timeout', new MongoNetworkTimeoutError('timed out')],
    ['a client not connected', new MongoNotConnectedError('not connected')],
    ['a node shutting down', new MongoServerError({ code: 91, errmsg: 'shutdown in progress' })],
    ['a primary stepping down', new MongoServerError({ code: 189, errmsg: 'primary stepped down' })],
    ['a node that is not primary', new MongoServerError({ code: 10107, errmsg: 'not primary' })],
  ])('is true for %s, which the error response turns into 503 SERVICE_UNAVAILABLE', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    const response = toErrorResponse(error, 'req-1', 1024);
    expect(response).toMatchObject({
      status: 503,
      unexpected: false,
      body: { errorCode: ErrorCode.SERVICE_UNAVAILABLE },
    });
    expect(response.body.message).not.toMatch(/reset|shutdown|primary/);
  });

  it.each([
    ['a duplicate key', new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key' })],
    ['a refused command', new MongoServerError({ code: 2, errmsg: 'bad value' })],
    ['a cast error', new mongoose.Error.CastError('ObjectId', 'x', '_id')],
    ['a plain error', new Error('connection lost')],
    ['a value that is not an error', { name: 'MongoNetworkError' }],
  ])('is false for %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
