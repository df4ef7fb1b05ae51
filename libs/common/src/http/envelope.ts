import { ErrorCode } from '../errors/error-code';
import { FieldError } from '../errors/app-exception';

export interface SuccessEnvelope<T> {
  success: true;
  status: 'success';
  message: string;
  timestamp: string;
  data: T;
}

export interface ErrorEnvelope {
  success: false;
  status: 'error';
  message: string;
  errorCode: ErrorCode;
  timestamp: string;
  errors: FieldError[];
}

export function successEnvelope<T>(message: string, data: T): SuccessEnvelope<T> {
  return { success: true, status: 'success', message, timestamp: new Date().toISOString(), data };
}

export function errorEnvelope(errorCode: ErrorCode, message: string, errors: FieldError[] = []): ErrorEnvelope {
  return {
    success: false,
    status: 'error',
    message,
    errorCode,
    timestamp: new Date().toISOString(),
    errors,
  };
}
