import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from '@app/common';

export class FieldErrorDto {
  @ApiProperty({ example: 'email' }) field!: string;
  @ApiProperty({ example: 'email must be an email' }) message!: string;
}

/** The success envelope; each endpoint documents its own `data`. */
export class SuccessEnvelopeDto {
  @ApiProperty({ example: true }) success!: true;
  @ApiProperty({ example: 'success', enum: ['success'] }) status!: 'success';
  @ApiProperty({ example: 'Operation successful' }) message!: string;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z', format: 'date-time' }) timestamp!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) data!: unknown;
}

export class ErrorEnvelopeDto {
  @ApiProperty({ example: false }) success!: false;
  @ApiProperty({ example: 'error', enum: ['error'] }) status!: 'error';
  @ApiProperty({ example: 'Validation failed: email' }) message!: string;
  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode', example: ErrorCode.BAD_REQUEST }) errorCode!: ErrorCode;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z', format: 'date-time' }) timestamp!: string;
  @ApiProperty({ type: [FieldErrorDto] }) errors!: FieldErrorDto[];
}

/** A Swagger response example in the success envelope: `@ApiOkResponse(envelopeExample('Done', data))`. */
export const envelopeExample = (message: string, data: unknown) => ({
  schema: { example: { success: true, status: 'success', message, timestamp: '2026-01-01T10:00:00.000Z', data } },
});
