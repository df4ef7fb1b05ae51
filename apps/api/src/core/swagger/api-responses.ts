import { applyDecorators, HttpStatus, Type } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath, ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { ErrorCode, ERROR_STATUS } from '@app/common';
import { ErrorEnvelopeDto } from './envelope.schemas';

export type Schema = SchemaObject | ReferenceObject;
/** A response DTO class, an array of one, or a schema written out. */
export type Field = Type<unknown> | [Type<unknown>] | Schema;
/** `data` of a success envelope: a DTO class, an object of fields (all present), or `null`. */
export type DataShape = Type<unknown> | Record<string, Field> | null;

export const MEDIA_JSON = 'application/json';

const isClass = (value: unknown): value is Type<unknown> => typeof value === 'function';

/** The classes a shape refers to, so they are added to the document's components. */
function classesOf(shape: DataShape | Field): Type<unknown>[] {
  if (shape === null) return [];
  if (isClass(shape)) return [shape];
  if (Array.isArray(shape)) return shape.filter(isClass);
  if ('$ref' in shape || 'type' in shape || 'allOf' in shape || 'oneOf' in shape || 'anyOf' in shape) return [];
  return Object.values(shape as Record<string, Field>).flatMap(classesOf);
}

export function fieldSchema(field: Field): Schema {
  if (isClass(field)) return { $ref: getSchemaPath(field) };
  if (Array.isArray(field)) return { type: 'array', items: { $ref: getSchemaPath(field[0]) } };
  return field;
}

/** A closed object whose every field is present. */
export function objectOf(fields: Record<string, Field>, description?: string): SchemaObject {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    required: Object.keys(fields),
    additionalProperties: false,
    properties: Object.fromEntries(Object.entries(fields).map(([key, field]) => [key, fieldSchema(field)])),
  };
}

function dataSchema(shape: DataShape): Schema {
  if (shape === null) return { type: 'object', nullable: true, enum: [null], description: 'Always null' };
  if (isClass(shape)) return { $ref: getSchemaPath(shape) };
  return objectOf(shape);
}

/**
 * The success envelope with `data` in the route's shape. Closed (`additionalProperties: false`),
 * so a field the route should not send fails a check against the document. The message's example
 * is the route's `@ResponseMessage`, filled in when the document is built (swagger.ts).
 */
export function successEnvelopeSchema(data: Schema): SchemaObject {
  return {
    type: 'object',
    description: 'The success envelope (SuccessEnvelopeDto) with `data` as below',
    required: ['success', 'status', 'message', 'timestamp', 'data'],
    additionalProperties: false,
    properties: {
      success: { type: 'boolean', enum: [true] },
      status: { type: 'string', enum: ['success'] },
      message: { type: 'string' },
      timestamp: { type: 'string', format: 'date-time' },
      data,
    },
  };
}

/**
 * Documents the success response of a route: `@ApiSuccess(HttpStatus.OK, { call: CallDetailsDto })`.
 * `example` is the `data` of the envelope example.
 */
export function ApiSuccess(
  status: HttpStatus.OK | HttpStatus.CREATED,
  shape: DataShape,
  options: { description?: string; example?: unknown } = {},
): MethodDecorator {
  const classes = classesOf(shape);
  const example =
    options.example === undefined
      ? undefined
      : {
          success: true,
          status: 'success',
          message: 'Operation successful',
          timestamp: '2026-01-01T10:00:00.000Z',
          data: options.example,
        };
  return applyDecorators(
    ...(classes.length > 0 ? [ApiExtraModels(...classes)] : []),
    ApiResponse({
      status,
      description: options.description ?? (status === HttpStatus.CREATED ? 'Created' : 'OK'),
      content: { [MEDIA_JSON]: { schema: successEnvelopeSchema(dataSchema(shape)), ...(example ? { example } : {}) } },
    }),
  );
}

export type ErrorStatus =
  | HttpStatus.BAD_REQUEST
  | HttpStatus.UNAUTHORIZED
  | HttpStatus.FORBIDDEN
  | HttpStatus.NOT_FOUND
  | HttpStatus.CONFLICT
  | HttpStatus.PAYLOAD_TOO_LARGE
  | HttpStatus.UNSUPPORTED_MEDIA_TYPE
  | HttpStatus.TOO_MANY_REQUESTS
  | HttpStatus.INTERNAL_SERVER_ERROR
  | HttpStatus.SERVICE_UNAVAILABLE;

const CODE_OF_STATUS = new Map<number, ErrorCode>(
  Object.entries(ERROR_STATUS).map(([code, status]) => [status, code as ErrorCode]),
);

export const DEFAULT_ERROR_DESCRIPTIONS: Readonly<Record<ErrorStatus, string>> = {
  [HttpStatus.BAD_REQUEST]: 'Invalid input: `errors` lists each failed rule',
  [HttpStatus.UNAUTHORIZED]: 'No token, or a token that is invalid, expired, revoked or of a suspended account',
  [HttpStatus.FORBIDDEN]: 'Not allowed',
  [HttpStatus.NOT_FOUND]: 'Not found',
  [HttpStatus.CONFLICT]: 'Conflicts with the current state',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'The body is larger than BODY_LIMIT',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'The body is not application/json',
  [HttpStatus.TOO_MANY_REQUESTS]: 'Rate limit reached; `Retry-After` says in how many seconds to try again',
  [HttpStatus.INTERNAL_SERVER_ERROR]: 'An unexpected error; the message names only the request id',
  [HttpStatus.SERVICE_UNAVAILABLE]:
    'The database (or another service the route needs) is not reachable now; try again shortly',
};

/** The error envelope with the `errorCode` that goes with `status`. */
export function errorEnvelopeSchema(status: number): Schema {
  const code = CODE_OF_STATUS.get(status);
  if (!code) return { $ref: getSchemaPath(ErrorEnvelopeDto) };
  return {
    allOf: [
      { $ref: getSchemaPath(ErrorEnvelopeDto) },
      { type: 'object', properties: { errorCode: { type: 'string', enum: [code] } } },
    ],
  };
}

export function errorResponse(status: number, description: string) {
  return { description, content: { [MEDIA_JSON]: { schema: errorEnvelopeSchema(status) } } };
}

/**
 * The errors a route answers beyond those every route of its kind shares (those are added to the
 * whole document: swagger.ts). `@ApiErrors(404, { 409: 'The call has ended' })`.
 */
export function ApiErrors(...items: (ErrorStatus | Partial<Record<ErrorStatus, string>>)[]): MethodDecorator {
  const entries: [ErrorStatus, string][] = items.flatMap((item) =>
    typeof item === 'number'
      ? [[item, DEFAULT_ERROR_DESCRIPTIONS[item]] as [ErrorStatus, string]]
      : (Object.entries(item).map(([status, description]) => [Number(status), description]) as [ErrorStatus, string][]),
  );
  return applyDecorators(
    ...entries.map(([status, description]) => ApiResponse({ status, ...errorResponse(status, description) })),
  );
}
