import { HttpException } from '@nestjs/common';
import { ERROR_STATUS, ErrorCode } from './error-code';

/** One problem with one input field, as listed in an error envelope's `errors`. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * The one exception services throw. The global filter turns it into the error envelope;
 * `headers` are set on the response (for example `Retry-After`).
 */
export class AppException extends HttpException {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors: FieldError[] = [],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message, ERROR_STATUS[code]);
  }
}
