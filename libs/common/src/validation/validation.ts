import { ValidationPipeOptions } from '@nestjs/common';
import { ValidationError } from 'class-validator';
import { AppException, FieldError } from '../errors/app-exception';
import { ErrorCode } from '../errors/error-code';

/** Flattens class-validator's tree into one `{ field, message }` per failed rule, with dotted paths. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

export function validationException(errors: ValidationError[]): AppException {
  const fieldErrors = toFieldErrors(errors);
  const fields = [...new Set(fieldErrors.map((e) => e.field))].join(', ');
  return new AppException(ErrorCode.BAD_REQUEST, `Validation failed: ${fields}`, fieldErrors);
}

/**
 * The validation rules for every input, HTTP and socket alike: unknown fields are refused
 * (whitelist + forbidNonWhitelisted), values are converted to the DTO's types, and the
 * submitted value is never echoed back (it may be a password).
 */
export const VALIDATION_OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  transform: true,
  validationError: { target: false, value: false },
  stopAtFirstError: false,
  exceptionFactory: validationException,
};
