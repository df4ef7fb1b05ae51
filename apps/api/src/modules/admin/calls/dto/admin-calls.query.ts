import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsMongoId, IsOptional, ValidateBy } from 'class-validator';
import {
  CALL_MODES,
  CALL_STATUSES,
  CALL_TYPES,
  CallMode,
  CallStatus,
  CallType,
  IsIsoDateTime,
  IsWholeNumberInRange,
  LimitQuery,
  MAX_SKIP,
} from '@app/common';

export const ADMIN_CALLS_DEFAULT_LIMIT = 20;
export const ADMIN_CALLS_MAX_LIMIT = 100;
/** Pages beyond this would skip more than MAX_SKIP calls at the largest limit: refused (400). */
export const ADMIN_CALLS_MAX_PAGE = MAX_SKIP / ADMIN_CALLS_MAX_LIMIT;

const lowerCase = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.toLowerCase() : value);

/** `to` must come after `from` when both are given. */
const AfterFrom = () =>
  ValidateBy({
    name: 'afterFrom',
    validator: {
      validate: (value: unknown, args) => {
        const from = (args?.object as AdminCallsQuery).from;
        return !from || typeof value !== 'string' || Date.parse(value) > Date.parse(from);
      },
      defaultMessage: () => 'to must be later than from',
    },
  });

/** `GET /api/admin/calls`: a page of every call, filtered by any of the fields. */
export class AdminCallsQuery extends LimitQuery(ADMIN_CALLS_DEFAULT_LIMIT, ADMIN_CALLS_MAX_LIMIT) {
  @ApiPropertyOptional({ example: 1, default: 1, minimum: 1, maximum: ADMIN_CALLS_MAX_PAGE })
  @IsOptional()
  @Type(() => Number)
  @IsWholeNumberInRange(1, ADMIN_CALLS_MAX_PAGE)
  page: number = 1;

  @ApiPropertyOptional({ enum: CALL_STATUSES, example: 'active' })
  @IsOptional()
  @IsIn(CALL_STATUSES)
  status?: CallStatus;

  @ApiPropertyOptional({ enum: CALL_TYPES, example: 'video' })
  @IsOptional()
  @IsIn(CALL_TYPES)
  callType?: CallType;

  @ApiPropertyOptional({ enum: CALL_MODES, example: 'group' })
  @IsOptional()
  @IsIn(CALL_MODES)
  callMode?: CallMode;

  @ApiPropertyOptional({ example: '665f1c2ab3e4d5f6a7b8c9d0', description: 'Calls this user hosts now' })
  @IsOptional()
  @Transform(lowerCase)
  @IsMongoId({ message: 'hostId must be a user id (24 hexadecimal characters)' })
  hostId?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-01-01T00:00:00Z',
    description: 'Calls created at or after this time',
  })
  @IsOptional()
  @IsIsoDateTime()
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-02-01T00:00:00Z',
    description: 'Calls created before this time (later than `from`)',
  })
  @IsOptional()
  @IsIsoDateTime()
  @AfterFrom()
  to?: string;
}
