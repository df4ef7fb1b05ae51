import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsIsoDateTime, LimitQuery } from '@app/common';
import { Transform } from 'class-transformer';

/** `level`: warn, error and fatal read warnings and worse, error and worse, fatal; audit reads the audit trail. */
export const LOG_LEVELS = ['warn', 'error', 'fatal', 'audit'] as const;
export type LogLevelFilter = (typeof LOG_LEVELS)[number];

export const LOGS_DEFAULT_LIMIT = 100;
export const LOGS_MAX_LIMIT = 500;

export class LogsQuery extends LimitQuery(LOGS_DEFAULT_LIMIT, LOGS_MAX_LIMIT) {
  @ApiPropertyOptional({
    enum: LOG_LEVELS,
    description:
      'warn: warnings, errors and fatal errors; error: errors and fatal errors; fatal; audit: the audit trail of admin writes. Without it: all of them.',
  })
  @IsOptional()
  @IsIn(LOG_LEVELS, { message: `level must be one of ${LOG_LEVELS.join(', ')}` })
  level?: LogLevelFilter;

  @ApiPropertyOptional({ example: '2026-01-01T00:00:00Z', description: 'Only entries at or after this time' })
  @IsOptional()
  @IsIsoDateTime()
  since?: string;
}

export class CleanupQuery {
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Count what would be removed, remove nothing' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsIn([true, false], { message: 'dryRun must be true or false' })
  dryRun: boolean = false;
}
