import { HttpException, HttpStatus } from '@nestjs/common';
import mongoose from 'mongoose';
import {
  AppException,
  ErrorCode,
  ErrorEnvelope,
  FieldError,
  errorCodeForStatus,
  errorEnvelope,
  isDuplicateKey,
} from '@app/common';
import { isDatabaseUnavailable } from '../database/database-unavailable';

export interface ErrorResponse {
  status: number;
  body: ErrorEnvelope;
  headers: Readonly<Record<string, string>>;
  /** Unexpected: the caller logs the exception with its stack. */
  unexpected: boolean;
}

/**
 * The longest path parameter the router accepts. No id of this API comes near it; a longer one is
 * answered 400 (not the router's 414: the URL is not too long, one parameter is malformed).
 */
export const MAX_PATH_PARAM_LENGTH = 100;

interface FastifyLikeError {
  code?: unknown;
  statusCode?: number;
  message: string;
}

const respond = (
  code: ErrorCode,
  status: number,
  message: string,
  errors: FieldError[] = [],
  headers: Readonly<Record<string, string>> = {},
): ErrorResponse => ({ status, body: errorEnvelope(code, message, errors), headers, unexpected: false });

/** Fastify's own request errors (body parsing, content type, size, malformed paths) in the API's words. */
function fromFastifyError(error: FastifyLikeError, bodyLimit: number): ErrorResponse | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return respond(
        ErrorCode.PAYLOAD_TOO_LARGE,
        HttpStatus.PAYLOAD_TOO_LARGE,
        `Request body is larger than the limit of ${bodyLimit} bytes`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return respond(
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        'Unsupported Content-Type; send the request body as application/json',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return respond(
        ErrorCode.BAD_REQUEST,
        HttpStatus.BAD_REQUEST,
        'Request body is empty but Content-Type is application/json',
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return respond(ErrorCode.BAD_REQUEST, HttpStatus.BAD_REQUEST, 'Request body is not valid JSON');
    // Answered by the router (through `frameworkErrors`); their own messages would echo the path.
    case 'FST_ERR_BAD_URL':
      return respond(ErrorCode.BAD_REQUEST, HttpStatus.BAD_REQUEST, 'The request path is not validly percent-encoded');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return respond(
        ErrorCode.BAD_REQUEST,
        HttpStatus.BAD_REQUEST,
        `A path parameter is longer than ${MAX_PATH_PARAM_LENGTH} characters`,
      );
  }
  if (typeof error.code === 'string' && error.code.startsWith('FST_') && error.statusCode && error.statusCode < 500) {
    return respond(errorCodeForStatus(error.statusCode), error.statusCode, error.message);
  }
  return undefined;
}

function fromHttpException(exception: HttpException): ErrorResponse {
  const status = exception.getStatus();
  const response = exception.getResponse();
  let message = exception.message;
  let errors: FieldError[] = [];
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const raw = response.message;
    if (Array.isArray(raw)) {
      errors = raw.map((m) => ({ field: '', message: String(m) }));
      message = 'Validation failed';
    } else if (typeof raw === 'string') {
      message = raw;
    }
  }
  return respond(errorCodeForStatus(status), status, message, errors);
}

/**
 * The one mapping from anything thrown to the error envelope: AppException, Nest's
 * HttpExceptions, Fastify's request errors, an unreachable database (503) and MongoDB duplicate
 * keys. Everything else is a 500 whose message names only the request id; the details go to the
 * log.
 */
export function toErrorResponse(exception: unknown, requestId: string, bodyLimit: number): ErrorResponse {
  if (exception instanceof AppException) {
    return respond(exception.code, exception.getStatus(), exception.message, exception.errors, exception.headers);
  }
  // Nest wraps Fastify's request errors in an HttpException whose cause is the original.
  const cause = exception instanceof HttpException ? exception.cause : exception;
  if (cause instanceof Error) {
    const fastify = fromFastifyError(cause, bodyLimit);
    if (fastify) return fastify;
  }
  if (exception instanceof HttpException) return fromHttpException(exception);
  // Not the request's fault and not a bug: the client may try again once the database is back.
  if (isDatabaseUnavailable(exception)) {
    return respond(
      ErrorCode.SERVICE_UNAVAILABLE,
      HttpStatus.SERVICE_UNAVAILABLE,
      'The database is not reachable right now; try again shortly',
    );
  }
  if (isDuplicateKey(exception)) {
    return respond(ErrorCode.CONFLICT, HttpStatus.CONFLICT, 'A resource with the same unique value already exists');
  }
  // A value that passed the DTO but not the schema (a DTO gap): the client's fault, not a 500.
  if (exception instanceof mongoose.Error.ValidationError || exception instanceof mongoose.Error.CastError) {
    const paths =
      exception instanceof mongoose.Error.ValidationError ? Object.keys(exception.errors) : [exception.path];
    return respond(
      ErrorCode.BAD_REQUEST,
      HttpStatus.BAD_REQUEST,
      `Invalid value for ${paths.join(', ')}`,
      paths.map((field) => ({ field, message: `${field} has an invalid value` })),
    );
  }
  return {
    ...respond(
      ErrorCode.INTERNAL_SERVER_ERROR,
      HttpStatus.INTERNAL_SERVER_ERROR,
      `An unexpected error occurred; quote request id ${requestId} when reporting it`,
    ),
    unexpected: true,
  };
}
