import { ApiProperty } from '@nestjs/swagger';
import { ErrorCode, MAX_LISTED_ERRORS } from '@app/common';

export class FieldErrorDto {
  @ApiProperty({ example: 'email', description: 'The field, dotted for nested ones; empty when none applies' })
  field!: string;

  @ApiProperty({ example: 'email must be an email address' })
  message!: string;
}

/**
 * The success envelope. Each operation documents its own copy with `data` in the route's shape
 * (api-responses.ts); this one names the common part in the document.
 */
export class SuccessEnvelopeDto {
  @ApiProperty({ enum: [true], example: true }) success!: true;
  @ApiProperty({ enum: ['success'], example: 'success' }) status!: 'success';
  @ApiProperty({ example: 'Operation successful' }) message!: string;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z', format: 'date-time' }) timestamp!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: "The route's result; its shape is documented with each operation",
  })
  data!: unknown;
}

/** Every error of every route, unknown routes included. */
export class ErrorEnvelopeDto {
  @ApiProperty({ enum: [false], example: false }) success!: false;
  @ApiProperty({ enum: ['error'], example: 'error' }) status!: 'error';
  @ApiProperty({ example: 'Validation failed: email' }) message!: string;
  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode', example: ErrorCode.BAD_REQUEST }) errorCode!: ErrorCode;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z', format: 'date-time' }) timestamp!: string;
  @ApiProperty({
    type: [FieldErrorDto],
    maxItems: MAX_LISTED_ERRORS,
    description: `One entry per failed rule of a validation error (at most ${MAX_LISTED_ERRORS}); empty otherwise`,
  })
  errors!: FieldErrorDto[];
}
